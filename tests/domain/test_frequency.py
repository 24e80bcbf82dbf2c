from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.frequency import (
    RiskFacts,
    active_factors,
    earliest_relevant_date,
    is_key_supervision,
    required_visits,
)
from app.domain.reasons import Reason
from app.domain.risk import KeyFlag, RiskClass
from app.domain.ruleset import RULESETS, ruleset_for

RULES = RULESETS[2022]
TODAY = date(2022, 7, 1)


def codes(reasons) -> list[str]:
    return [r.code for r in reasons]


@pytest.mark.parametrize(
    ("risk_class", "minimum", "maximum", "base_label"),
    [
        (RiskClass.A, 1, 1, "A类企业每年1次"),
        (RiskClass.B, 1, 2, "B类企业每年1-2次"),
        (RiskClass.C, 2, 3, "C类企业每年2-3次"),
        (RiskClass.D, 3, None, "D类企业每年3次以上"),
    ],
)
def test_an_enterprise_with_no_risk_factor_needs_its_class_base_visits(risk_class, minimum, maximum, base_label):
    requirement = required_visits(risk_class, [], RULES)
    assert (requirement.minimum, requirement.maximum, requirement.escalation) == (minimum, maximum, 0)
    assert requirement.reasons == (Reason("base_frequency", base_label),)


def test_a_d_class_enterprise_with_a_failed_sampling_needs_four_visits():
    factors = active_factors(TODAY, RiskFacts(failed_sampling_dates=(date(2022, 3, 1),)), RULES)
    requirement = required_visits(RiskClass.D, factors, RULES)
    assert (requirement.minimum, requirement.maximum) == (4, None)
    assert codes(requirement.reasons) == ["base_frequency", "failed_sampling"]
    assert "列为后续监管重点" in requirement.reasons[1].label


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (RiskFacts(), []),
        (RiskFacts(substantiated_complaint_dates=(date(2021, 7, 1),)), ["complaint"]),
        (RiskFacts(substantiated_complaint_dates=(date(2021, 6, 30),)), []),
        (RiskFacts(substantiated_complaint_dates=(date(2022, 7, 2),)), []),
        (RiskFacts(risk_alert_dates=(date(2022, 1, 5),)), ["risk_monitoring"]),
        (RiskFacts(failed_sampling_dates=(date(2021, 1, 1),)), ["failed_sampling"]),
        (RiskFacts(failed_sampling_dates=(date(2020, 12, 31),)), []),
        (RiskFacts(licence_expiry_dates=(date(2022, 9, 29),)), ["licence_renewal"]),
        (RiskFacts(licence_expiry_dates=(date(2022, 9, 30),)), []),
        (RiskFacts(licence_expiry_dates=(date(2022, 5, 1),)), ["licence_renewal"]),
        (RiskFacts(licence_expiry_dates=(date(2022, 5, 1),), operating=False), []),
        (RiskFacts(licence_expiry_dates=(date(2022, 8, 1),), operating=False), ["licence_renewal"]),
        (RiskFacts(unlicensed_production_dates=(date(2022, 2, 1),)), ["unlicensed_production"]),
        (RiskFacts(key_flags=frozenset({KeyFlag.product, KeyFlag.industry})), ["key_supervision"]),
    ],
)
def test_each_risk_factor_is_active_only_inside_its_window(facts, expected):
    assert codes(active_factors(TODAY, facts, RULES)) == expected


def test_active_factors_come_in_the_plan_order():
    facts = RiskFacts(
        substantiated_complaint_dates=(date(2022, 1, 1),),
        risk_alert_dates=(date(2022, 1, 1),),
        failed_sampling_dates=(date(2022, 1, 1),),
        licence_expiry_dates=(date(2022, 8, 1),),
        unlicensed_production_dates=(date(2022, 1, 1),),
        key_flags=frozenset({KeyFlag.region}),
    )
    assert codes(active_factors(TODAY, facts, RULES)) == [
        "complaint",
        "risk_monitoring",
        "failed_sampling",
        "licence_renewal",
        "unlicensed_production",
        "key_supervision",
    ]


def test_the_key_supervision_label_lists_every_flag_in_order():
    facts = RiskFacts(key_flags=frozenset(KeyFlag))
    [reason] = active_factors(TODAY, facts, RULES)
    assert reason.label == "重点监管：重点行业、重点区域、重点企业、重点产品"


@pytest.mark.parametrize(
    ("risk_class", "n_factors", "minimum", "maximum", "capped"),
    [
        (RiskClass.A, 1, 2, 2, False),
        (RiskClass.B, 2, 3, 4, False),
        (RiskClass.C, 3, 5, 6, False),
        (RiskClass.C, 5, 5, 6, True),
        (RiskClass.D, 6, 6, None, True),
    ],
)
def test_each_factor_adds_one_visit_up_to_three(risk_class, n_factors, minimum, maximum, capped):
    factors = [Reason(f"f{i}", f"因素{i}") for i in range(n_factors)]
    requirement = required_visits(risk_class, factors, RULES)
    assert (requirement.minimum, requirement.maximum) == (minimum, maximum)
    assert requirement.escalation == min(n_factors, 3)
    assert list(requirement.reasons[1 : 1 + n_factors]) == factors
    assert ("escalation_capped" in codes(requirement.reasons)) is capped


