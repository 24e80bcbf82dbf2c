import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field, model_validator

from app.core.deps import Day
from app.core.validation_messages import refusal
from app.domain.checklist import ChecklistItem, Conclusion, ItemResult
from app.domain.findings import Severity
from app.domain.statuses import FindingStatus, VisitStatus
from app.domain.visit_types import SupervisoryFunction, VisitType
from app.schemas.common import CountyCode, Input, ListFilter, Output

Text = Field(default=None, max_length=4000)


class ChecklistEntryIn(Input):
    """One checklist item as recorded on site; `severity` only for a nonconforming item (default general)."""

    result: ItemResult
    note: str | None = Field(default=None, max_length=1000)
    severity: Severity | None = None

    @model_validator(mode="after")
    def _severity_only_when_nonconforming(self) -> "ChecklistEntryIn":
        if self.severity is not None and self.result != ItemResult.nonconforming:
            raise refusal("severity_only_for_nonconforming")
        return self


class InspectorIn(Input):
    """An inspector on the visit; the credential number and validity are copied from their user record."""

    user_id: uuid.UUID
    credential_shown: bool = Field(default=False, description="当场出示执法证")


class _VisitFields(Input):
    supervisory_functions: list[SupervisoryFunction] | None = Field(
        default=None, max_length=5, description="one visit also covers: 计量/标准化/特种设备/广告/许可"
    )
    conclusion: Conclusion | None = None
    representative_name: str | None = Field(default=None, max_length=64, description="企业负责人（签字人）")
    representative_title: str | None = Field(default=None, max_length=64)
    notes: str | None = Text


class VisitCreate(_VisitFields):
    enterprise_id: uuid.UUID
    visit_type: VisitType
    visit_date: date
    assignment_id: uuid.UUID | None = Field(default=None, description="the plan assignment this visit fulfils")
    inspectors: list[InspectorIn] = Field(default_factory=list, max_length=10)
    checklist: dict[ChecklistItem, ChecklistEntryIn] = Field(default_factory=dict)


class VisitUpdate(_VisitFields):
    """A draft's changes. `inspectors` replaces the list; `checklist` merges per item (null removes one)."""

    NOT_NULL = frozenset({"visit_type", "visit_date", "inspectors", "checklist", "supervisory_functions"})

    visit_type: VisitType | None = None
    visit_date: date | None = None
    assignment_id: uuid.UUID | None = None
    inspectors: list[InspectorIn] | None = Field(default=None, max_length=10)
    checklist: dict[ChecklistItem, ChecklistEntryIn | None] | None = None


class VisitAmendmentCreate(Input):
    """A correction to an archived visit (更正). The original values are kept with the amendment."""

    reason: str = Field(min_length=1, max_length=2000, description="更正理由")
    conclusion: Conclusion | None = None
    representative_name: str | None = Field(default=None, max_length=64)
    representative_title: str | None = Field(default=None, max_length=64)
    notes: str | None = Text
    supervisory_functions: list[SupervisoryFunction] | None = Field(default=None, max_length=5)
    checklist_notes: dict[ChecklistItem, str | None] | None = Field(
        default=None, description="corrected notes (备注) per item; results cannot be amended"
    )


class Labelled(BaseModel):
    code: SupervisoryFunction
    label: str


class InspectorRead(Output):
    user_id: uuid.UUID
    full_name: str
    position: int
    county_code: str
    credential_no: str | None
    credential_valid_from: date | None
    credential_valid_until: date | None
    credential_shown: bool


class ChecklistRowRead(BaseModel):
    item: ChecklistItem
    label: str
    content: str
    result: ItemResult | None
    result_label: str | None
    note: str | None
    severity: Severity | None
    severity_label: str | None


class FindingBrief(BaseModel):
    id: uuid.UUID
    checklist_item: ChecklistItem | None
    description: str
    severity: Severity
    severity_label: str
    deadline: date
    status: FindingStatus


class AmendmentRead(Output):
    id: uuid.UUID
    reason: str
    before: dict
    after: dict
    created_by_id: uuid.UUID | None
    created_by_name: str
    created_at: datetime


class VisitWarning(BaseModel):
    """避免重复检查: an earlier visit to the same enterprise within the window. A warning, not an error."""

    code: str
    msg: str
    visit_id: uuid.UUID
    visit_date: date
    visit_type: VisitType
    visit_type_label: str
    status: VisitStatus


class VisitRead(BaseModel):
    id: uuid.UUID
    enterprise_id: uuid.UUID
    enterprise_name: str
    county_code: str
    visit_type: VisitType
    visit_type_label: str
    visit_date: date
    status: VisitStatus
    status_label: str
    licence_holder: bool
    covers_full_checklist: bool
    counts_toward_frequency: bool
    assignment_id: uuid.UUID | None
    inspectors: list[InspectorRead]
    supervisory_functions: list[Labelled]
    checklist: list[ChecklistRowRead]
    conclusion: Conclusion | None
    conclusion_label: str | None
    representative_name: str | None
    representative_title: str | None
    notes: str | None
    findings: list[FindingBrief]
    amendments: list[AmendmentRead]
    version: int
    created_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None
    warnings: list[VisitWarning] = Field(
        default_factory=list, description="filled on create and submit: recent visits to the same enterprise"
    )


class VisitSummary(Output):
    id: uuid.UUID
    enterprise_id: uuid.UUID
    enterprise_name: str = ""
    county_code: str
    visit_type: VisitType
    visit_type_label: str = ""
    visit_date: date
    status: VisitStatus
    covers_full_checklist: bool
    assignment_id: uuid.UUID | None
    conclusion: Conclusion | None
    version: int
    updated_at: datetime


class VisitFilter(ListFilter):
    enterprise_id: uuid.UUID | None = None
    county_code: CountyCode = None
    status: VisitStatus | None = None
    visit_type: VisitType | None = None
    inspector_id: uuid.UUID | None = Field(default=None, description="visits this user inspects")
    date_from: Day | None = None
    date_to: Day | None = None
