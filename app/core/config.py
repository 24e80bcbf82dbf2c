"""Settings from the environment (prefix-free names, e.g. DATABASE_URL, SECRET_KEY)."""

import base64
import binascii
import os
import re
import secrets
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.domain.permissions import Role

DEVELOPMENT_SECRET = "development-only-secret-key-change-me-0123456789"
"""Published in this file, so no server signs with it: `make run` serves with a key of its own (LOCAL_SECRET_FILE)."""
MIN_SECRET_LENGTH = 32
LOCAL_SECRET_FILE = Path("./var/secret_key")
DEVELOPMENT_AUDIT_KEY = "development-only-audit-key-change-me-0123456789"
MIN_AUDIT_RETENTION_DAYS = 180  # GB/T 22239-2019 level 3: audit records kept at least six months
AuditKeyId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,16}$")]
DEVELOPMENT_PII_KEYS = {"dev": "ZGV2ZWxvcG1lbnQtb25seS1waWkta2V5LTAxMjM0NTY="}
"""Published, so refused outside development and test: personal data in a real database needs PII_KEYS."""
PII_KEY_BYTES = 32
PII_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,15}$")


def decode_pii_key(key_id: str, value: str) -> bytes:
    if not PII_KEY_ID.match(key_id):
        raise ValueError(f"PII_KEYS: key id {key_id!r} must be 1–15 of A–Z a–z 0–9 _ -")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != PII_KEY_BYTES:
        raise ValueError(f"PII_KEYS[{key_id!r}] must be {PII_KEY_BYTES} random bytes in base64 (44 characters)")
    return raw


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
    # roles that must sign in with a TOTP code as well: the business administrator and the three of 三权分立
    two_factor_roles: list[Role] = [Role.PREFECTURE_ADMIN, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN]
    totp_issuer: str = "质检 Zhijian"  # the name an authenticator app shows beside the code
    password_max_age_days: int = Field(default=90, ge=1, le=3650)  # then a change is forced at the next sign-in
    password_history: int = Field(default=5, ge=1, le=24)  # a new password may not be any of the last N
    refresh_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)  # a session unused this long ends
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    max_json_bytes: int = Field(default=1024 * 1024, ge=1024)  # every request body but the uploads'
    upload_dir: Path = Path("./var/uploads")
    cors_origins: list[str] = []
    trusted_proxies: list[str] = []  # addresses or networks (CIDR) whose X-Forwarded-For names the client
    docs_enabled: bool | None = None  # /docs and /openapi.json; unset: on, except in production
    import_heartbeat_seconds: float = Field(default=5.0, gt=0)  # a running import proves it is alive this often
    import_stale_seconds: float = Field(default=60.0, gt=0)  # silent this long: the import was interrupted
    login_rate_limit: str = "20/minute"  # per client address, on top of the per-account lockout
    public_rate_limit: str = "60/minute"  # per client address, unauthenticated endpoints
    rate_limit_storage: str = "async+memory://"  # async+redis://127.0.0.1:6379/0 shares the counts between workers
    webhook_allowed_hosts: list[str] = []  # hosts, addresses or networks a webhook may target though private
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    event_feed_max_wait_seconds: float = Field(default=30.0, ge=0, le=30)  # the change feed's long poll, at most
    log_level: str = "INFO"
    licensing_system_url: str | None = None  # base URL of the licensing system pulled by `app.cli sync-licences`
    licensing_system_token: str | None = None  # sent as a bearer token, if the licensing system wants one
    licensing_timeout_seconds: float = Field(default=10.0, gt=0)
    licensing_retries: int = Field(default=3, ge=0, le=10)  # retries after the first attempt
    licensing_backoff_seconds: float = Field(default=0.5, ge=0)  # 0.5, 1, 2, … between attempts
    licensing_page_limit: int = Field(default=500, ge=1, le=5000)
    # The audit chain is keyed (HMAC) with AUDIT_KEY, kept outside the database; each event stores the id of its
    # key, so keys rotate: put the retired key in AUDIT_OLD_KEYS ('{"k1": "…"}') and old events still verify.
    audit_key: str = DEVELOPMENT_AUDIT_KEY
    audit_key_id: AuditKeyId = "k1"
    audit_old_keys: dict[AuditKeyId, str] = {}
    audit_hash: Literal["sha256", "sm3"] = "sha256"  # HMAC-SHA256 or HMAC-SM3 (GB/T 32905) for new events
    audit_retention_days: int = Field(default=MIN_AUDIT_RETENTION_DAYS, ge=MIN_AUDIT_RETENTION_DAYS)
    audit_export_max_days: int = Field(default=366, ge=1, le=3660)  # the longest range one export may cover

    @model_validator(mode="after")
    def _docs_off_in_production(self) -> "Settings":
        if self.docs_enabled is None:
            self.docs_enabled = self.env != "production"
        return self

    pii_keys: dict[str, str] = {}  # key id → 32 random bytes in base64: personal data at rest (SM4-GCM, HMAC-SM3)
    pii_key_id: str | None = None  # the key new values are encrypted under; the others only decrypt (rotation)

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> "Settings":
        if self.audit_key_id in self.audit_old_keys:
            raise ValueError("AUDIT_KEY_ID must not name a key in AUDIT_OLD_KEYS (the current key is AUDIT_KEY)")
        if self.env == "development":
            return self
        if self.secret_key == DEVELOPMENT_SECRET or len(self.secret_key) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_LENGTH} characters "
                "outside ENV=development"
            )
        if self.env == "production" and (
            self.audit_key == DEVELOPMENT_AUDIT_KEY
            or len(self.audit_key) < MIN_SECRET_LENGTH
            or self.audit_key == self.secret_key
        ):
            raise ValueError(
                f"AUDIT_KEY must be set to a random value of at least {MIN_SECRET_LENGTH} characters, other than "
                "SECRET_KEY, in production"
            )
        return self

    @model_validator(mode="after")
    def _check_pii_keys(self) -> "Settings":
        if self.env == "production" and not self.pii_keys:
            raise ValueError("PII_KEYS must be set outside ENV=development/test (personal data is stored encrypted)")
        keys, current = self.personal_data_keys()
        if current not in keys:
            raise ValueError(f"PII_KEY_ID {current!r} is not one of PII_KEYS ({', '.join(sorted(keys))})")
        if self.env == "production" and self.pii_keys[current] in DEVELOPMENT_PII_KEYS.values():
            raise ValueError("PII_KEY_ID names the published development key: set a random one in production")
        return self

    def personal_data_keys(self) -> tuple[dict[str, bytes], str]:
        """(key id → key, current key id). Development and test fall back to the published development key."""
        configured = self.pii_keys or ({} if self.env == "production" else DEVELOPMENT_PII_KEYS)
        keys = {key_id: decode_pii_key(key_id, value) for key_id, value in configured.items()}
        current = self.pii_key_id or (next(iter(keys)) if len(keys) == 1 else "")
        if not current and keys:
            raise ValueError("PII_KEY_ID must name the current key when PII_KEYS holds more than one")
        return keys, current

    @property
    def access_token_lifetime(self) -> timedelta:
        return timedelta(minutes=self.access_token_minutes)


@lru_cache
def get_settings() -> Settings:
    return Settings()


def local_secret(path: Path = LOCAL_SECRET_FILE) -> str:
    """This machine's development key: made at random on first use (mode 0600), read from then on. Written aside
    and linked into place, so workers starting together all read the one key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
        try:
            os.link(aside, path)
        except FileExistsError:
            pass  # another worker was first: its key is the key
        finally:
            aside.unlink()
    return path.read_text().strip()


def serving_settings() -> Settings:
    """The settings a server runs with: in development, the published key is replaced by this machine's own."""
    settings = get_settings()
    if settings.env == "development" and settings.secret_key == DEVELOPMENT_SECRET:
        settings = settings.model_copy(update={"secret_key": local_secret()})
    return settings
