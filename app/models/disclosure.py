import uuid
from datetime import date, datetime

from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, uuid_pk


class Disclosure(SQLModel, table=True):
    """A batch of archived visits published to the public page (信息公开) after a prefecture's review (its own)."""

    id: uuid.UUID = uuid_pk()
    prefecture_code: str | None = Field(default=None, foreign_key="jurisdiction.code", max_length=12)
    year: int = Field(index=True)
    period: str = Field(max_length=2)  # h1 | h2
    review_note: str | None = Field(default=None, sa_column=Column(Text))
    entry_count: int = 0
    published_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    published_by_name: str = Field(max_length=64)
    published_at: datetime = created_at_field()


class DisclosureEntry(SQLModel, table=True):
    """One published visit: only the public fields, copied as reviewed. Withdrawal hides it, never deletes it."""

    __tablename__ = "disclosure_entry"
    __table_args__ = (
        Index("ix_disclosure_entry_public", "withdrawn_at", "visit_date"),
        Index(
            "uq_disclosure_entry_visit_id_active",
            "visit_id",
            unique=True,
            postgresql_where=text("withdrawn_at IS NULL"),
            sqlite_where=text("withdrawn_at IS NULL"),
        ),
    )

    id: uuid.UUID = uuid_pk()
    disclosure_id: uuid.UUID = Field(foreign_key="disclosure.id", index=True)
    visit_id: uuid.UUID = Field(foreign_key="visit.id", index=True)
    county_code: str = Field(foreign_key="jurisdiction.code", max_length=12, index=True)
    enterprise_name: str = Field(max_length=128)
    credit_code: str = Field(max_length=18)
    county_name: str = Field(max_length=64)
    visit_date: date
    visit_type: str = Field(max_length=32)
    conclusion: str | None = Field(default=None, max_length=32)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_reason: str | None = Field(default=None, sa_column=Column(Text))
    withdrawn_by_name: str | None = Field(default=None, max_length=64)
