"""The completion summary (附件3 完成情况汇总表) and the counties' report submissions."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field, computed_field

from app.domain.calendar import ReportPeriod, period_label
from app.domain.reporting import ReportStatus, SummaryFigure, completion_rate_of
from app.domain.ruleset import ruleset_for
from app.schemas.common import Input, Output

FIGURE_LABELS: dict[str, str] = SummaryFigure.label_map()
"""figure → its 附件3 column header (the workbook's headers are the same labels)."""
COUNT_FIGURES = tuple(f.value for f in SummaryFigure if f is not SummaryFigure.completion_rate)


class SummaryFigures(BaseModel):
    """Every figure is counted from the records; `completion_rate` = plan_visits_done / required_visits."""

    enterprises: int = 0
    enterprises_a: int = 0
    enterprises_b: int = 0
    enterprises_c: int = 0
    enterprises_d: int = 0
    plan_lines: int = 0
    required_visits: int = 0
    visits_done: int = 0
    plan_visits_done: int = 0
    fully_inspected: int = 0
    findings: int = 0
    findings_general: int = 0
    findings_serious_hazard: int = 0
    findings_violation: int = 0
    rectified: int = 0
    overdue: int = 0
    late_reinspections: int = 0
    cases_filed: int = 0
    risk_list_entries: int = 0
    failed_samplings: int = 0
    failed_samplings_referred: int = 0
    failed_samplings_local: int = 0
    samplings_handled: int = 0
    samplings_handled_referred: int = 0
    samplings_handled_local: int = 0
    publicity_activities: int = 0
    media_adoptions: int = 0

    @computed_field(description="完成率: plan_visits_done / required_visits (1.0 when nothing is required)")
    @property
    def completion_rate(self) -> float:
        return completion_rate_of(self.plan_visits_done, self.required_visits)


class SummaryRow(SummaryFigures):
    county_code: str | None = Field(description="None on the prefecture's total row")
    county_name: str
    drill: dict[str, str] = Field(
        default_factory=dict, description="figure → the API query that lists the records behind it"
    )


class Summary(BaseModel):
    year: int
    period_from: date
    as_of: date
    plan_id: uuid.UUID | None = Field(description="the year's issued plan, if any")
    labels: dict[str, str] = Field(default=FIGURE_LABELS, description="figure → 附件3 column (中文)")
    rows: list[SummaryRow]
    total: SummaryRow | None = Field(description="the prefecture's total; absent for a county")


class ReportCreate(Input):
    """Freeze the county's figures for one period (计划 八: due by the year's report due dates (RuleSet))."""

    year: int = Field(ge=2000, le=2100)
    period: ReportPeriod
    county_code: str | None = Field(
        default=None, max_length=12, description="prefecture users submitting for a county; counties omit it"
    )
    note: str | None = Field(default=None, max_length=2000)


class ReportRead(Output):
    id: uuid.UUID
    county_code: str
    year: int
    period: ReportPeriod
    version: int
    as_of: date
    due_on: date
    submitted_on: date
    late: bool
    superseded: bool
    superseded_at: datetime | None
    figures: dict[str, int | float]
    note: str | None
    submitted_by_name: str
    submitted_at: datetime

    @computed_field(description="报送期（中文）, dated by the year's report due dates (RuleSet)")
    @property
    def period_label(self) -> str:
        return period_label(self.period, ruleset_for(self.year))


class FigureChange(BaseModel):
    figure: SummaryFigure
    label: str
    submitted: int | float
    live: int | float


class CountyReportStatus(BaseModel):
    county_code: str
    county_name: str
    status: ReportStatus
    status_label: str
    report: ReportRead | None
    versions: int
    changes_since_submission: list[FigureChange] = Field(
        description="figures that differ when the same period is counted again from today's records"
    )


class PeriodOverview(BaseModel):
    period: ReportPeriod
    period_label: str
    due_on: date
    counties: list[CountyReportStatus]


class ReportOverview(BaseModel):
    year: int
    today: date
    periods: list[PeriodOverview]


class RollupRow(SummaryFigures):
    """One prefecture (or, drilled down, one county) of the roll-up: its counties' frozen submissions added up."""

    code: str
    name: str
    counties: int = Field(description="counties in the caller's reach (a county row: 1)")
    reported: int = Field(description="of them, with a current submission for the period")
    late: int = Field(description="of those, submitted after the due date")
    drill: str | None = Field(default=None, description="the roll-up of this prefecture's counties")


class RegionSummary(BaseModel):
    """附件3 rolled up from submitted snapshots only (never live figures): per prefecture, or per county of one
    prefecture (`prefecture_code`), with the total of the rows."""

    year: int
    period: ReportPeriod
    due_on: date
    prefecture_code: str | None = Field(description="the prefecture drilled into; null: every prefecture")
    labels: dict[str, str] = Field(default=FIGURE_LABELS, description="figure → 附件3 column (中文)")
    rows: list[RollupRow]
    total: RollupRow
