import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column, Text
from sqlalchemy import text as sql_text
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, uuid_pk


class Finding(SQLModel, table=True):
    """A problem found on a visit (问题), followed until it is closed (问题闭环).

    Overdue follows from `deadline` and today. The escalation level is kept (`escalation_level`): the highest
    level reached, lowered only by rectification, a passed re-inspection or closing (domain
    `kept_escalation_level`); each change is a `FindingStep` of kind `escalation`.
    """

    id: uuid.UUID = uuid_pk()
    visit_id: uuid.UUID = Field(foreign_key="visit.id", index=True)
    enterprise_id: uuid.UUID = Field(foreign_key="enterprise.id", index=True)
    county_code: str = Field(foreign_key="jurisdiction.code", max_length=12, index=True)  # the enterprise's
    checklist_item: str | None = Field(default=None, max_length=32)
    description: str = Field(sa_column=Column(Text, nullable=False))
    severity: str = Field(max_length=16, index=True)  # general | serious_hazard | violation
    found_on: date
    original_deadline: date
    deadline: date = Field(index=True)
    status: str = Field(default="open", max_length=16, index=True)  # open | rectified | awaiting_case | closed
    extensions_used: int = 0
    failed_reinspections: int = 0
    reinspection_passed: bool = False
    case_filed: bool = False
    refused_on: date | None = None  # 拒不整改: the enterprise refused to rectify (escalation level 3 → case)
    escalation_level: int = 0  # the level kept: highest reached, lowered only by a lowering event
    escalation_level_on: date | None = None  # the day it was set (None: backfilled when levels began to be kept)
    reinspected_on: date | None = None  # the date of its first re-inspection visit (按时复查回访)
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class FindingStep(SQLModel, table=True):
    """One step of the loop, kept forever with who and when: extension, rectification, reinspection, case,
    and every change of the escalation level (kind `escalation`)."""

    __tablename__ = "finding_step"

    id: uuid.UUID = uuid_pk()
    finding_id: uuid.UUID = Field(foreign_key="finding.id", index=True)
    kind: str = Field(max_length=16)  # extension | rectification | reinspection | refusal | case | escalation
    at: datetime = created_at_field()
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    actor_name: str = Field(max_length=64)
    text: str | None = Field(default=None, sa_column=Column(Text))  # reason, report, note
    # extension
    days: int | None = None
    deadline_before: date | None = None
    deadline_after: date | None = None
    # rectification: a visit's attachments (recorded by an inspector), or files the enterprise uploaded (its report)
    attachment_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    file_ids: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default=sql_text("'[]'"))
    )  # /enterprise-files/{id}
    # reinspection
    reinspection_visit_id: uuid.UUID | None = Field(default=None, foreign_key="visit.id")
    result: str | None = Field(default=None, max_length=8)  # pass | fail
    # case 立案查处
    case_no: str | None = Field(default=None, max_length=64, index=True)
    case_filed_on: date | None = None
    case_officer: str | None = Field(default=None, max_length=64)
    # escalation: the level kept went from `level_before` to `level_after` on `level_on`, after `level_event`
    level_before: int | None = None
    level_after: int | None = None
    level_event: str | None = Field(default=None, max_length=24)  # a domain FindingEvent
    level_on: date | None = None
