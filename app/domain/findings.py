"""Rules 7+8: rectification deadlines by severity, extensions, escalation of overdue findings (问题闭环)."""

from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.errors import Problem, raise_if_any
from app.domain.labels import LabelledEnum
from app.domain.reasons import Reason
from app.domain.ruleset import RuleSet


class Severity(LabelledEnum):
    """计划 七（二）: 一般问题 → 限期整改; 严重隐患 → 风险问题清单; 违法违规 → 立案查处."""

    general = "general", "一般问题"
    serious_hazard = "serious_hazard", "严重隐患"
    violation = "violation", "违法违规"


@dataclass(frozen=True)
class FindingState:
    """What the service knows about an open finding on a given day."""

    deadline: date
    closed: bool
    failed_reinspections: int
    refused: bool


def deadline_for(severity: Severity, found_on: date, ruleset: RuleSet) -> date:
    """计划 七（二）对监督检查中发现的问题应当提出限期整改要求: found_on + the severity's days."""
    days = {
        Severity.general: ruleset.deadline_general_days,
        Severity.serious_hazard: ruleset.deadline_serious_hazard_days,
        Severity.violation: ruleset.deadline_violation_days,
    }[Severity(severity)]
    return found_on + timedelta(days=days)


def consequences(severity: Severity) -> list[Reason]:
    """计划 七（二）: 严重隐患 → 剖析原因，编制风险问题清单，上报地区局; 违法违规 → 依法立案查处."""
    if severity == Severity.serious_hazard:
        return [Reason("risk_list", "列入风险问题清单，剖析原因并上报地区局质量监督科")]
    if severity == Severity.violation:
        return [Reason("case_required", "涉嫌违法违规，依法立案查处")]
    return []


def extend_deadline(current_deadline: date, days: int, reason: str, extensions_used: int, ruleset: RuleSet) -> date:
    """计划 七（二）限期整改: one extension of 1..`max_extension_days` days, with a written reason."""
    problems = []
    if not 1 <= days <= ruleset.max_extension_days:
        problems.append(
            Problem(
                ("days",),
                f"延期天数应为1至{ruleset.max_extension_days}天 "
                f"(extension must be 1 to {ruleset.max_extension_days} days)",
            )
        )
    if not reason.strip():
        problems.append(Problem(("reason",), "延期须说明理由 (a reason is required)"))
    if extensions_used >= ruleset.extensions_allowed:
        problems.append(
            Problem(
                ("extension",),
                f"整改期限最多延期{ruleset.extensions_allowed}次 "
                f"(at most {ruleset.extensions_allowed} extension allowed)",
            )
        )
    raise_if_any(problems)
    return current_deadline + timedelta(days=days)


def is_overdue(today: date, state: FindingState) -> bool:
    """Open and past its deadline (the deadline day itself is still in time)."""
    return not state.closed and today > state.deadline


def escalation_level(today: date, state: FindingState, ruleset: RuleSet) -> tuple[int, list[Reason]]:
    """计划 七（二）并按时实施复查回访 … 立案查处 … 风险问题清单，上报地区局:
    0 closed or in time; 1 overdue → 县局督办; 2 overdue > 15 days or a failed re-inspection →
    风险问题清单/报地区局; 3 two failed re-inspections or refusal to rectify → 立案查处.
    The level is the highest any trigger reaches; every trigger is listed.
    """
    if state.closed:
        return 0, [Reason("closed", "已整改闭环")]
    level, reasons = 0, []
    overdue_days = (today - state.deadline).days
    if overdue_days > ruleset.overdue_days_for_level_2:
        level = 2
        reasons.append(Reason("overdue_long", f"逾期{overdue_days}天未整改，列入风险问题清单并报地区局"))
    elif overdue_days > 0:
        level = 1
        reasons.append(Reason("overdue", f"逾期{overdue_days}天未整改，由县（市）局督办"))
    if state.failed_reinspections >= ruleset.failed_reinspections_for_level_3:
        level = 3
        reasons.append(Reason("repeated_failed_reinspection", "多次复查仍不合格，依法立案查处"))
    elif state.failed_reinspections >= ruleset.failed_reinspections_for_level_2:
        level = max(level, 2)
        reasons.append(Reason("failed_reinspection", "复查不合格，列入风险问题清单并报地区局"))
    if state.refused:
        level = 3
        reasons.append(Reason("refused", "企业拒不整改，依法立案查处"))
    if not reasons:
        reasons.append(Reason("within_deadline", "在整改期限内"))
    return level, reasons


def can_close(severity: Severity, case_filed: bool, reinspection_passed: bool) -> list[Problem]:
    """计划 七（二）问题闭环: every finding needs a passed re-inspection (复查回访); a violation, a case."""
    problems = []
    if severity == Severity.violation and not case_filed:
        problems.append(Problem(("case",), "违法违规问题须先立案查处 (a violation needs a case filed)"))
    if not reinspection_passed:
        problems.append(Problem(("reinspection",), "须经复查回访合格后方可闭环 (needs a passed re-inspection)"))
    return problems
