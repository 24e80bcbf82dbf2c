"""Rules 1+2: how many visits a year an enterprise needs, and why (分类监管, 加大频次)."""

from dataclasses import dataclass
from datetime import date, timedelta

from app.domain.calendar import months_before, within_months
from app.domain.reasons import Reason
from app.domain.risk import KeyFlag, RiskClass
from app.domain.ruleset import RuleSet


@dataclass(frozen=True)
class RiskFacts:
    """Plain facts about one enterprise, gathered by the service; dates may be in any order."""

    substantiated_complaint_dates: tuple[date, ...] = ()
    risk_alert_dates: tuple[date, ...] = ()
    failed_sampling_dates: tuple[date, ...] = ()
    licence_expiry_dates: tuple[date, ...] = ()
    operating: bool = True
    unlicensed_production_dates: tuple[date, ...] = ()
    key_flags: frozenset[KeyFlag] = frozenset()


@dataclass(frozen=True)
class Requirement:
    """Visits required this year: `minimum`..`maximum` (None = no upper bound), with every reason."""

    risk_class: RiskClass
    minimum: int
    maximum: int | None
    reasons: tuple[Reason, ...]
    escalation: int


def _within_months(today: date, dates: tuple[date, ...], months: int) -> list[date]:
    """Dates in the calendar window [same date `months` ago, today]; future dates are ignored."""
    return [d for d in dates if within_months(d, today, months)]


def earliest_relevant_date(today: date, ruleset: RuleSet) -> date:
    """The first day any factor's window reaches back to: facts before it cannot change the answer, so a
    service may load only facts on or after it."""
    longest = max(
        ruleset.complaint_lookback_months, ruleset.risk_alert_lookback_months, ruleset.unlicensed_lookback_months
    )
    return min(months_before(today, longest), date(today.year - ruleset.sampling_lookback_years, 1, 1))


def _failed_sampling_in_window(today: date, facts: RiskFacts, ruleset: RuleSet) -> list[date]:
    first_year = today.year - ruleset.sampling_lookback_years
    return [d for d in facts.failed_sampling_dates if first_year <= d.year and d <= today]


def _sampling_years(ruleset: RuleSet) -> str:
    years = ruleset.sampling_lookback_years
    if years == 0:
        return "本年度"
    return "本年度或上年度" if years == 1 else f"本年度或前{years}个年度"


def _licence_renewal_due(today: date, facts: RiskFacts, ruleset: RuleSet) -> bool:
    window_end = today + timedelta(days=ruleset.licence_expiry_window_days)
    expiring = any(today < d <= window_end for d in facts.licence_expiry_dates)
    expired_while_operating = facts.operating and any(d <= today for d in facts.licence_expiry_dates)
    return expiring or expired_while_operating


def active_factors(today: date, facts: RiskFacts, ruleset: RuleSet) -> list[Reason]:
    """计划 六、日常监督检查频次（第二段）: 举报投诉、风险监测信息、监督抽查结果、到期换证、无证生产、
    重点行业/区域/企业/产品 — one Reason per active factor, always in this order.
    """
    factors = []
    months = ruleset.complaint_lookback_months
    complaints = _within_months(today, facts.substantiated_complaint_dates, months)
    if complaints:
        factors.append(Reason("complaint", f"举报投诉：近{months}个月内有{len(complaints)}件查实的举报投诉"))
    months = ruleset.risk_alert_lookback_months
    alerts = _within_months(today, facts.risk_alert_dates, months)
    if alerts:
        factors.append(Reason("risk_monitoring", f"风险监测：近{months}个月内有{len(alerts)}条风险监测预警"))
    if _failed_sampling_in_window(today, facts, ruleset):
        factors.append(
            Reason("failed_sampling", f"监督抽查不合格：{_sampling_years(ruleset)}抽查不合格，列为后续监管重点")
        )
    if _licence_renewal_due(today, facts, ruleset):
        factors.append(
            Reason(
                "licence_renewal",
                f"到期换证：生产许可证{ruleset.licence_expiry_window_days}日内到期或已过期仍在生产",
            )
        )
    months = ruleset.unlicensed_lookback_months
    if _within_months(today, facts.unlicensed_production_dates, months):
        factors.append(Reason("unlicensed_production", f"无证生产：近{months}个月内发现无证生产"))
    if facts.key_flags:
        flags = "、".join(flag.label for flag in KeyFlag if flag in facts.key_flags)
        factors.append(Reason("key_supervision", f"重点监管：{flags}"))
    return factors


def is_key_supervision(today: date, facts: RiskFacts, ruleset: RuleSet) -> bool:
    """计划 七（四）: 将抽查不合格企业列为后续监管重点; also any 重点行业/区域/企业/产品 flag."""
    return bool(_failed_sampling_in_window(today, facts, ruleset) or facts.key_flags)


def _base_reason(risk_class: RiskClass, ruleset: RuleSet) -> Reason:
    visits = ruleset.visits_for(risk_class)
    if visits.maximum is None:
        times = f"{visits.minimum}次以上"
    elif visits.maximum == visits.minimum:
        times = f"{visits.minimum}次"
    else:
        times = f"{visits.minimum}-{visits.maximum}次"
    return Reason("base_frequency", f"{risk_class}类企业每年{times}")


def required_visits(risk_class: RiskClass, factors: list[Reason], ruleset: RuleSet) -> Requirement:
    """计划 六、日常监督检查频次: the class's base range, raised by `escalation_step` per active factor
    (加大频次), the total raise capped at `escalation_cap`. The cap raises `maximum` by the same amount.
    """
    visits = ruleset.visits_for(risk_class)
    uncapped = len(factors) * ruleset.escalation_step
    escalation = min(uncapped, ruleset.escalation_cap)
    reasons = [_base_reason(risk_class, ruleset), *factors]
    if uncapped > escalation:
        reasons.append(
            Reason(
                "escalation_capped",
                f"加大频次已达上限（+{ruleset.escalation_cap}次），其余因素不再增加频次",
            )
        )
    return Requirement(
        risk_class=risk_class,
        minimum=visits.minimum + escalation,
        maximum=None if visits.maximum is None else visits.maximum + escalation,
        reasons=tuple(reasons),
        escalation=escalation,
    )
