import uuid
from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, utcnow, uuid_pk


class Enterprise(SQLModel, table=True):
    """One industrial-product manufacturer on the ledger (台账), keyed by its unified social credit code."""

    id: uuid.UUID = uuid_pk()
    credit_code: str = Field(max_length=18, unique=True, index=True)
    name: str = Field(max_length=128, index=True)
    county_code: str = Field(foreign_key="jurisdiction.code", max_length=12, index=True)
    address: str | None = Field(default=None, max_length=256)
    legal_representative: str | None = Field(default=None, max_length=64)
    industry: str | None = Field(default=None, max_length=64)
    main_products: str | None = Field(default=None, max_length=256)
    risk_class: str = Field(max_length=1, index=True)  # A | B | C | D
    status: str = Field(default="operating", max_length=16, index=True)
    key_industry: bool = False
    key_region: bool = False
    key_enterprise: bool = False
    key_product: bool = False
    contact_person: str | None = Field(default=None, max_length=64)
    contact_phone: str | None = Field(default=None, max_length=32)
    version: int = 1
    created_at: datetime = created_at_field()
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Licence(SQLModel, table=True):
    """工业产品生产许可证 held by an enterprise."""

    id: uuid.UUID = uuid_pk()
    enterprise_id: uuid.UUID = Field(foreign_key="enterprise.id", index=True)
    licence_no: str = Field(max_length=32, unique=True, index=True)
    product_category: str = Field(max_length=64)
    issued_on: date | None = None
    expires_on: date = Field(index=True)
    status: str = Field(default="valid", max_length=16)
    source: str = Field(default="manual", max_length=32)  # manual | licensing_system
    version: int = 1
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class RiskSignal(SQLModel, table=True):
    """A fact that may raise the required visits: complaint, risk alert, sampling result, unlicensed production."""

    __tablename__ = "risk_signal"

    id: uuid.UUID = uuid_pk()
    enterprise_id: uuid.UUID = Field(foreign_key="enterprise.id", index=True)
    kind: str = Field(max_length=32, index=True)
    occurred_on: date
    source: str | None = Field(default=None, max_length=128)
    note: str | None = Field(default=None, sa_column=Column(Text))
    substantiated: bool | None = None  # complaints: 查实
    product: str | None = Field(default=None, max_length=128)  # sampling
    batch: str | None = Field(default=None, max_length=64)
    qualified: bool | None = None  # sampling: 合格 / 不合格
    report_no: str | None = Field(default=None, max_length=64)
    is_open: bool = True
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()
