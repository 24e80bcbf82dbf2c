from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import RuleViolation
from app.domain.findings import (
    LEVEL_LOWERING_EVENTS,
    FindingEvent,
    FindingState,
    Severity,
    can_close,
    consequences,
    deadline_for,
    escalation_level,
    extend_deadline,
    is_overdue,
    kept_escalation_level,
    reinspection_due_by,
    reinspection_late,
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
@pytest.mark.parametrize("today", [FOUND, DEADLINE])
def test_a_deadline_can_be_extended_once_by_up_to_thirty_days_until_the_deadline_day(days, new_deadline, today):
    assert extend_deadline(DEADLINE, days, "设备改造周期长", 0, RULES, today=today) == new_deadline


@pytest.mark.parametrize("late_by", [1, 2, 40])
def test_an_extension_asked_after_the_deadline_is_refused(late_by):
    with pytest.raises(RuleViolation) as caught:
        extend_deadline(DEADLINE, 10, "设备改造周期长", 0, RULES, today=DEADLINE + timedelta(days=late_by))
    [problem] = caught.value.problems
    assert problem.loc == ("extension",)
    assert problem.code == "extension_after_deadline"
    assert problem.params == {"deadline": DEADLINE.isoformat()}


def test_a_late_extension_is_refused_with_every_other_problem_too():
    with pytest.raises(RuleViolation) as caught:
        extend_deadline(DEADLINE, 45, "", 1, RULES, today=DEADLINE + timedelta(days=1))
    assert [p.loc for p in caught.value.problems] == [("days",), ("reason",), ("extension",), ("extension",)]


def test_the_day_an_extension_is_asked_is_a_required_keyword():
    with pytest.raises(TypeError):
        extend_deadline(DEADLINE, 10, "理由", 0, RULES)  # type: ignore[call-arg]


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
        extend_deadline(DEADLINE, days, reason, used, RULES, today=FOUND)
    assert [p.loc for p in caught.value.problems] == locs


def state(closed=False, failed=0, refused=False, rectified=False, passed=False) -> FindingState:
    return FindingState(
        deadline=DEADLINE,
        closed=closed,
        failed_reinspections=failed,
        refused=refused,
        rectified=rectified,
        reinspection_passed=passed,
    )


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
        (date(2022, 7, 30), state(rectified=True), 0, ["rectified"]),
        (date(2022, 7, 30), state(rectified=True, failed=1), 2, ["failed_reinspection"]),
        (date(2022, 7, 30), state(passed=True, failed=1), 0, ["reinspection_passed"]),
        (date(2022, 7, 30), state(passed=True, refused=True), 3, ["refused"]),
    ],
)
def test_an_open_finding_escalates_as_it_becomes_overdue_or_fails_reinspection(today, finding, level, codes):
    open_and_unrectified = not (finding.closed or finding.rectified or finding.reinspection_passed)
    assert is_overdue(today, finding) is (today > DEADLINE and open_and_unrectified)
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


def test_only_rectification_a_passed_reinspection_or_closing_may_lower_the_level():
    assert LEVEL_LOWERING_EVENTS == {FindingEvent.rectification, FindingEvent.reinspection_passed, FindingEvent.closed}


@pytest.mark.parametrize(
    ("previous", "computed", "event", "kept"),
    [
        (2, 1, None, 2),  # a new day: the level reached stays
        (2, 0, FindingEvent.extension, 2),  # an extension never lowers it
        (2, 0, FindingEvent.case, 2),
        (1, 3, FindingEvent.refusal, 3),  # rising is always kept
        (0, 2, None, 2),
        (2, 0, FindingEvent.rectification, 0),
        (3, 1, FindingEvent.reinspection_passed, 1),
        (3, 0, FindingEvent.closed, 0),
        (1, 2, FindingEvent.rectification, 2),  # a lowering event does not stop a rise either
    ],
)
def test_the_stored_level_is_the_highest_reached_until_rectification_reinspection_or_closing(
    previous, computed, event, kept
):
    assert kept_escalation_level(previous, computed, event) == kept


@settings(max_examples=100)
@given(
    st.integers(min_value=0, max_value=3),
    st.integers(min_value=0, max_value=3),
    st.sampled_from([None, *FindingEvent]),
)
def test_the_kept_level_never_falls_except_by_a_lowering_event(previous, computed, event):
    kept = kept_escalation_level(previous, computed, event)
    assert kept >= computed
    if event not in LEVEL_LOWERING_EVENTS:
        assert kept == max(previous, computed)


def test_a_late_extension_cannot_wipe_out_the_level_reached():
    today = DEADLINE + timedelta(days=20)
    reached, _ = escalation_level(today, state(), RULES)
    assert reached == 2
    with pytest.raises(RuleViolation):
        extend_deadline(DEADLINE, 30, "理由", 0, RULES, today=today)
    later_state = FindingState(
        deadline=DEADLINE + timedelta(days=30), closed=False, failed_reinspections=0, refused=False
    )
    computed, _ = escalation_level(today, later_state, RULES)
    assert kept_escalation_level(reached, computed, FindingEvent.extension) == 2


def test_rectification_lowers_the_level_to_what_the_rules_now_say():
    today = DEADLINE + timedelta(days=20)
    reached, _ = escalation_level(today, state(), RULES)
    computed, _ = escalation_level(today, state(rectified=True), RULES)
    assert (reached, kept_escalation_level(reached, computed, FindingEvent.rectification)) == (2, 0)


WINDOW = RULES.reinspection_window_days
DUE_BY = DEADLINE + timedelta(days=WINDOW)


@pytest.mark.parametrize(
    ("reinspected_on", "today", "late"),
    [
        (DEADLINE - timedelta(days=5), DUE_BY + timedelta(days=40), False),  # rectified early, re-inspected early
        (DEADLINE, DEADLINE, False),
        (DUE_BY, DUE_BY + timedelta(days=40), False),  # the last day of the window is on time
        (DUE_BY + timedelta(days=1), DUE_BY + timedelta(days=1), True),
        (None, DUE_BY, False),  # none yet, the window still open
        (None, DUE_BY + timedelta(days=1), True),  # none yet, the window has passed
    ],
)
def test_a_reinspection_is_late_only_after_the_window_that_follows_the_deadline(reinspected_on, today, late):
    assert reinspection_late(DEADLINE, reinspected_on, RULES, today=today) is late


def test_the_reinspection_window_is_the_rulesets():
    wider = replace(RULES, reinspection_window_days=WINDOW + 10)
    day = DUE_BY + timedelta(days=5)
    assert reinspection_due_by(DEADLINE, wider) == DUE_BY + timedelta(days=10)
    assert (reinspection_late(DEADLINE, day, RULES, today=day), reinspection_late(DEADLINE, day, wider, today=day)) == (
        True,
        False,
    )
