"""The enterprise's side of the loop (issue 18): invitations to its accounts, the files it uploads, its
rectification reports and extension requests on its findings, and its self-check records."""

import uuid
from datetime import date, datetime
from typing import Any, Self

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, uuid_pk
from app.models.finding import Finding


class EnterpriseInvitation(SQLModel, table=True):
    """A one-time code the county gives a manufacturer's staff to open its account; only its hash is kept."""

    __tablename__ = "enterprise_invitation"

    id: uuid.UUID = uuid_pk()
    enterprise_id: uuid.UUID = Field(foreign_key="enterprise.id", index=True)
    county_code: str = Field(foreign_key="jurisdiction.code", max_length=12, index=True)
    code_hash: str = Field(max_length=64, unique=True)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    used_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")


class EnterpriseFile(SQLModel, table=True):
    """Evidence an enterprise account uploads (photos, PDFs): sniffed and limited like a visit's attachments."""

    __tablename__ = "enterprise_file"

    id: uuid.UUID = uuid_pk()
    enterprise_id: uuid.UUID = Field(foreign_key="enterprise.id", index=True)
    county_code: str = Field(foreign_key="jurisdiction.code", max_length=12, index=True)
    sha256: str = Field(max_length=64)
    content_type: str = Field(max_length=64)
    size: int
    filename: str = Field(max_length=255)
    description: str | None = Field(default=None, max_length=255)
    uploaded_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()


class FindingRequest(SQLModel):
    """What the enterprise sends about one of its findings and the bureau decides: pending until decided, with the
    finding's enterprise and county copied onto it (the county's queue is read without the finding)."""

    id: uuid.UUID = uuid_pk()
    finding_id: uuid.UUID = Field(foreign_key="finding.id", index=True)
    enterprise_id: uuid.UUID = Field(foreign_key="enterprise.id", index=True)
    county_code: str = Field(foreign_key="jurisdiction.code", max_length=12, index=True)
    status: str = Field(default="pending", max_length=16)
    decided_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decision_reason: str | None = Field(default=None, sa_type=Text)

    @classmethod
    def about(cls, finding: Finding, **fields: Any) -> Self:
        """A new request about `finding`."""
        return cls(
            finding_id=finding.id, enterprise_id=finding.enterprise_id, county_code=finding.county_code, **fields
        )


class RectificationReport(FindingRequest, table=True):
    """整改报告 from the enterprise: pending until an inspector accepts it (the finding is rectified) or returns it
    (status pending | accepted | returned)."""

    __tablename__ = "rectification_report"

    text: str = Field(sa_column=Column(Text, nullable=False))
    file_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    submitted_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    submitted_at: datetime = created_at_field()


class ExtensionRequest(FindingRequest, table=True):
    """延期申请 from the enterprise, asked before the deadline; the county grants or refuses it (status pending |
    granted | refused)."""

    __tablename__ = "extension_request"

    days: int
    reason: str = Field(sa_column=Column(Text, nullable=False))
    requested_on: date
    requested_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()
    deadline_after: date | None = None


class SelfCheck(SQLModel, table=True):
    """日管控、周排查、月调度: one self-check record of an enterprise for one day, week or month."""

    __tablename__ = "self_check"
    __table_args__ = (UniqueConstraint("enterprise_id", "kind", "period_start"),)

    id: uuid.UUID = uuid_pk()
    enterprise_id: uuid.UUID = Field(foreign_key="enterprise.id", index=True)
    county_code: str = Field(foreign_key="jurisdiction.code", max_length=12, index=True)
    kind: str = Field(max_length=8)  # daily | weekly | monthly
    period_start: date = Field(index=True)
    form: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(Text))
    file_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    filed_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()
