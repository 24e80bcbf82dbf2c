import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, uuid_pk


class Plan(SQLModel, table=True):
    """The year's inspection plan (附件1 检查计划明细表): drafted and issued (下达) by the prefecture."""

    id: uuid.UUID = uuid_pk()
    year: int = Field(unique=True, index=True)  # one plan per year; adjustments change it after issue
    status: str = Field(default="draft", max_length=16)  # draft | issued
    as_of: date  # the day the risk factors were evaluated
    ruleset_year: int
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()
    refreshed_at: datetime = created_at_field()
    issued_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    issued_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")


class PlanItem(SQLModel, table=True):
    """One line of the plan: an enterprise, its class, the rule's visits with reasons, and what is required."""

    __tablename__ = "plan_item"
    # Few indexes on purpose: a plan is bulk-loaded 100,000 lines at a time. The unique key serves lookups by
    # plan and by (plan, enterprise); (plan, county) serves a county's lines and progress.
    __table_args__ = (
        UniqueConstraint("plan_id", "enterprise_id"),
        Index("ix_plan_item_plan_id_county_code", "plan_id", "county_code"),
    )

    id: uuid.UUID = uuid_pk()
    plan_id: uuid.UUID = Field(foreign_key="plan.id")
    enterprise_id: uuid.UUID = Field(foreign_key="enterprise.id")
    county_code: str = Field(foreign_key="jurisdiction.code", max_length=12)
    risk_class: str = Field(max_length=1)
    rule_minimum: int
    rule_maximum: int | None = None  # None: "or more" (以上)
    reasons: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    required_visits: int
    issued_visits: int | None = None  # the value issued (tracks the rule while a draft); None: added after issue
    due_dates: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    source: str = Field(default="generated", max_length=16)  # generated | added
    version: int = 1
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class PlanAdjustment(SQLModel, table=True):
    """Who changed a line's required visits, when, why, and the value before (调整原因/依据)."""

    __tablename__ = "plan_adjustment"

    id: uuid.UUID = uuid_pk()
    plan_id: uuid.UUID = Field(foreign_key="plan.id", index=True)
    plan_item_id: uuid.UUID = Field(foreign_key="plan_item.id", index=True)
    county_code: str = Field(foreign_key="jurisdiction.code", max_length=12)
    kind: str = Field(max_length=16)  # raise | lower | add | system_raise
    before: int | None = None
    after: int
    reason: str = Field(sa_column=Column(Text, nullable=False))
    actor_kind: str = Field(max_length=16)
    actor_id: uuid.UUID | None = None
    actor_name: str = Field(max_length=64)
    at: datetime = created_at_field()


class Draw(SQLModel, table=True):
    """A double-random draw (双随机): the seed, the inputs and their hash, and the result, so it can be re-run."""

    id: uuid.UUID = uuid_pk()
    plan_id: uuid.UUID = Field(foreign_key="plan.id", index=True)
    county_code: str | None = Field(default=None, foreign_key="jurisdiction.code", max_length=12, index=True)
    cross_inspection: bool = False
    seed: int = Field(sa_column=Column(BigInteger, nullable=False))
    inputs_hash: str = Field(max_length=64)
    inputs: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    result: list[dict[str, Any]] = Field(sa_column=Column(JSON, nullable=False))
    due_from: date
    due_until: date
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()


class Assignment(SQLModel, table=True):
    """A scheduled visit from a draw: one enterprise, two inspectors, a due window."""

    id: uuid.UUID = uuid_pk()
    draw_id: uuid.UUID = Field(foreign_key="draw.id", index=True)
    plan_id: uuid.UUID = Field(foreign_key="plan.id", index=True)
    enterprise_id: uuid.UUID = Field(foreign_key="enterprise.id", index=True)
    county_code: str = Field(foreign_key="jurisdiction.code", max_length=12, index=True)  # the enterprise's
    cross_inspection: bool = False
    due_from: date
    due_until: date
    status: str = Field(default="scheduled", max_length=16)
    created_at: datetime = created_at_field()


class AssignmentInspector(SQLModel, table=True):
    __tablename__ = "assignment_inspector"

    assignment_id: uuid.UUID = Field(foreign_key="assignment.id", primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="user.id", primary_key=True, index=True)
    position: int = 0