@pytest.mark.parametrize(
    ("facts", "key"),
    [
        (RiskFacts(), False),
        (RiskFacts(failed_sampling_dates=(date(2021, 11, 1),)), True),
        (RiskFacts(failed_sampling_dates=(date(2019, 11, 1),)), False),
        (RiskFacts(key_flags=frozenset({KeyFlag.enterprise})), True),
    ],
)
def test_a_failed_sampling_or_a_key_flag_makes_a_key_supervision_target(facts, key):
    assert is_key_supervision(TODAY, facts, RULES) is key


@pytest.mark.parametrize(("year", "ruleset_year"), [(2022, 2022), (2026, 2022), (2010, 2022)])
def test_a_year_uses_the_newest_ruleset_not_after_it(year, ruleset_year):
    assert ruleset_for(year).year == ruleset_year


# --- properties -------------------------------------------------------------------------------------

dates = st.dates(min_value=date(2019, 1, 1), max_value=date(2023, 12, 31))
date_tuples = st.lists(dates, max_size=3).map(tuple)
facts_strategy = st.builds(
    RiskFacts,
    substantiated_complaint_dates=date_tuples,
    risk_alert_dates=date_tuples,
    failed_sampling_dates=date_tuples,
    licence_expiry_dates=date_tuples,
    operating=st.booleans(),
    unlicensed_production_dates=date_tuples,
    key_flags=st.frozensets(st.sampled_from(KeyFlag)),
)
classes = st.sampled_from(RiskClass)


@settings(max_examples=80)
@given(classes, facts_strategy, dates, dates)
def test_more_risk_facts_never_lower_the_requirement(risk_class, facts, today, extra):
    more = RiskFacts(
        substantiated_complaint_dates=(*facts.substantiated_complaint_dates, extra),
        risk_alert_dates=facts.risk_alert_dates,
        failed_sampling_dates=(*facts.failed_sampling_dates, extra),
        licence_expiry_dates=facts.licence_expiry_dates,
        operating=facts.operating,
        unlicensed_production_dates=facts.unlicensed_production_dates,
        key_flags=facts.key_flags | {KeyFlag.product},
    )
    fewer = required_visits(risk_class, active_factors(today, facts, RULES), RULES)
    greater = required_visits(risk_class, active_factors(today, more, RULES), RULES)
    assert greater.minimum >= fewer.minimum
    assert set(codes(fewer.reasons)) - {"escalation_capped"} <= set(codes(greater.reasons))


@settings(max_examples=100)
@given(st.integers(min_value=0, max_value=8), st.integers(min_value=0, max_value=8))
def test_adding_factors_never_lowers_and_the_cap_holds(n, extra):
    for risk_class in RiskClass:
        fewer = required_visits(risk_class, [Reason("x", "x")] * n, RULES)
        more = required_visits(risk_class, [Reason("x", "x")] * (n + extra), RULES)
        assert more.minimum >= fewer.minimum
        assert 0 <= more.escalation <= RULES.escalation_cap
        assert more.minimum - RULES.visits_for(risk_class).minimum <= RULES.escalation_cap


@settings(max_examples=50)
@given(st.integers(min_value=0, max_value=8))
def test_d_needs_at_least_as_much_as_c_then_b_then_a(n):
    factors = [Reason("x", "x")] * n
    minimums = [required_visits(c, factors, RULES).minimum for c in (RiskClass.A, RiskClass.B, RiskClass.C)]
    minimums.append(required_visits(RiskClass.D, factors, RULES).minimum)
    assert minimums == sorted(minimums)


@pytest.mark.parametrize("field", ["substantiated_complaint_dates", "risk_alert_dates", "unlicensed_production_dates"])
@pytest.mark.parametrize(
    ("today", "day", "active"),
    [
        (date(2024, 3, 1), date(2023, 3, 1), True),
        (date(2024, 3, 1), date(2023, 2, 28), False),
        (date(2022, 6, 1), date(2021, 6, 1), True),
        (date(2024, 2, 29), date(2023, 2, 28), True),
        (date(2024, 2, 29), date(2023, 2, 27), False),
    ],
)
def test_twelve_months_back_are_calendar_months_since_the_same_date_a_year_ago(field, today, day, active):
    factors = active_factors(today, RiskFacts(**{field: (day,)}), RULES)
    assert bool(factors) is active


def test_the_look_back_windows_are_counted_in_months():
    assert (RULES.complaint_lookback_months, RULES.risk_alert_lookback_months, RULES.unlicensed_lookback_months) == (
        12,
        12,
        12,
    )


@pytest.mark.parametrize(
    ("today", "start"),
    [
        (date(2022, 7, 1), date(2021, 1, 1)),  # the sampling window (last year and this) reaches furthest back
        (date(2024, 2, 29), date(2023, 1, 1)),
    ],
)
def test_the_earliest_relevant_fact_date_covers_every_window(today, start):
    assert earliest_relevant_date(today, RULES) == start


def test_a_longer_complaint_window_reaches_further_back_than_the_sampling_window():
    rules = replace(RULES, complaint_lookback_months=30)
    assert earliest_relevant_date(date(2024, 3, 31), rules) == date(2021, 9, 30)
