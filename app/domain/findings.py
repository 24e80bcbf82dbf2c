"""Rules 7+8: rectification deadlines by severity, extensions, escalation of overdue findings (问题闭环)."""

from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.errors import Problem, raise_if_any
from app.domain.labels import LabelledEnum
from app.domain.reasons import Reason
from app.domain.ruleset import RuleSet


class Severity(LabelledEnum):
    """计划 七（二）: 一般问题 → 限期整改; 严重隐患 → 风险问题清单; 违法违规 → 立案查处."""

    general = "一般问题"
    serious_hazard = "严重隐患"
    violation = "违法违规"


@dataclass(frozen=True)
class FindingState:
    """What the service knows about a finding on a given day.

    `rectified`: the enterprise's rectification report is in and awaits its re-inspection (no longer 未整改);
    `reinspection_passed`: the last re-inspection passed (a violation may still await its case).
    """

    deadline: date
    closed: bool
    failed_reinspections: int
    refused: bool
    rectified: bool = False
    reinspection_passed: bool = False


class FindingEvent(LabelledEnum):
    """What may happen to a finding, as far as its escalation level is concerned."""

    time_passed = "按日重新计算"
    extension = "延期整改"
    rectification = "企业整改"
    reinspection_failed = "复查不合格"
    reinspection_passed = "复查合格"
    refusal = "拒不整改"
    case = "立案查处"
    closed = "闭环"


LEVEL_LOWERING_EVENTS = frozenset({FindingEvent.rectification, FindingEvent.reinspection_passed, FindingEvent.closed})
"""Only rectification, a passed re-inspection or closing lower a finding's escalation level."""


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


def extend_deadline(
    current_deadline: date, days: int, reason: str, extensions_used: int, ruleset: RuleSet, *, today: date
) -> date:
    """计划 七（二）限期整改: up to `extensions_allowed` extensions of 1..`max_extension_days` days, each with a
    written reason, asked for on or before the current deadline. Once the deadline has passed the finding is
    overdue: an extension would wipe out its escalation, so only rectification, a passed re-inspection or
    closing may lower it (see `kept_escalation_level`).
    """
    problems = []
    if not 1 <= days <= ruleset.max_extension_days:
        problems.append(
            Problem(
                ("days",),
                "extension_days_out_of_range",
                max_extension_days=ruleset.max_extension_days,
            )
        )
    if not reason.strip():
        problems.append(Problem(("reason",), "extension_reason_required"))
    if extensions_used >= ruleset.extensions_allowed:
        problems.append(
            Problem(
                ("extension",),
                "too_many_extensions",
                extensions_allowed=ruleset.extensions_allowed,
            )
        )
    if today > current_deadline:
        problems.append(
            Problem(
                ("extension",),
                "extension_after_deadline",
                deadline=current_deadline.isoformat(),
            )
        )
    raise_if_any(problems)
    return current_deadline + timedelta(days=days)


def is_overdue(today: date, state: FindingState) -> bool:
    """Past its deadline and not yet rectified (逾期未整改); the deadline day itself is still in time."""
    return not (state.closed or state.rectified or state.reinspection_passed) and today > state.deadline


def escalation_level(today: date, state: FindingState, ruleset: RuleSet) -> tuple[int, list[Reason]]:
    """计划 七（二）并按时实施复查回访 … 立案查处 … 风险问题清单，上报地区局:
    0 closed or in time; 1 overdue → 县局督办; 2 overdue > `overdue_days_for_level_2` or a failed re-inspection →
    风险问题清单/报地区局; 3 `failed_reinspections_for_level_3` failed re-inspections or refusal → 立案查处.
    A rectification report stops the overdue triggers; a passed re-inspection also the failed ones; a refusal
    holds until closing. The level is the highest any trigger reaches; every trigger is listed.

    This is the level the facts give today. The level to keep is `kept_escalation_level`.
    """
    if state.closed:
        return 0, [Reason("closed", "已整改闭环")]
    level, reasons = 0, []
    overdue_days = (today - state.deadline).days if is_overdue(today, state) else 0
    if overdue_days > ruleset.overdue_days_for_level_2:
        level = 2
        reasons.append(
            Reason(
                "overdue_long",
                f"逾期{overdue_days}天未整改（超过{ruleset.overdue_days_for_level_2}天），列入风险问题清单并报地区局",
            )
        )
    elif overdue_days > 0:
        level = 1
        reasons.append(Reason("overdue", f"逾期{overdue_days}天未整改，由县（市）局督办"))
    failed = 0 if state.reinspection_passed else state.failed_reinspections
    if failed >= ruleset.failed_reinspections_for_level_3:
        level = 3
        reasons.append(Reason("repeated_failed_reinspection", "多次复查仍不合格，依法立案查处"))
    elif failed >= ruleset.failed_reinspections_for_level_2:
        level = max(level, 2)
        reasons.append(Reason("failed_reinspection", "复查不合格，列入风险问题清单并报地区局"))
    if state.refused:
        level = 3
        reasons.append(Reason("refused", "企业拒不整改，依法立案查处"))
    if not reasons and state.reinspection_passed:
        reasons.append(Reason("reinspection_passed", "复查合格，待闭环"))
    elif not reasons and state.rectified:
        reasons.append(Reason("rectified", "企业已报整改，待复查回访"))
    elif not reasons:
        reasons.append(Reason("within_deadline", "在整改期限内"))
    return level, reasons


def kept_escalation_level(previous_level: int, computed_level: int, lowered_by: FindingEvent | None = None) -> int:
    """The escalation level to store after `lowered_by` (None: a new day, a sweep): the highest level reached,
    `max(previous_level, computed_level)`, unless the event is a rectification, a passed re-inspection or
    closing (LEVEL_LOWERING_EVENTS) — only those may bring it down to `computed_level`.

    `previous_level` is the level stored so far; `computed_level` is `escalation_level` after the event.
    """
    if lowered_by in LEVEL_LOWERING_EVENTS:
        return computed_level
    return max(previous_level, computed_level)


def reinspection_due_by(deadline: date, ruleset: RuleSet) -> date:
    """The last day a re-inspection is on time: the rectification deadline + `reinspection_window_days`."""
    return deadline + timedelta(days=ruleset.reinspection_window_days)


def reinspection_late(deadline: date, reinspected_on: date | None, ruleset: RuleSet, *, today: date) -> bool:
    """计划 七（二）并按时实施复查回访: the first re-inspection came after `reinspection_due_by` — or, while there is
    none yet, that day has passed by `today`. The window is a local rule (see the RuleSet). The result of the
    re-inspection does not matter here: a failed one escalates the finding, it is not late.
    """
    due_by = reinspection_due_by(deadline, ruleset)
    return (reinspected_on if reinspected_on is not None else today) > due_by


def can_close(severity: Severity, case_filed: bool, reinspection_passed: bool) -> list[Problem]:
    """计划 七（二）问题闭环: every finding needs a passed re-inspection (复查回访); a violation, a case."""
    problems = []
    if severity == Severity.violation and not case_filed:
        problems.append(Problem(("case",), "violation_needs_case_filed"))
    if not reinspection_passed:
        problems.append(Problem(("reinspection",), "needs_passed_re_inspection"))
    return problems
