from dataclasses import replace
from datetime import date

import pytest

from app.domain.errors import RuleViolation
from app.domain.permissions import ROLE_PERMISSIONS, Permission, Role, password_min_length, password_problems
from app.domain.ruleset import RULESETS
from app.domain.self_checks import (
    SelfCheckKind,
    check_period,
    missing_monthly_reason,
    months_before,
    period_start,
    weeks_starting_in,
)

RULES = RULESETS[2022]


@pytest.mark.parametrize(
    ("kind", "day", "start"),
    [
        (SelfCheckKind.daily, date(2026, 5, 20), date(2026, 5, 20)),
        (SelfCheckKind.weekly, date(2026, 5, 20), date(2026, 5, 18)),  # a Wednesday: its week began on Monday
        (SelfCheckKind.weekly, date(2026, 5, 18), date(2026, 5, 18)),
        (SelfCheckKind.weekly, date(2026, 3, 1), date(2026, 2, 23)),  # a Sunday: the week began in February
        (SelfCheckKind.monthly, date(2026, 5, 31), date(2026, 5, 1)),
    ],
)
def test_a_self_check_covers_the_day_the_week_from_monday_or_the_calendar_month(kind, day, start):
    assert period_start(kind, day) == start


def test_a_period_that_has_not_begun_cannot_be_filed_but_the_current_one_can():
    today = date(2026, 5, 20)
    assert check_period(SelfCheckKind.monthly, date(2026, 5, 31), today=today) == date(2026, 5, 1)
    with pytest.raises(RuleViolation):
        check_period(SelfCheckKind.daily, date(2026, 5, 21), today=today)
    with pytest.raises(RuleViolation):
        check_period(SelfCheckKind.weekly, date(2026, 5, 25), today=today)


@pytest.mark.parametrize(
    ("month", "n", "before"),
    [
        (date(2026, 5, 1), 3, [date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]),
        (date(2026, 2, 1), 2, [date(2025, 12, 1), date(2026, 1, 1)]),
    ],
)
def test_the_months_before_a_month_cross_the_year(month, n, before):
    assert months_before(month, n) == before


@pytest.mark.parametrize(
    ("filed", "signal"),
    [
        (set(), True),
        ({date(2026, 1, 1)}, True),  # four months ago: outside the window of three
        ({date(2026, 5, 1)}, True),  # the current month does not count: the window is the months before it
        ({date(2026, 2, 1)}, False),
        ({date(2026, 4, 1)}, False),
    ],
)
def test_no_monthly_self_check_for_the_rulesets_months_before_this_one_is_a_signal_with_its_reason(filed, signal):
    reason = missing_monthly_reason(filed, today=date(2026, 5, 20), ruleset=RULES)
    assert (reason is not None) == signal
    if signal:
        assert "近3个月（2026-02至2026-04）" in reason


def test_the_number_of_months_the_signal_states_comes_from_the_ruleset():
    reason = missing_monthly_reason(set(), today=date(2026, 5, 20), ruleset=replace(RULES, self_check_missing_months=2))
    assert reason is not None and "近2个月（2026-03至2026-04）" in reason


@pytest.mark.parametrize(("month", "weeks"), [(date(2026, 6, 1), 5), (date(2026, 2, 1), 4), (date(2026, 3, 1), 5)])
def test_the_weeks_a_month_asks_for_are_the_mondays_in_it(month, weeks):
    assert weeks_starting_in(month) == weeks


def test_an_enterprise_account_holds_only_its_own_enterprise_and_its_inbox():
    assert ROLE_PERMISSIONS[Role.ENTERPRISE_USER] == {
        Permission.OWN_ENTERPRISE_READ,
        Permission.OWN_ENTERPRISE_WRITE,
        Permission.NOTIFICATIONS_READ,
    }
    for role, permissions in ROLE_PERMISSIONS.items():
        if role is not Role.ENTERPRISE_USER:
            assert not permissions & {Permission.OWN_ENTERPRISE_READ, Permission.OWN_ENTERPRISE_WRITE}, role


def test_an_enterprise_account_needs_a_longer_password_than_the_bureaus():
    ten = "Zq7#kWp2!x"
    assert password_problems(ten, min_length=password_min_length(Role.COUNTY_INSPECTOR)) == []
    assert password_problems(ten, min_length=password_min_length(Role.ENTERPRISE_USER)) != []
