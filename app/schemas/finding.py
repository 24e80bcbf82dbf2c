import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.domain.checklist import ChecklistItem
from app.domain.findings import Severity
from app.schemas.common import Input, Output

FINDING_STATUS_LABELS = {
    "open": "待整改",
    "rectified": "已整改待复查",
    "awaiting_case": "复查合格待立案",
    "closed": "已闭环",
}
STEP_LABELS = {
    "extension": "延期整改",
    "rectification": "整改报告",
    "reinspection": "复查回访",
    "refusal": "拒不整改",
    "case": "立案查处",
    "closed": "闭环",
}


class FindingCreate(Input):
    """A finding recorded by hand on an archived visit; the deadline follows from severity (限期整改)."""

    description: str = Field(min_length=1, max_length=2000)
    severity: Severity = Severity.general
    checklist_item: ChecklistItem | None = None


class ExtensionCreate(Input):
    days: int = Field(description="1..30 days, once per finding")
    reason: str = Field(max_length=2000)


class RectificationCreate(Input):
    text: str = Field(min_length=1, max_length=5000, description="企业整改报告")
    attachment_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class ReinspectionCreate(Input):
    visit_id: uuid.UUID = Field(description="an archived 复查回访 visit to the same enterprise")
    result: Literal["pass", "fail"]
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
    kind: str
    kind_label: str = ""
    at: datetime
    actor_id: uuid.UUID | None
    actor_name: str
    text: str | None
    days: int | None
    deadline_before: date | None
    deadline_after: date | None
    attachment_ids: list[uuid.UUID]
    reinspection_visit_id: uuid.UUID | None
    result: str | None
    case_no: str | None
    case_filed_on: date | None
    case_officer: str | None


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
    status: str
    status_label: str
    overdue: bool
    escalation_level: int
    escalation_reasons: list[ReasonRead]
    consequences: list[ReasonRead]
    extensions_used: int
    failed_reinspections: int
    reinspection_passed: bool
    case_filed: bool
    refused_on: date | None = Field(description="拒不整改: the day the enterprise refused to rectify (level 3)")
    created_at: datetime
    closed_at: datetime | None


class FindingDetail(FindingRead):
    steps: list[FindingStepRead]
