from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.calendar import (
    ReportPeriod,
    current_period,
    is_late,
    months_before,
    period_due_date,
    period_label,
    period_range,
    within_months,
)
from app.domain.ruleset import RULESETS

RULES = RULESETS[2022]
H1, H2 = ReportPeriod.h1, ReportPeriod.h2


@pytest.mark.parametrize(("period", "due"), [(H1, date(2022, 6, 25)), (H2, date(2022, 10, 30))])
def test_reports_are_due_june_25_and_october_30_and_cover_the_year_so_far(period, due):
    assert period_due_date(2022, period, RULES) == due
    assert period_range(2022, period) == (date(2022, 1, 1), due)


@pytest.mark.parametrize(
    ("submitted_on", "period", "late"),
    [
        (date(2022, 6, 25), H1, False),
        (date(2022, 6, 26), H1, True),
        (date(2022, 10, 30), H2, False),
        (date(2022, 10, 31), H2, True),
    ],
)
def test_a_report_after_its_due_date_is_late(submitted_on, period, late):
    assert is_late(submitted_on, 2022, period, RULES) is late


@pytest.mark.parametrize(
    ("today", "period"),
    [
        (date(2022, 1, 1), H1),
        (date(2022, 6, 25), H1),
        (date(2022, 6, 26), H2),
        (date(2022, 10, 30), H2),
        (date(2022, 10, 31), None),
    ],
)
def test_the_current_period_is_the_next_one_still_due_this_year(today, period):
    assert current_period(today, RULES) == period


def test_a_period_label_states_the_rulesets_due_date():
    assert period_label(H1, RULES) == "6月25日前（上半年累计）"
    assert period_label(H2, RULES) == "10月30日前（1-10月累计）"


def test_a_period_also_has_a_name_that_holds_whatever_the_due_dates():
    assert (H1.label, H2.label) == ("第一次报送（上半年累计）", "第二次报送（年内累计）")


@pytest.mark.parametrize(
    ("day", "months", "earlier"),
    [
        (date(2024, 3, 1), 12, date(2023, 3, 1)),
        (date(2022, 6, 1), 12, date(2021, 6, 1)),
        (date(2024, 2, 29), 12, date(2023, 2, 28)),  # no Feb 29 a year earlier: the month's last day
        (date(2028, 2, 29), 48, date(2024, 2, 29)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2023, 3, 31), 1, date(2023, 2, 28)),
        (date(2024, 1, 15), 13, date(2022, 12, 15)),
        (date(2024, 7, 31), 6, date(2024, 1, 31)),
        (date(2024, 5, 9), 0, date(2024, 5, 9)),
    ],
)
def test_months_before_is_the_same_date_so_many_calendar_months_earlier(day, months, earlier):
    assert months_before(day, months) == earlier


def test_months_before_refuses_a_negative_number_of_months():
    with pytest.raises(ValueError, match="months"):
        months_before(date(2024, 1, 1), -1)


@settings(max_examples=100)
@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2099, 12, 31)))
def test_twelve_months_before_is_a_year_earlier_and_365_or_366_days_back(day):
    earlier = months_before(day, 12)
    assert earlier.year == day.year - 1 and earlier.month == day.month
    assert 365 <= (day - earlier).days <= 366


@pytest.mark.parametrize(
    ("today", "day", "inside"),
    [
        (date(2024, 3, 1), date(2023, 3, 1), True),  # the same date a year ago is in
        (date(2024, 3, 1), date(2023, 2, 28), False),  # the day before is out
        (date(2022, 6, 1), date(2021, 6, 1), True),
        (date(2022, 6, 1), date(2021, 5, 31), False),
        (date(2024, 2, 29), date(2023, 2, 28), True),
        (date(2024, 2, 29), date(2023, 2, 27), False),
        (date(2025, 2, 28), date(2024, 2, 28), True),
        (date(2025, 2, 28), date(2024, 2, 27), False),
        (date(2024, 3, 1), date(2024, 3, 1), True),  # today is in
        (date(2024, 3, 1), date(2024, 3, 2), False),  # the future is not
    ],
)
def test_a_twelve_month_window_runs_from_the_same_date_a_year_ago_to_today(today, day, inside):
    assert within_months(day, today, 12) is inside
