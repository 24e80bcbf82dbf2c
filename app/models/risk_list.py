import uuid
from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, uuid_pk


class RiskListEntry(SQLModel, table=True):
    """A line of the county's risk problem list (风险问题清单), reported to and reviewed by the prefecture."""

    __tablename__ = "risk_list_entry"

    id: uuid.UUID = uuid_pk()
    county_code: str = Field(foreign_key="jurisdiction.code", max_length=12, index=True)
    enterprise_id: uuid.UUID = Field(foreign_key="enterprise.id", index=True)
    finding_id: uuid.UUID | None = Field(default=None, foreign_key="finding.id", unique=True)
    source: str = Field(max_length=16)  # serious_hazard | escalation | manual
    problem: str = Field(sa_column=Column(Text, nullable=False))
    cause_analysis: str | None = Field(default=None, sa_column=Column(Text))  # 深入剖析原因
    measures: str | None = Field(default=None, sa_column=Column(Text))
    reported_to_prefecture_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reviewed_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    review_note: str | None = Field(default=None, sa_column=Column(Text))
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
