from datetime import date, timedelta

import pytest

from app.domain.calendar import ReportPeriod
from app.domain.errors import RuleViolation
from app.domain.reporting import (
    DisclosurePeriod,
    FollowUpStep,
    MediaLevel,
    StepDone,
    SubmissionKind,
    counts_as_media_adoption,
    disclosure_range,
    follow_up_step_problems,
    rectification_status,
    report_status,
    submission_kind,
)
from app.domain.ruleset import ruleset_for

RULES = ruleset_for(2026)
H1, H2 = ReportPeriod.h1, ReportPeriod.h2


@pytest.mark.parametrize(
    ("today", "period", "already", "expected"),
    [
        (date(2026, 6, 24), H1, False, SubmissionKind.on_time),
        (date(2026, 6, 25), H1, True, SubmissionKind.on_time),  # the due date itself is in time
        (date(2026, 6, 26), H1, False, SubmissionKind.late),
        (date(2026, 6, 26), H1, True, SubmissionKind.closed),
        (date(2026, 10, 30), H2, True, SubmissionKind.on_time),
        (date(2026, 10, 31), H2, False, SubmissionKind.late),
    ],
)
def test_submission_kind_follows_the_due_dates(today, period, already, expected) -> None:
    assert submission_kind(today, 2026, period, RULES, already_submitted=already) is expected


def test_a_year_that_has_not_begun_cannot_be_reported() -> None:
    with pytest.raises(RuleViolation):
        submission_kind(date(2026, 12, 31), 2027, H1, RULES, already_submitted=False)


@pytest.mark.parametrize(
    ("today", "submitted_on", "expected"),
    [
        (date(2026, 6, 26), date(2026, 6, 25), "submitted"),
        (date(2026, 6, 26), date(2026, 6, 26), "late"),
        (date(2026, 6, 26), None, "missing"),
        (date(2026, 6, 25), None, "pending"),
    ],
)
def test_report_status(today, submitted_on, expected) -> None:
    assert report_status(today, date(2026, 6, 25), submitted_on) == expected


N, R, S, C = FollowUpStep.notified, FollowUpStep.rectification_ordered, FollowUpStep.resampled, FollowUpStep.closed
D = date(2026, 4, 1)


@pytest.mark.parametrize(
    ("done", "kind", "qualified", "locs"),
    [
        ((), N, None, []),
        ((), R, None, [("kind",)]),
        ((StepDone(N, D),), R, None, []),
        ((StepDone(N, D), StepDone(R, D)), S, None, [("qualified",)]),
        ((StepDone(N, D), StepDone(R, D), StepDone(S, D, False)), C, None, [("kind",)]),
        ((StepDone(N, D), StepDone(R, D), StepDone(S, D, False)), S, True, []),
        ((StepDone(N, D), StepDone(R, D), StepDone(S, D, True)), C, None, []),
        ((StepDone(N, D), StepDone(R, D), StepDone(S, D, True), StepDone(C, D)), S, True, [("kind",)]),
    ],
)
def test_follow_up_steps_go_in_order(done, kind, qualified, locs) -> None:
    problems = follow_up_step_problems(date(2026, 6, 1), D, done, kind, D, qualified)
    assert [p.loc for p in problems] == locs


@pytest.mark.parametrize(
    ("counts", "label"),
    [((0, 0, 0), "无需整改"), ((2, 1, 0), "整改中"), ((2, 1, 1), "逾期未整改"), ((2, 0, 0), "已整改")],
)
def test_rectification_status_for_the_public(counts, label) -> None:
    assert rectification_status(*counts).label == label


@pytest.mark.parametrize("year", [2024, 2026])  # a leap year and a common one
def test_every_day_of_the_year_lies_in_exactly_one_disclosure_half(year) -> None:
    day, last = date(year, 1, 1), date(year, 12, 31)
    while day <= last:
        holders = [p for p in DisclosurePeriod if disclosure_range(year, p)[0] <= day <= disclosure_range(year, p)[1]]
        assert len(holders) == 1, day
        day += timedelta(days=1)


def test_the_days_after_the_last_report_due_date_are_in_the_second_half() -> None:
    start, end = disclosure_range(2026, DisclosurePeriod.h2)
    assert start <= date(2026, 10, 31) and date(2026, 11, 29) <= end == date(2026, 12, 31)


@pytest.mark.parametrize(
    ("adopted", "level", "counts"),
    [
        (True, MediaLevel.national, True),
        (True, MediaLevel.province, True),
        (True, MediaLevel.prefecture, True),
        (True, MediaLevel.county, False),  # 计划 八: 地区级以上 only
        (True, None, False),
        (False, MediaLevel.national, False),
    ],
)
def test_only_prefecture_level_media_and_above_count_as_an_adoption(adopted, level, counts) -> None:
    assert counts_as_media_adoption(adopted, level) is counts
