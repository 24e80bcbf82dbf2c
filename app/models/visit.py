import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, uuid_pk


class Visit(SQLModel, table=True):
    """An on-site inspection (现场监督检查). Drafts are edited; submitted visits are archived (归档), read-only."""

    __table_args__ = (
        # plan progress and the summary count a year of archived visits per enterprise from the index alone
        # (created in migration 0006, PostgreSQL only)
        Index(
            "ix_visit_archived_report",
            "visit_date",
            postgresql_include=["enterprise_id", "county_code", "visit_type", "covers_full_checklist"],
            postgresql_where=text("status = 'archived'"),
        ),
    )

    id: uuid.UUID = uuid_pk()
    enterprise_id: uuid.UUID = Field(foreign_key="enterprise.id", index=True)
    county_code: str = Field(foreign_key="jurisdiction.code", max_length=12, index=True)  # the enterprise's
    visit_type: str = Field(max_length=32)
    visit_date: date = Field(index=True)
    status: str = Field(default="draft", max_length=16, index=True)  # draft | archived
    covers_full_checklist: bool = False
    assignment_id: uuid.UUID | None = Field(default=None, index=True)  # a plan's drawn assignment it fulfils
    supervisory_functions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # {item: {"result": conforming|nonconforming|not_applicable, "note": str|None, "severity": str|None}}
    checklist: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    conclusion: str | None = Field(default=None, max_length=32)
    representative_name: str | None = Field(default=None, max_length=64)  # 企业负责人 who signed
    representative_title: str | None = Field(default=None, max_length=64)
    notes: str | None = Field(default=None, sa_column=Column(Text))
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    version: int = 1
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    archived_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    archived_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")


class VisitInspector(SQLModel, table=True):
    """An inspector on a visit, with the enforcement credential (执法证) shown on site, copied as it was."""

    __tablename__ = "visit_inspector"

    visit_id: uuid.UUID = Field(foreign_key="visit.id", primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user.id", primary_key=True, index=True)
    position: int = 0
    county_code: str = Field(max_length=12)
    credential_no: str | None = Field(default=None, max_length=64)
    credential_valid_from: date | None = None
    credential_valid_until: date | None = None
    credential_shown: bool = False


class VisitAmendment(SQLModel, table=True):
    """A correction to an archived visit (更正), with its reason; `before` keeps what the original said."""

    __tablename__ = "visit_amendment"

    id: uuid.UUID = uuid_pk()
    visit_id: uuid.UUID = Field(foreign_key="visit.id", index=True)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    before: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    after: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_by_name: str = Field(max_length=64)
    created_at: datetime = created_at_field()
