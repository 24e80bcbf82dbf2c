"""Rule 9: suggesting next year's risk class from this year's results (分类监管, 动态调整)."""

from app.domain.reasons import Reason
from app.domain.risk import RISK_ORDER, RiskClass


def _step(current: RiskClass, delta: int) -> RiskClass:
    index = RISK_ORDER.index(RiskClass(current)) + delta
    return RISK_ORDER[min(max(index, 0), len(RISK_ORDER) - 1)]


def suggest_next_class(
    current: RiskClass,
    *,
    case_filed: bool,
    failed_sampling: bool,
    max_escalation_level: int,
    required_visits_done: bool,
    open_findings: int,
) -> tuple[RiskClass, list[Reason]]:
    """计划 一 风险管理、分类监管 and 七（四）抽查不合格企业列为后续监管重点: a case, a failed sampling or a
    finding escalated to level ≥ 2 moves one class toward D; otherwise a year with every required visit
    done and no open finding moves one class toward A; otherwise the class stays. A suggestion only.
    """
    worse = []
    if case_filed:
        worse.append(Reason("case_filed", "本年度被立案查处"))
    if failed_sampling:
        worse.append(Reason("failed_sampling", "本年度监督抽查不合格"))
    if max_escalation_level >= 2:
        worse.append(Reason("finding_escalated", f"问题升级至{max_escalation_level}级"))
    if worse:
        suggested = _step(current, +1)
        if suggested == current:
            worse.append(Reason("already_highest", "已为D类（高风险），保持不变"))
        return suggested, worse

    if required_visits_done and open_findings == 0:
        suggested = _step(current, -1)
        reasons = [Reason("clean_year", "完成全部规定检查且无未闭环问题")]
        if suggested == current:
            reasons.append(Reason("already_lowest", "已为A类（低风险），保持不变"))
        return suggested, reasons

    reasons = []
    if not required_visits_done:
        reasons.append(Reason("visits_incomplete", "规定检查次数未完成，保持原类别"))
    if open_findings:
        reasons.append(Reason("open_findings", f"尚有{open_findings}个问题未闭环，保持原类别"))
    return RiskClass(current), reasons
