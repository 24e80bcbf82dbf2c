import pytest

from app.domain.classification import suggest_next_class
from app.domain.risk import RiskClass

A, B, C, D = RiskClass.A, RiskClass.B, RiskClass.C, RiskClass.D
CLEAN = dict(
    case_filed=False,
    failed_sampling=False,
    max_escalation_level=0,
    required_visits_done=True,
    open_findings=0,
)


@pytest.mark.parametrize(
    ("current", "changes", "suggested", "codes"),
    [
        (C, {}, B, ["clean_year"]),
        (A, {}, A, ["clean_year", "already_lowest"]),
        (B, {"case_filed": True}, C, ["case_filed"]),
        (D, {"failed_sampling": True}, D, ["failed_sampling", "already_highest"]),
        (A, {"max_escalation_level": 2}, B, ["finding_escalated"]),
        (B, {"max_escalation_level": 1}, A, ["clean_year"]),
        (C, {"required_visits_done": False}, C, ["visits_incomplete"]),
        (C, {"open_findings": 2}, C, ["open_findings"]),
        (C, {"case_filed": True, "failed_sampling": True}, D, ["case_filed", "failed_sampling"]),
        (B, {"failed_sampling": True, "required_visits_done": True}, C, ["failed_sampling"]),
    ],
)
def test_next_years_class_moves_one_step_for_a_reason(current, changes, suggested, codes):
    got, reasons = suggest_next_class(current, **{**CLEAN, **changes})
    assert got == suggested
    assert [r.code for r in reasons] == codes


@pytest.mark.parametrize(("risk_class", "label"), [(A, "A类（低风险）"), (D, "D类（高风险）")])
def test_risk_classes_have_chinese_labels(risk_class, label):
    assert risk_class.label == label
