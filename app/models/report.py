import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, uuid_pk


class ReportSubmission(SQLModel, table=True):
    """A county's completion summary (附件3) as submitted: the figures frozen at that moment, who and when.

    A resubmission before the due date adds a new version and marks the older one superseded.
    """

    __tablename__ = "report_submission"
    __table_args__ = (
        UniqueConstraint("county_code", "year", "period", "version"),
        Index("ix_report_submission_year_period_superseded", "year", "period", "superseded"),
    )

    id: uuid.UUID = uuid_pk()
    county_code: str = Field(foreign_key="jurisdiction.code", max_length=12, index=True)
    year: int
    period: str = Field(max_length=2)  # h1 | h2
    version: int = 1
    as_of: date  # figures are cumulative from January 1 to this day
    due_on: date
    submitted_on: date  # Beijing date of submission, compared with due_on
    late: bool = False
    superseded: bool = False
    superseded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    figures: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str | None = Field(default=None, max_length=2000)
    submitted_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    submitted_by_name: str = Field(max_length=64)
    submitted_at: datetime = created_at_field()
