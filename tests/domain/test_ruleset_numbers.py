"""Every number a label, reason or message states comes from the year's RuleSet, never from 2022's text."""

import re
from datetime import date
from types import MappingProxyType

import pytest

from app.core.i18n import ZH_CN, text
from app.domain.calendar import ReportPeriod, period_due_date, period_label
from app.domain.checklist import ChecklistEntry, ChecklistItem, ItemResult, coverage_problems
from app.domain.draw import DrawEnterprise, DrawInspector, DrawRequest, draw
from app.domain.errors import RuleViolation
from app.domain.findings import FindingState, deadline_for, escalation_level, extend_deadline
from app.domain.frequency import RiskFacts, active_factors, required_visits
from app.domain.licence import licence_expiring
from app.domain.reasons import Reason
from app.domain.risk import KeyFlag, RiskClass
from app.domain.ruleset import RULESETS, RuleSet, VisitRange
from app.domain.visit_rules import InspectorOnVisit, duplicate_visit_warning, validate_visit
from app.domain.visit_types import VisitType

OTHER = RuleSet(
    year=2031,
    frequency=MappingProxyType(
        {
            RiskClass.A: VisitRange(2, 2),
            RiskClass.B: VisitRange(2, 4),
            RiskClass.C: VisitRange(4, 5),
            RiskClass.D: VisitRange(5, None),
        }
    ),
    escalation_step=2,
    escalation_cap=4,
    complaint_lookback_months=6,
    risk_alert_lookback_months=6,
    unlicensed_lookback_months=6,
    sampling_lookback_years=2,
    licence_expiry_window_days=60,
    min_inspectors=3,
    deadline_general_days=20,
    deadline_serious_hazard_days=10,
    deadline_violation_days=10,
    max_extension_days=45,
    extensions_allowed=2,
    overdue_days_for_level_2=20,
    duplicate_visit_window_days=14,
    reinspection_window_days=10,
    min_checked_items=8,
    report_due_h1=(7, 5),
    report_due_h2=(11, 15),
)
TODAY = date(2031, 8, 1)

NUMBERS_OF_2022 = [
    "6月25日",
    "10月30日",
    "1-10月",
    "12个月",
    "15天",
    "30天",
    "90天",
    "90日",
    "2名",
    "每年1次",
    "1-2次",
    "2-3次",
    "3次以上",
    "+3次",
    "至30天",
    "最多延期1次",
    "上年度抽查",
    "至少6项",
]


def _messages(call) -> list[str]:
    try:
        call()
    except RuleViolation as violation:
        return [text(p.message, ZH_CN) for p in violation.problems]
    return []


def _labels(reasons: list[Reason] | tuple[Reason, ...]) -> list[str]:
    return [r.label for r in reasons]


def texts_under(ruleset: RuleSet) -> list[str]:
    """Every label, reason and error text the domain produces for one ruleset, over cases that trigger all."""
    texts = [period_label(p, ruleset) for p in ReportPeriod] + [p.label for p in ReportPeriod]
    facts = RiskFacts(
        substantiated_complaint_dates=(date(2031, 5, 1),),
        risk_alert_dates=(date(2031, 5, 1),),
        failed_sampling_dates=(date(2030, 5, 1),),
        licence_expiry_dates=(date(2031, 9, 1),),
        unlicensed_production_dates=(date(2031, 5, 1),),
        key_flags=frozenset(KeyFlag),
    )
    factors = active_factors(TODAY, facts, ruleset)
    texts += _labels(factors)
    for risk_class in RiskClass:
        texts += _labels(required_visits(risk_class, factors, ruleset).reasons)
    deadline = deadline_for("general", date(2031, 6, 1), ruleset)
    for overdue_by in (5, 25):
        state = FindingState(deadline=deadline, closed=False, failed_reinspections=1, refused=True)
        texts += _labels(escalation_level(date.fromordinal(deadline.toordinal() + overdue_by), state, ruleset)[1])
    too_many = ruleset.max_extension_days + 1
    texts += _messages(lambda: extend_deadline(deadline, too_many, "", 9, ruleset, today=date(2031, 12, 31)))
    one_inspector = [InspectorOnVisit("u1", "654201", "X1", None, date(2032, 1, 1), True)]
    texts += _messages(
        lambda: validate_visit(
            today=TODAY,
            visit_date=TODAY,
            visit_type=VisitType.routine_patrol,
            enterprise_county_code="654201",
            inspectors=one_inspector,
            ruleset=ruleset,
        )
    )
    warning = duplicate_visit_warning(TODAY, date(2031, 7, 25), ruleset)
    texts += [warning.label] if warning else []
    nothing_checked = {item: ChecklistEntry(ItemResult.not_applicable) for item in ChecklistItem}
    texts += [text(p.message, ZH_CN) for p in coverage_problems(nothing_checked, licence_holder=True, ruleset=ruleset)]
    lonely = DrawRequest(
        seed=1,
        enterprises=(DrawEnterprise("e1", "654201", RiskClass.B),),
        inspectors=(DrawInspector("i1", "654201"),),
        count=1,
        team_size=ruleset.min_inspectors,
    )
    texts += _messages(lambda: draw(lonely))
    return texts


def test_the_2022_ruleset_states_the_2022_numbers():
    text = " ".join(texts_under(RULESETS[2022]))
    for expected in (
        "6月25日前",
        "10月30日前（1-10月累计）",
        "近12个月",
        "90日内",
        "至少需要2名",
        "延期天数应为1至30天",
        "至少6项",
        "安排2名检查人员",
    ):
        assert expected in text


@pytest.mark.parametrize("number", NUMBERS_OF_2022)
def test_no_text_under_another_ruleset_carries_a_2022_number(number):
    offending = [text for text in texts_under(OTHER) if number in text]
    assert offending == []


@pytest.mark.parametrize(
    "expected",
    [
        "7月5日前（上半年累计）",
        "11月15日前（1-11月累计）",
        "近6个月",
        "60日内",
        "本年度或前2个年度",
        "A类企业每年2次",
        "B类企业每年2-4次",
        "D类企业每年5次以上",
        "+4次",
        "超过20天",
        "延期天数应为1至45天",
        "最多延期2次",
        "至少需要3名",
        "安排3名检查人员",
        "至少8项",
    ],
)
def test_texts_under_another_ruleset_state_its_own_numbers(expected):
    assert any(expected in text for text in texts_under(OTHER))


def test_a_ruleset_free_period_name_states_no_date():
    assert all(not re.search(r"\d", p.label) for p in ReportPeriod)


def test_the_other_ruleset_moves_the_due_dates_and_the_renewal_window():
    assert period_due_date(2031, ReportPeriod.h2, OTHER) == date(2031, 11, 15)
    assert licence_expiring(TODAY, date(2031, 9, 30), OTHER)
    assert not licence_expiring(TODAY, date(2031, 10, 1), OTHER)
