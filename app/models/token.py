import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, uuid_pk


class RefreshToken(SQLModel, table=True):
    """An opaque, single-use refresh token (stored hashed). Reusing a rotated one revokes its family."""

    __tablename__ = "refresh_token"

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = Field(foreign_key="user.id", index=True)
    family_id: uuid.UUID = Field(index=True)
    token_hash: str = Field(max_length=64, unique=True)
    issued_at: datetime = created_at_field()
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    two_factor: bool = False  # the session began with a second factor: its refreshed access tokens say so


class RevokedAccessToken(SQLModel, table=True):
    """Access tokens revoked by logout before they expire (kept until their expiry)."""

    __tablename__ = "revoked_access_token"

    jti: uuid.UUID = Field(primary_key=True)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
