import uuid
from datetime import datetime

from pydantic import Field

from app.domain.statuses import RiskListSource
from app.schemas.common import CountyCode, Input, ListFilter, Output


class RiskListEntryCreate(Input):
    """A prominent problem (突出问题) added by hand; serious hazards and escalations are added automatically."""

    enterprise_id: uuid.UUID
    finding_id: uuid.UUID | None = None
    problem: str = Field(min_length=1, max_length=4000)
    cause_analysis: str | None = Field(default=None, max_length=8000, description="深入剖析原因")
    measures: str | None = Field(default=None, max_length=8000, description="整治措施")


class RiskListEntryUpdate(Input):
    cause_analysis: str | None = Field(default=None, max_length=8000)
    measures: str | None = Field(default=None, max_length=8000)
    reported_to_prefecture_at: datetime | None = Field(
        default=None, description="when the county reported it to the prefecture (上报地区局)"
    )


class RiskListReview(Input):
    note: str | None = Field(default=None, max_length=4000)


class RiskListEntryRead(Output):
    id: uuid.UUID
    county_code: str
    enterprise_id: uuid.UUID
    finding_id: uuid.UUID | None
    source: RiskListSource
    source_label: str = ""
    problem: str
    cause_analysis: str | None
    measures: str | None
    reported_to_prefecture_at: datetime | None
    reviewed_at: datetime | None
    reviewed_by_id: uuid.UUID | None
    review_note: str | None
    created_at: datetime
    updated_at: datetime

    def model_post_init(self, _context: object) -> None:
        self.source_label = self.source.label


class RiskListFilter(ListFilter):
    county_code: CountyCode = None
    enterprise_id: uuid.UUID | None = None
    reviewed: bool | None = None
    reported: bool | None = None
