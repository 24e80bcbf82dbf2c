from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.schedule import behind_schedule, due_dates, next_due, visits_due_by
from app.domain.visit_types import SupervisoryFunction, VisitType, counts_toward_frequency


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, []),
        (1, [date(2022, 12, 31)]),
        (2, [date(2022, 6, 30), date(2022, 12, 31)]),
        (3, [date(2022, 4, 30), date(2022, 8, 31), date(2022, 12, 31)]),
        (4, [date(2022, 3, 31), date(2022, 6, 30), date(2022, 9, 30), date(2022, 12, 31)]),
        (
            5,
            [date(2022, 3, 31), date(2022, 5, 31), date(2022, 8, 31), date(2022, 10, 31), date(2022, 12, 31)],
        ),
    ],
)
def test_visits_are_spread_evenly_to_month_ends(n, expected):
    assert due_dates(2022, n) == expected


def test_a_february_due_date_respects_leap_years():
    assert due_dates(2024, 6)[0] == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("today", "required", "done", "due", "behind", "next_date"),
    [
        (date(2022, 6, 30), 2, 0, 0, False, date(2022, 6, 30)),
        (date(2022, 7, 1), 2, 0, 1, True, date(2022, 6, 30)),
        (date(2022, 7, 1), 2, 1, 1, False, date(2022, 12, 31)),
        (date(2023, 1, 1), 3, 2, 3, True, date(2022, 12, 31)),
        (date(2023, 1, 1), 3, 3, 3, False, None),
        (date(2021, 12, 1), 3, 0, 0, False, date(2022, 4, 30)),
    ],
)
def test_an_enterprise_is_behind_when_fewer_visits_are_done_than_have_fallen_due(
    today, required, done, due, behind, next_date
):
    assert visits_due_by(today, 2022, required) == due
    assert behind_schedule(today, 2022, done, required) is behind
    assert next_due(today, 2022, done, required) == next_date


@settings(max_examples=100)
@given(st.integers(min_value=2000, max_value=2100), st.integers(min_value=0, max_value=40))
def test_a_schedule_is_monotone_has_n_dates_and_ends_by_december_31(year, n):
    dates = due_dates(year, n)
    assert len(dates) == n
    assert dates == sorted(dates)
    assert all(d.year == year for d in dates)
    if n:
        assert dates[-1] == date(year, 12, 31)


@settings(max_examples=100)
@given(st.dates(min_value=date(2022, 1, 1), max_value=date(2022, 12, 31)), st.integers(0, 12))
def test_visits_due_never_decrease_as_the_year_goes_on(today, n):
    assert visits_due_by(today, 2022, n) <= visits_due_by(date(2023, 1, 1), 2022, n) == n


@pytest.mark.parametrize("visit_type", list(VisitType))
@pytest.mark.parametrize("full_checklist", [True, False])
def test_every_on_site_visit_counts_toward_frequency_only_as_a_full_check(visit_type, full_checklist):
    assert counts_toward_frequency(visit_type, full_checklist) is full_checklist


@pytest.mark.parametrize(
    ("member", "label"),
    [
        (VisitType.routine_patrol, "日常巡查"),
        (VisitType.licence_review, "生产许可监督评审"),
        (VisitType.reinspection, "复查回访"),
        (SupervisoryFunction.special_equipment, "特种设备"),
        (SupervisoryFunction.licensing, "许可"),
    ],
)
def test_visit_types_and_functions_have_chinese_labels(member, label):
    assert member.label == label
