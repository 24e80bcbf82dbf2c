import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from app.domain.checklist import ChecklistItem
from app.domain.findings import FindingEvent, Severity
from app.domain.statuses import FindingStatus, FindingStepKind, ReinspectionResult
from app.schemas.common import CountyCode, Input, ListFilter, Output
from app.schemas.portal import ExtensionRequestRead, RectificationReportRead


class FindingCreate(Input):
    """A finding recorded by hand on an archived visit; the deadline follows from severity (限期整改)."""

    description: str = Field(min_length=1, max_length=2000)
    severity: Severity = Severity.general
    checklist_item: ChecklistItem | None = None


class ExtensionCreate(Input):
    days: int = Field(
        description="1 up to the year's limit (RuleSet max_extension_days), as often as the year's RuleSet allows; "
        "asked for on or before the deadline"
    )
    reason: str = Field(max_length=2000)


class RectificationCreate(Input):
    text: str = Field(min_length=1, max_length=5000, description="企业整改报告")
    attachment_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class ReinspectionCreate(Input):
    visit_id: uuid.UUID = Field(description="an archived 复查回访 visit to the same enterprise")
    result: ReinspectionResult
    note: str | None = Field(default=None, max_length=2000)


class RefusalCreate(Input):
    """拒不整改: the enterprise refused to rectify; the finding escalates to level 3 and a case must follow."""

    refused_on: date = Field(description="the day of the refusal, between the finding and today")
    note: str = Field(min_length=1, max_length=2000, description="how the refusal was shown and recorded")


class CaseCreate(Input):
    case_no: str = Field(min_length=1, max_length=64, description="立案号")
    filed_on: date
    officer: str = Field(min_length=1, max_length=64, description="承办人")
    note: str | None = Field(default=None, max_length=2000)


class ReasonRead(BaseModel):
    code: str
    label: str


class FindingStepRead(Output):
    id: uuid.UUID
    kind: FindingStepKind
    kind_label: str = ""
    at: datetime
    actor_id: uuid.UUID | None
    actor_name: str
    text: str | None
    days: int | None
    deadline_before: date | None
    deadline_after: date | None
    attachment_ids: list[uuid.UUID] = Field(description="a visit's attachments (/attachments/{id})")
    file_ids: list[uuid.UUID] = Field(description="files the enterprise uploaded (/enterprise-files/{id})")
    reinspection_visit_id: uuid.UUID | None
    result: ReinspectionResult | None
    case_no: str | None
    case_filed_on: date | None
    case_officer: str | None
    level_before: int | None = Field(description="escalation step: the level kept before")
    level_after: int | None = Field(description="escalation step: the level kept after")
    level_event: FindingEvent | None = Field(description="escalation step: what it followed (none: recording)")
    level_on: date | None = Field(description="escalation step: the day of the change")


class LevelChangeRead(BaseModel):
    """One change of the escalation level kept: the history of every level reached stays visible."""

    on: date
    level_before: int
    level_after: int
    event: FindingEvent | None = Field(description="what it followed; null: the finding's recording or a backfill")
    event_label: str | None
    reasons: str | None = Field(description="why the level is what it is after the change")


class FindingRead(BaseModel):
    id: uuid.UUID
    visit_id: uuid.UUID
    enterprise_id: uuid.UUID
    county_code: str
    checklist_item: ChecklistItem | None
    checklist_item_label: str | None
    description: str
    severity: Severity
    severity_label: str
    found_on: date
    original_deadline: date
    deadline: date
    status: FindingStatus
    status_label: str
    overdue: bool
    escalation_level: int = Field(
        description="as of today: the highest level reached, lowered only by rectification, a passed re-inspection "
        "or closing"
    )
    escalation_reasons: list[ReasonRead]
    consequences: list[ReasonRead]
    extensions_used: int
    failed_reinspections: int
    reinspection_passed: bool
    case_filed: bool
    refused_on: date | None = Field(description="拒不整改: the day the enterprise refused to rectify (level 3)")
    reinspected_on: date | None = Field(description="the date of the first re-inspection visit (复查回访)")
    reinspection_due_by: date = Field(
        description="按时复查回访: the deadline + the year's re-inspection window (RuleSet)"
    )
    reinspection_late: bool = Field(
        description="the first re-inspection came after reinspection_due_by, or there is none and that day has passed"
    )
    created_at: datetime
    closed_at: datetime | None


class FindingDetail(FindingRead):
    pending_extension_request: ExtensionRequestRead | None = Field(
        default=None, description="the enterprise's extension request awaiting the county's decision"
    )
    pending_rectification_report: RectificationReportRead | None = Field(
        default=None, description="the enterprise's rectification report awaiting an inspector's decision"
    )
    steps: list[FindingStepRead]
    level_history: list[LevelChangeRead] = Field(description="every change of the escalation level kept, oldest first")


class FindingFilter(ListFilter):
    county_code: CountyCode = None
    enterprise_id: uuid.UUID | None = None
    visit_id: uuid.UUID | None = None
    status: FindingStatus | None = None
    severity: Severity | None = None
    overdue: bool | None = None
    escalation_level: int | None = Field(default=None, ge=0, le=3)
    reinspection_late: bool | None = Field(default=None, description="按时复查回访: late or missing re-inspection")
