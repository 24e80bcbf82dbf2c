"""Post-processing of failed supervisory samplings (监督抽查不合格后处理)."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from app.core.deps import Day
from app.domain.reporting import FollowUpStep, SamplingOrigin
from app.domain.statuses import FollowUpStatus
from app.schemas.common import CountyCode, Input, ListFilter, Output, label_of


class FollowUpStepCreate(Input):
    """The next step: notified → rectification_ordered → resampled (until qualified) → closed."""

    kind: FollowUpStep
    on: date = Field(description="the day it happened: not before the sampling or the previous step")
    qualified: bool | None = Field(default=None, description="resampled: 复查抽样是否合格")
    note: str | None = Field(default=None, max_length=2000)


class FollowUpUpdate(Input):
    """Correct where the failed sampling came from (计划 七（四）), with the reason."""

    origin: SamplingOrigin = Field(description="referred 上级转办 | local 本级组织")
    reason: str = Field(min_length=1, max_length=2000, description="更正理由")


class FollowUpStepRead(Output):
    id: uuid.UUID
    kind: FollowUpStep
    on: date = Field(validation_alias="done_on")
    qualified: bool | None
    note: str | None
    actor_name: str
    at: datetime

    kind_label = label_of("kind")


class FollowUpRead(Output):
    id: uuid.UUID
    signal_id: uuid.UUID
    enterprise_id: uuid.UUID
    county_code: str
    product: str | None
    report_no: str | None
    origin: SamplingOrigin = Field(description="计划 七（四）: referred 上级转办 | local 本级组织")
    failed_on: date
    status: FollowUpStatus
    notified_on: date | None
    rectification_ordered_on: date | None
    resampled_on: date | None
    resample_qualified: bool | None
    closed_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime

    origin_label = label_of("origin")

    status_label = label_of("status")


class FollowUpDetail(FollowUpRead):
    enterprise_name: str
    steps: list[FollowUpStepRead]


class FollowUpStepOption(BaseModel):
    code: str
    label: str


class FollowUpFilter(ListFilter):
    status: FollowUpStatus | None = None
    origin: SamplingOrigin | None = Field(default=None, description="referred 上级转办 | local 本级组织")
    county_code: CountyCode = None
    enterprise_id: uuid.UUID | None = None
    date_from: Day | None = Field(default=None, description="sampling failed on or after")
    date_to: Day | None = Field(default=None, description="sampling failed on or before")
