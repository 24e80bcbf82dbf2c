"""The enterprise's side of the loop (issue 18): invitations, what an enterprise account sees of its own records,
its files, rectification reports, extension requests and self-checks; the county's view of who files."""

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.domain.findings import Severity
from app.domain.self_checks import SelfCheckKind
from app.domain.statuses import ExtensionRequestStatus, FindingStatus, RectificationReportStatus
from app.domain.visit_types import VisitType
from app.schemas.common import Input, Output, label_of
from app.schemas.licence import LicenceRead
from app.schemas.visit import ChecklistRowRead, Labelled

Text = Annotated[str, Field(min_length=1, max_length=2000)]
FileIds = Annotated[list[uuid.UUID], Field(default_factory=list, max_length=20, description="files uploaded first")]


class InvitationCreated(BaseModel):
    id: uuid.UUID
    enterprise_id: uuid.UUID
    code: str = Field(description="shown once: the enterprise's staff open their account with it")
    expires_at: datetime


class InvitationAccept(Input):
    code: str = Field(min_length=16, max_length=64)
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    full_name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128, description="at least 12 characters, 3 classes, not common")


class EnterpriseAccountRead(Output):
    id: uuid.UUID
    username: str
    full_name: str
    role: str
    enterprise_id: uuid.UUID | None
    county_code: str | None
    created_at: datetime


class OwnEnterpriseRead(BaseModel):
    id: uuid.UUID
    credit_code: str
    name: str
    county_code: str
    address: str | None
    licences: list[LicenceRead]


class InspectorOnForm(BaseModel):
    full_name: str
    credential_no: str | None


class FindingOnForm(BaseModel):
    id: uuid.UUID
    description: str
    severity: Severity
    severity_label: str
    deadline: date


class OwnVisitRead(BaseModel):
    """What the record form's copy kept by the enterprise (企业留存) shows: never the inspectors' notes."""

    id: uuid.UUID
    visit_type: VisitType
    visit_type_label: str
    visit_date: date
    inspectors: list[InspectorOnForm]
    supervisory_functions: list[Labelled]
    checklist: list[ChecklistRowRead]
    conclusion_label: str | None
    representative_name: str | None
    representative_title: str | None
    findings: list[FindingOnForm]


class EnterpriseFileRead(Output):
    id: uuid.UUID
    enterprise_id: uuid.UUID
    sha256: str
    content_type: str
    size: int
    filename: str
    description: str | None
    created_at: datetime


class RectificationReportCreate(Input):
    text: str = Field(min_length=1, max_length=5000, description="企业整改报告")
    file_ids: FileIds


class ReturnCreate(Input):
    reason: Text


class RectificationReportRead(Output):
    id: uuid.UUID
    finding_id: uuid.UUID
    enterprise_id: uuid.UUID
    text: str
    file_ids: list[uuid.UUID]
    status: RectificationReportStatus
    status_label = label_of("status")
    submitted_at: datetime
    decided_at: datetime | None
    decision_reason: str | None


class ExtensionRequestCreate(Input):
    days: int = Field(description="1 up to the year's limit (RuleSet max_extension_days); asked before the deadline")
    reason: Text


class RefusalReason(Input):
    reason: Text


class ExtensionRequestRead(Output):
    id: uuid.UUID
    finding_id: uuid.UUID
    enterprise_id: uuid.UUID
    county_code: str
    days: int
    reason: str
    requested_on: date
    status: ExtensionRequestStatus
    status_label = label_of("status")
    created_at: datetime
    decided_at: datetime | None
    decision_reason: str | None
    deadline_after: date | None


class OwnFindingRead(BaseModel):
    """A finding as its enterprise sees it: what to fix by when, and where its requests stand."""

    id: uuid.UUID
    visit_id: uuid.UUID
    description: str
    severity: Severity
    severity_label: str
    found_on: date
    original_deadline: date
    deadline: date
    status: FindingStatus
    status_label: str
    overdue: bool
    extensions_left: int
    pending_extension_request: ExtensionRequestRead | None
    extension_requests: list[ExtensionRequestRead]
    rectification_reports: list[RectificationReportRead]


class DailyForm(Input):
    """日管控: the day's control points checked, hazards found."""

    kind: Literal["daily"]
    controls_checked: bool
    hazards_found: int = Field(ge=0, le=1000)


class WeeklyForm(Input):
    """周排查: the week's hazard check, what was found and fixed."""

    kind: Literal["weekly"]
    hazards_found: int = Field(ge=0, le=1000)
    hazards_fixed: int = Field(ge=0, le=1000)


class MonthlyForm(Input):
    """月调度: the month's scheduling meeting of the person in charge of quality safety."""

    kind: Literal["monthly"]
    meeting_held_on: date
    open_hazards: int = Field(ge=0, le=1000)
    summary: str = Field(min_length=1, max_length=2000)


class SelfCheckCreate(Input):
    day: date = Field(description="any day of the period: a day, a week (from Monday), a month")
    form: DailyForm | WeeklyForm | MonthlyForm = Field(description="the kind's form: daily, weekly or monthly")
    note: str | None = Field(default=None, max_length=2000)
    file_ids: FileIds


class SelfCheckRead(Output):
    id: uuid.UUID
    enterprise_id: uuid.UUID
    kind: SelfCheckKind
    period_start: date
    form: dict
    note: str | None
    file_ids: list[uuid.UUID]
    created_at: datetime


class SelfCheckCompliance(BaseModel):
    enterprise_id: uuid.UUID
    enterprise_name: str
    credit_code: str
    county_code: str
    daily_filed: int
    daily_expected: int
    weekly_filed: int
    weekly_expected: int
    monthly_filed: bool
    files: bool = Field(description="filed anything at all this month")
    missing_monthly_reason: str | None = Field(
        description="the ledger signal: no monthly self-check for the RuleSet's number of months before this one"
    )
