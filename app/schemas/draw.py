import uuid
from datetime import date, datetime

from pydantic import Field, model_validator

from app.domain.risk import RiskClass
from app.schemas.common import Input, Output

MAX_SEED = 2**63 - 1


class ConflictPair(Input):
    """回避: this inspector must not inspect this enterprise."""

    inspector_id: uuid.UUID
    enterprise_id: uuid.UUID


class DrawCreate(Input):
    county_code: str | None = Field(
        default=None, max_length=12, description="县（市）; null: the whole prefecture (cross-inspection only)"
    )
    count: int | None = Field(default=None, ge=0, description="企业总数 (give count or ratio_by_class)")
    ratio_by_class: dict[RiskClass, float] | None = Field(default=None, description="各风险等级抽取比例 0..1")
    cross_inspection: bool = Field(default=False, description="交叉互查: inspectors from other counties")
    conflicts: list[ConflictPair] = Field(default=[], max_length=10_000)
    exclude_enterprise_ids: list[uuid.UUID] = Field(default=[], max_length=100_000, description="不参与抽取的企业")
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED, description="default: drawn by the server")
    due_from: date
    due_until: date

    @model_validator(mode="after")
    def _window_in_order(self) -> "DrawCreate":
        if self.due_until < self.due_from:
            raise ValueError("due_until is before due_from (检查时限截止日早于起始日)")
        return self


class AssignmentRead(Output):
    id: uuid.UUID
    enterprise_id: uuid.UUID
    county_code: str
    cross_inspection: bool
    inspector_ids: list[uuid.UUID]
    due_from: date
    due_until: date
    status: str


class DrawRead(Output):
    id: uuid.UUID
    plan_id: uuid.UUID
    county_code: str | None
    cross_inspection: bool
    seed: int
    inputs_hash: str
    pool_enterprises: int
    pool_inspectors: int
    count: int | None
    ratio_by_class: dict[RiskClass, float] | None
    due_from: date
    due_until: date
    created_at: datetime
    assignments: list[AssignmentRead]


class DrawVerification(Output):
    draw_id: uuid.UUID
    matches: bool = Field(description="re-running the stored inputs with the stored seed gives the stored result")
    inputs_hash_matches: bool
    stored_inputs_hash: str
    recomputed_inputs_hash: str
