from datetime import datetime

from pydantic import BaseModel, Field

from app.schemas.common import Input


class TokenPairRead(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


class RefreshRequest(Input):
    refresh_token: str = Field(min_length=16, max_length=256)


class PasswordChange(Input):
    old_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


class PasswordReset(Input):
    new_password: str = Field(max_length=256)
