from dataclasses import replace
from datetime import date

import pytest

from app.domain.calendar import ReportPeriod
from app.domain.reminders import (
    NotificationKind,
    deadlines_reminded_on,
    quarter_end,
    reinspection_reminder_due,
    reminder_due,
    report_reminder_due,
)
from app.domain.ruleset import RULESETS

RULES = RULESETS[2022]
SOON, PASSED = NotificationKind.deadline_soon, NotificationKind.deadline_passed
DEADLINE = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("today", "kind"),
    [
        (date(2026, 11, 28), None),  # four days left
        (date(2026, 11, 29), SOON),  # three days left: the rule's lead time
        (date(2026, 11, 30), None),
        (date(2026, 12, 2), None),  # the deadline day itself is still in time
        (date(2026, 12, 3), PASSED),  # the first overdue day
        (date(2026, 12, 4), None),  # overdue since yesterday: told once, escalation takes over
    ],
)
def test_a_deadline_reminds_three_days_before_and_on_the_first_overdue_day_only(today, kind):
    assert reminder_due(DEADLINE, today, RULES) == kind


@pytest.mark.parametrize("today", [date(2026, 11, 29), date(2026, 12, 3), date(2026, 12, 31), date(2028, 2, 29)])
def test_the_deadlines_reminded_on_a_day_are_those_the_rule_reminds_that_day(today):
    found = deadlines_reminded_on(today, RULES)
    assert set(found) == {SOON, PASSED}
    assert all(reminder_due(deadline, today, RULES) == kind for kind, deadline in found.items())


def test_the_deadline_lead_time_is_the_rulesets():
    five_days = replace(RULES, deadline_reminder_days=5)
    assert reminder_due(DEADLINE, date(2026, 11, 27), five_days) == SOON
    assert reminder_due(DEADLINE, date(2026, 11, 29), five_days) is None


@pytest.mark.parametrize(
    ("today", "due"),
    [
        (date(2026, 5, 7), False),
        (date(2026, 5, 8), True),  # seven days after the report of 2026-05-01
        (date(2026, 5, 9), False),
    ],
)
def test_a_rectification_report_waiting_seven_days_for_its_reinspection_reminds_once(today, due):
    assert reinspection_reminder_due(date(2026, 5, 1), today, RULES) is due


@pytest.mark.parametrize(
    ("today", "period"),
    [
        (date(2026, 6, 17), None),
        (date(2026, 6, 18), ReportPeriod.h1),  # June 25 in seven days
        (date(2026, 6, 19), None),
        (date(2026, 10, 22), None),
        (date(2026, 10, 23), ReportPeriod.h2),  # October 30 in seven days
        (date(2026, 10, 24), None),
    ],
)
def test_a_report_reminds_seven_days_before_its_due_date(today, period):
    assert report_reminder_due(today, RULES) == period


def test_the_report_dates_and_lead_time_are_the_rulesets():
    other = replace(RULES, report_due_h1=(7, 5), report_reminder_days=10)
    assert report_reminder_due(date(2026, 6, 25), other) == ReportPeriod.h1
    assert report_reminder_due(date(2026, 6, 18), other) is None


@pytest.mark.parametrize(
    ("today", "end"),
    [
        (date(2026, 3, 31), True),
        (date(2026, 6, 30), True),
        (date(2026, 9, 30), True),
        (date(2026, 12, 31), True),
        (date(2026, 3, 30), False),
        (date(2026, 4, 1), False),
        (date(2026, 4, 30), False),  # a month's end, not a quarter's
        (date(2026, 2, 28), False),
        (date(2026, 7, 1), False),
    ],
)
def test_a_quarter_ends_on_march_31_june_30_september_30_and_december_31(today, end):
    assert quarter_end(today) is end


def test_every_kind_has_a_chinese_label():
    assert NotificationKind.deadline_soon.label == "整改期限将至"
    assert all(kind.label and kind.label != kind.value for kind in NotificationKind)
