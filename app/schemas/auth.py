from datetime import datetime

from pydantic import BaseModel, Field

from app.domain.sign_in import Restriction
from app.schemas.common import Input, Output


class TokenPairRead(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    restriction: Restriction | None = Field(
        default=None,
        description="null: a full session. password-expired: change the password (POST /me/password) before "
        "anything else; two-factor-enrolment-required: enrol an authenticator (POST /me/two-factor, then /confirm)",
    )


class RefreshRequest(Input):
    refresh_token: str = Field(min_length=16, max_length=256)


class PasswordChange(Input):
    old_password: str = Field(max_length=256)
    new_password: str = Field(max_length=256)


class PasswordReset(Input):
    new_password: str = Field(max_length=256)


class TwoFactorEnrolmentRead(Output):
    secret: str = Field(description="base32 secret, for typing into an authenticator app by hand")
    provisioning_uri: str = Field(description="otpauth:// URI: show it as a QR code for the authenticator app")
    recovery_codes: list[str] = Field(
        description="one-time codes for signing in without the authenticator; shown this once, kept only hashed"
    )


class TwoFactorConfirm(Input):
    code: str = Field(pattern=r"^[0-9]{6}$", description="the 6-digit code the authenticator shows now")
