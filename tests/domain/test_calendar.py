from datetime import date

import pytest

from app.domain.calendar import ReportPeriod, current_period, is_late, period_due_date, period_range
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


def test_periods_have_chinese_labels():
    assert H1.label == "6月25日前（上半年累计）"
    assert H2.label == "10月30日前（1-10月累计）"
