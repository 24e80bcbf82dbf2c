import uuid
from datetime import date, datetime
from typing import Any

from pydantic import Field, model_validator

from app.domain.risk import RiskClass
from app.domain.statuses import ActorKind, AdjustmentKind, PlanLineSource, PlanStatus
from app.schemas.common import CountyCode, Input, ListFilter, Output

MAX_REQUIRED_VISITS = 60
"""Upper bound on a line's required visits."""


class PlanCreate(Input):
    year: int = Field(ge=2000, le=2100, description="计划年度")


class PlanRead(Output):
    id: uuid.UUID
    year: int
    status: PlanStatus
    status_label: str
    as_of: date = Field(description="风险因素的评估日 (the day risk factors were evaluated)")
    ruleset_year: int
    lines: int = Field(description="计划企业数 (lines in the caller's jurisdiction)")
    required_visits: int = Field(description="计划检查次数合计")
    created_at: datetime
    refreshed_at: datetime
    issued_at: datetime | None

    @model_validator(mode="before")
    @classmethod
    def _label(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data, status_label=PlanStatus.label_of(data["status"]))
        return data


class ReasonRead(Output):
    code: str
    label: str


class PlanItemRead(Output):
    id: uuid.UUID
    plan_id: uuid.UUID
    enterprise_id: uuid.UUID
    enterprise_name: str
    credit_code: str
    county_code: str
    risk_class: RiskClass
    risk_class_label: str
    rule_minimum: int = Field(description="规则最低检查次数")
    rule_maximum: int | None = Field(description="规则检查次数上限; null: 以上")
    required_visits: int = Field(description="计划检查次数 (after adjustments)")
    issued_visits: int | None = Field(description="下达时的计划检查次数; null: added after issue")
    adjusted: bool = Field(description="differs from the issued plan")
    reasons: list[ReasonRead]
    due_dates: list[date] = Field(description="计划检查时间: visit k due by this day")
    source: PlanLineSource
    done_visits: int = Field(description="计入频次的已归档检查次数")
    behind_schedule: bool
    next_due: date | None
    version: int
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _label(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data, risk_class_label=RiskClass(data["risk_class"]).label)
        return data


class PlanAdjustmentRead(Output):
    id: uuid.UUID
    kind: AdjustmentKind
    kind_label: str
    before: int | None
    after: int
    reason: str
    actor_kind: ActorKind
    actor_name: str
    at: datetime

    @model_validator(mode="before")
    @classmethod
    def _label(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            data = {k: getattr(data, k, None) for k in cls.model_fields if k != "kind_label"}
        return dict(data, kind_label=AdjustmentKind.label_of(data["kind"]))


class PlanItemDetail(PlanItemRead):
    adjustments: list[PlanAdjustmentRead]


class PlanItemUpdate(Input):
    required_visits: int = Field(ge=0, le=MAX_REQUIRED_VISITS, description="新的计划检查次数")
    reason: str = Field(min_length=2, max_length=500, description="调整原因/依据")


class PlanItemCreate(Input):
    enterprise_id: uuid.UUID
    required_visits: int | None = Field(
        default=None, ge=0, le=MAX_REQUIRED_VISITS, description="default: the rule's minimum"
    )
    reason: str = Field(min_length=2, max_length=500, description="补充原因 (e.g. 新投产企业)")


class ProgressRow(Output):
    county_code: str | None = Field(description="null: the whole jurisdiction")
    county_name: str | None
    risk_class: RiskClass | None = Field(description="null: every class")
    lines: int
    required_visits: int
    visits_done: int = Field(description="计入频次的已归档检查次数")
    completion_rate: float = Field(description="Σ min(done, required) / Σ required, 0..1")
    behind_schedule: int = Field(description="进度滞后的企业数")


class PlanProgress(Output):
    plan_id: uuid.UUID
    year: int
    today: date
    rows: list[ProgressRow] = Field(description="per county and risk class")
    counties: list[ProgressRow] = Field(description="per county")
    total: ProgressRow


class PlanItemFilter(ListFilter):
    county_code: CountyCode = None
    risk_class: RiskClass | None = None
    adjusted: bool | None = Field(default=None, description="true: lines that differ from the issued plan")
    behind_schedule: bool | None = Field(default=None, description="true: the month's work list")
