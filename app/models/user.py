import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, uuid_pk
from app.models.personal import EncryptedText


class User(SQLModel, table=True):
    """A person who signs in: prefecture staff, county admins and county inspectors (执法人员), and a
    manufacturer's staff bound to their one enterprise (`enterprise_id`, role enterprise_user)."""

    id: uuid.UUID = uuid_pk()
    username: str = Field(max_length=64, unique=True, index=True)
    full_name: str = Field(max_length=64)
    role: str = Field(max_length=32)
    county_code: str | None = Field(default=None, foreign_key="jurisdiction.code", max_length=12, index=True)
    # the node the account belongs to: its county, prefecture or region (None: an account of before the tree)
    jurisdiction_code: str | None = Field(default=None, foreign_key="jurisdiction.code", max_length=12, index=True)
    enterprise_id: uuid.UUID | None = Field(default=None, foreign_key="enterprise.id", index=True)  # enterprise_user
    phone: str | None = Field(default=None, sa_type=EncryptedText("user.phone"))  # personal data: SM4-encrypted
    credential_no: str | None = Field(default=None, max_length=64)
    credential_valid_from: date | None = None
    credential_valid_until: date | None = None
    password_hash: str = Field(max_length=255)
    is_active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    token_version: int = 0
    password_changed_at: datetime = created_at_field()
    password_must_change: bool = False  # set by an administrator: to be changed before anything else
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class ServiceAccount(SQLModel, table=True):
    """A machine client (licensing system, upload script) that calls with an X-API-Key."""

    __tablename__ = "service_account"

    id: uuid.UUID = uuid_pk()
    name: str = Field(max_length=64, unique=True)
    key_prefix: str = Field(max_length=16, index=True)
    key_hash: str = Field(max_length=128)
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    county_code: str | None = Field(default=None, foreign_key="jurisdiction.code", max_length=12)
    jurisdiction_code: str | None = Field(default=None, foreign_key="jurisdiction.code", max_length=12)
    is_active: bool = True
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
