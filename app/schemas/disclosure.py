"""Public disclosure (信息公开) of routine-inspection results: batches, entries, and the public view."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from app.domain.checklist import Conclusion
from app.domain.reporting import DisclosurePeriod, RectificationStatus
from app.domain.visit_types import VisitType
from app.schemas.common import Input, Output, label_of


class DisclosureCreate(Input):
    """Publish archived visits of a half of the year after review: h1 = January 1 – June 30, h2 = July 1 –
    December 31 (up to today), so every visit of the year belongs to one. A half may be published in several
    batches: each takes what is not yet published.

    `visit_ids` lists the reviewed visits; omitted, every archived visit of the half not yet published."""

    year: int = Field(ge=2000, le=2100)
    period: DisclosurePeriod = Field(description="h1 上半年（1月1日至6月30日） | h2 下半年（7月1日至12月31日）")
    visit_ids: list[uuid.UUID] | None = Field(default=None, max_length=5000)
    review_note: str = Field(min_length=1, max_length=2000, description="审核意见")


class DisclosureWithdraw(Input):
    """Withdraw (撤回) the whole batch, or only `entry_ids` of it, with a reason."""

    reason: str = Field(min_length=1, max_length=2000)
    entry_ids: list[uuid.UUID] | None = Field(default=None, max_length=5000)


class DisclosureEntryRead(Output):
    id: uuid.UUID
    visit_id: uuid.UUID
    county_code: str
    county_name: str
    enterprise_name: str
    credit_code: str
    visit_date: date
    visit_type: VisitType
    conclusion: Conclusion | None
    withdrawn_at: datetime | None
    withdrawn_reason: str | None
    withdrawn_by_name: str | None


class DisclosureRead(Output):
    id: uuid.UUID
    year: int
    period: DisclosurePeriod
    review_note: str | None
    entry_count: int
    published_by_name: str
    published_at: datetime

    period_label = label_of("period", "公开期（中文）")


class DisclosureDetail(DisclosureRead):
    active_entries: int
    entries: list[DisclosureEntryRead]


class PublicInspectionResult(BaseModel):
    """Only what the public may see. Never inspectors, phone numbers, notes or attachments."""

    model_config = ConfigDict(extra="forbid")

    enterprise_name: str = Field(description="企业名称")
    credit_code: str = Field(description="统一社会信用代码")
    county_name: str = Field(description="所在县（市）")
    visit_date: date = Field(description="检查日期")
    visit_type: VisitType = Field(description="检查形式")
    conclusion: Conclusion | None = Field(description="检查结论")
    rectification_status: RectificationStatus = Field(description="整改情况")

    visit_type_label = label_of("visit_type", "检查形式（中文）")

    conclusion_label = label_of("conclusion", "检查结论（中文）", optional=True)

    rectification_status_label = label_of("rectification_status", "整改情况（中文）")


PUBLIC_FIELDS = frozenset(PublicInspectionResult.model_fields) | frozenset(PublicInspectionResult.model_computed_fields)
