"""Every number of the plan in one place, per plan year, so a new year's plan is a new RuleSet."""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from app.domain.risk import RiskClass


@dataclass(frozen=True)
class VisitRange:
    """Visits per year for one risk class; `maximum` None means "or more" (以上)."""

    minimum: int
    maximum: int | None


@dataclass(frozen=True)
class RuleSet:
    """The numbers of one year's plan. Field docs name the clause each number comes from."""

    year: int
    frequency: Mapping[RiskClass, VisitRange]
    """计划 六: A类每年1次, B类1-2次, C类2-3次, D类3次以上."""
    escalation_step: int = 1
    """计划 六（加大频次）: each active risk factor adds this many visits."""
    escalation_cap: int = 3
    """Upper bound on visits added by escalation (local rule; the plan sets no number)."""
    complaint_lookback_months: int = 12
    """计划 六（举报投诉）: substantiated complaints of the last 12 calendar months (local rule: the plan names
    the factor, not the window). A calendar window: since the same date 12 months ago, inclusive."""
    risk_alert_lookback_months: int = 12
    """计划 六（风险监测信息）: risk-monitoring alerts of the last 12 calendar months (local rule)."""
    unlicensed_lookback_months: int = 12
    """计划 六（无证生产）: unlicensed production found in the last 12 calendar months (local rule)."""
    sampling_lookback_years: int = 1
    """计划 七（四）: a failed sampling this calendar year or the previous one (1 year back)."""
    licence_expiry_window_days: int = 90
    """计划 六（到期换证）: a licence expiring within this many days (local rule: the plan sets no number;
    a licence's validity ends on a day, so the window is counted in days)."""
    min_inspectors: int = 2
    """计划 五: 由2名以上（含2名）监督检查人员参加."""
    min_checked_items: int = 6
    """计划 七（二）一次检查，全面体检: items a visit must actually check (conforming or nonconforming) to count
    toward the frequency (local rule; the plan sets no number). Every item applies and "not applicable" needs
    a written reason; this floor keeps a visit that marked most items not applicable from counting. 6 of the
    10 general items: a manufacturer may truly lack up to four of them (e.g. no quality incident to handle,
    no nonconforming product, delivery straight from the line), never the core of production."""
    deadline_general_days: int = 30
    deadline_serious_hazard_days: int = 15
    deadline_violation_days: int = 15
    """计划 七（二）限期整改: days to rectify, by severity (local rule; the plan sets no number)."""
    max_extension_days: int = 30
    extensions_allowed: int = 1
    overdue_days_for_level_2: int = 15
    """Overdue by more than this many days → escalation level 2 (风险问题清单/报地区局)."""
    failed_reinspections_for_level_2: int = 1
    failed_reinspections_for_level_3: int = 2
    reinspection_window_days: int = 15
    """计划 七（二）并按时实施复查回访: a finding's (first) re-inspection is due within this many days after its
    rectification deadline (local rule: the plan says "on time" and sets no number)."""
    duplicate_visit_window_days: int = 30
    """计划 七（三）避免重复检查: warn when the enterprise was visited this recently."""
    report_due_h1: tuple[int, int] = (6, 25)
    report_due_h2: tuple[int, int] = (10, 30)
    """计划 八: 于6月25日、10月30日前报送完成情况汇总表（附件3）."""
    deadline_reminder_days: int = 3
    """计划 七（二）限期整改: the inspectors and the county admins are reminded this many days before a rectification
    deadline (local rule; the plan sets no number)."""
    reinspection_reminder_days: int = 7
    """计划 七（二）按时实施复查回访: a finding whose rectification report has waited this many days for its
    re-inspection reminds its inspectors (local rule; the plan says 按时 without a number)."""
    self_check_missing_months: int = 3
    """SAMR 2023 日管控、周排查、月调度: an enterprise with no monthly self-check (月调度) for this many calendar months
    before the current one shows a ledger signal (local rule; a signal to look at, never an automatic escalation)."""
    report_reminder_days: int = 7
    """计划 八: a county that has not yet submitted the completion summary (附件3) is reminded this many days
    before the due date (local rule; the plan sets no number)."""

    def visits_for(self, risk_class: RiskClass) -> VisitRange:
        return self.frequency[risk_class]

    # Until the services move to months: an upper bound in days of each calendar-month window (31 days a
    # month), good only for loading "enough" facts; the rules themselves use the months.
    @property
    def complaint_lookback_days(self) -> int:
        return 31 * self.complaint_lookback_months

    @property
    def risk_alert_lookback_days(self) -> int:
        return 31 * self.risk_alert_lookback_months

    @property
    def unlicensed_lookback_days(self) -> int:
        return 31 * self.unlicensed_lookback_months


_FREQUENCY_2022 = MappingProxyType(
    {
        RiskClass.A: VisitRange(1, 1),
        RiskClass.B: VisitRange(1, 2),
        RiskClass.C: VisitRange(2, 3),
        RiskClass.D: VisitRange(3, None),
    }
)

RULESETS: dict[int, RuleSet] = {2022: RuleSet(year=2022, frequency=_FREQUENCY_2022)}


def ruleset_for(year: int) -> RuleSet:
    """The newest ruleset whose year ≤ `year`; years before the first plan use the first plan."""
    earlier = [y for y in RULESETS if y <= year]
    return RULESETS[max(earlier) if earlier else min(RULESETS)]
