from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import RuleViolation
from app.domain.findings import (
    FindingState,
    Severity,
    can_close,
    consequences,
    deadline_for,
    escalation_level,
    extend_deadline,
    is_overdue,
)
from app.domain.ruleset import RULESETS

RULES = RULESETS[2022]
FOUND = date(2022, 5, 10)
DEADLINE = date(2022, 6, 9)


@pytest.mark.parametrize(
    ("severity", "deadline"),
    [
        (Severity.general, date(2022, 6, 9)),
        (Severity.serious_hazard, date(2022, 5, 25)),
        (Severity.violation, date(2022, 5, 25)),
    ],
)
def test_a_finding_gets_a_rectification_deadline_by_severity(severity, deadline):
    assert deadline_for(severity, FOUND, RULES) == deadline


@settings(max_examples=50)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 1, 1)))
def test_a_more_severe_finding_never_gets_a_later_deadline(found_on):
    general, hazard, violation = (deadline_for(s, found_on, RULES) for s in Severity)
    assert found_on < hazard <= general and found_on < violation <= general


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        (Severity.general, []),
        (Severity.serious_hazard, ["risk_list"]),
        (Severity.violation, ["case_required"]),
    ],
)
def test_a_serious_hazard_goes_on_the_risk_list_and_a_violation_needs_a_case(severity, expected):
    assert [r.code for r in consequences(severity)] == expected


@pytest.mark.parametrize(("days", "new_deadline"), [(1, date(2022, 6, 10)), (30, date(2022, 7, 9))])
def test_a_deadline_can_be_extended_once_by_up_to_thirty_days(days, new_deadline):
    assert extend_deadline(DEADLINE, days, "设备改造周期长", 0, RULES) == new_deadline


@pytest.mark.parametrize(
    ("days", "reason", "used", "locs"),
    [
        (31, "理由", 0, [("days",)]),
        (0, "理由", 0, [("days",)]),
        (10, "  ", 0, [("reason",)]),
        (10, "理由", 1, [("extension",)]),
        (45, "", 1, [("days",), ("reason",), ("extension",)]),
    ],
)
def test_an_improper_extension_is_refused_with_every_problem(days, reason, used, locs):
    with pytest.raises(RuleViolation) as caught:
        extend_deadline(DEADLINE, days, reason, used, RULES)
    assert [p.loc for p in caught.value.problems] == locs


def state(closed=False, failed=0, refused=False) -> FindingState:
    return FindingState(deadline=DEADLINE, closed=closed, failed_reinspections=failed, refused=refused)


@pytest.mark.parametrize(
    ("today", "finding", "level", "codes"),
    [
        (date(2022, 7, 30), state(closed=True), 0, ["closed"]),
        (date(2022, 6, 9), state(), 0, ["within_deadline"]),
        (date(2022, 6, 10), state(), 1, ["overdue"]),
        (date(2022, 6, 24), state(), 1, ["overdue"]),
        (date(2022, 6, 25), state(), 2, ["overdue_long"]),
        (date(2022, 6, 10), state(failed=1), 2, ["overdue", "failed_reinspection"]),
        (date(2022, 6, 1), state(failed=2), 3, ["repeated_failed_reinspection"]),
        (date(2022, 6, 1), state(refused=True), 3, ["refused"]),
    ],
)
def test_an_open_finding_escalates_as_it_becomes_overdue_or_fails_reinspection(today, finding, level, codes):
    assert is_overdue(today, finding) is (today > DEADLINE and not finding.closed)
    got_level, reasons = escalation_level(today, finding, RULES)
    assert (got_level, [r.code for r in reasons]) == (level, codes)


@settings(max_examples=100)
@given(
    st.dates(min_value=date(2022, 1, 1), max_value=date(2023, 12, 31)),
    st.integers(min_value=0, max_value=400),
    st.integers(min_value=0, max_value=3),
    st.booleans(),
)
def test_the_escalation_level_never_falls_as_days_pass(today, later_by, failed, refused):
    finding = state(failed=failed, refused=refused)
    earlier, _ = escalation_level(today, finding, RULES)
    later, _ = escalation_level(today + timedelta(days=later_by), finding, RULES)
    assert 0 <= earlier <= later <= 3


@pytest.mark.parametrize(
    ("severity", "case_filed", "passed", "locs"),
    [
        (Severity.general, False, True, []),
        (Severity.general, False, False, [("reinspection",)]),
        (Severity.violation, True, True, []),
        (Severity.violation, False, True, [("case",)]),
        (Severity.violation, False, False, [("case",), ("reinspection",)]),
    ],
)
def test_a_finding_closes_after_a_passed_reinspection_and_a_violation_after_a_case(severity, case_filed, passed, locs):
    assert [p.loc for p in can_close(severity, case_filed, passed)] == locs
