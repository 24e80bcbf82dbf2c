"""Settings from the environment (prefix-free names, e.g. DATABASE_URL, SECRET_KEY)."""

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-key-change-me-0123456789"
MIN_SECRET_LENGTH = 32


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "production"
    database_url: str = "sqlite+aiosqlite:///./var/zhijian.db"
    secret_key: str = DEVELOPMENT_SECRET
    jwt_algorithm: Literal["HS256"] = "HS256"
    access_token_minutes: int = Field(default=15, ge=1, le=120)
    actor_cache_seconds: float = Field(default=5.0, ge=0, le=60)  # a signed-in caller re-checked this often
    refresh_token_days: int = Field(default=7, ge=1, le=30)
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    upload_dir: Path = Path("./var/uploads")
    cors_origins: list[str] = []
    import_heartbeat_seconds: float = Field(default=5.0, gt=0)  # a running import proves it is alive this often
    import_stale_seconds: float = Field(default=60.0, gt=0)  # silent this long: the import was interrupted
    login_rate_limit: str = "20/minute"  # per client address, on top of the per-account lockout
    public_rate_limit: str = "60/minute"  # per client address, unauthenticated endpoints
    rate_limit_storage: str = "async+memory://"  # async+redis://127.0.0.1:6379/0 shares the counts between workers
    log_level: str = "INFO"
    licensing_system_url: str | None = None  # base URL of the licensing system pulled by `app.cli sync-licences`
    licensing_system_token: str | None = None  # sent as a bearer token, if the licensing system wants one
    licensing_timeout_seconds: float = Field(default=10.0, gt=0)
    licensing_retries: int = Field(default=3, ge=0, le=10)  # retries after the first attempt
    licensing_backoff_seconds: float = Field(default=0.5, ge=0)  # 0.5, 1, 2, … between attempts
    licensing_page_limit: int = Field(default=500, ge=1, le=5000)

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> "Settings":
        if self.env == "development":
            return self
        if self.secret_key == DEVELOPMENT_SECRET or len(self.secret_key) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_LENGTH} characters "
                "outside ENV=development"
            )
        return self

    @property
    def access_token_lifetime(self) -> timedelta:
        return timedelta(minutes=self.access_token_minutes)


@lru_cache
def get_settings() -> Settings:
    return Settings()
