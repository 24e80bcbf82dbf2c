import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, uuid_pk
from app.models.personal import EncryptedText


class TwoFactor(SQLModel, table=True):
    """A user's TOTP authenticator (动态口令): enrolled, then confirmed with a first code. `last_step` is the time
    step of the last code accepted, so a code is good once (RFC 6238 §5.2)."""

    __tablename__ = "user_two_factor"

    user_id: uuid.UUID = Field(foreign_key="user.id", primary_key=True)
    # base32, the authenticator app holds the same; a shared secret, so stored SM4-encrypted like personal data
    secret: str = Field(sa_type=EncryptedText("user_two_factor.secret"))
    confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_step: int | None = None
    created_at: datetime = created_at_field()


class RecoveryCode(SQLModel, table=True):
    """A one-time code for signing in without the authenticator, shown once at enrolment and kept hashed."""

    __tablename__ = "recovery_code"

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = Field(foreign_key="user.id", index=True)
    code_hash: str = Field(max_length=64, unique=True)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class PasswordHistory(SQLModel, table=True):
    """A password a user had before (argon2 hash), so a new one is not one of the last few."""

    __tablename__ = "password_history"

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = Field(foreign_key="user.id", index=True)
    password_hash: str = Field(max_length=255)
    created_at: datetime = created_at_field()
