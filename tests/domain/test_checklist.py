from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.checklist import (
    ChecklistEntry,
    ChecklistItem,
    Conclusion,
    ItemResult,
    applicable_items,
    checked_items,
    checklist_problems,
    conclusion_problems,
    counts_toward_frequency,
    coverage_problems,
    covers_checklist,
    covers_full_checklist,
    nonconforming_items,
    not_applicable_problems,
    validate_checklist,
)
from app.domain.errors import RuleViolation
from app.domain.ruleset import RULESETS
from app.domain.visit_types import VisitType

C, N, NA = ItemResult.conforming, ItemResult.nonconforming, ItemResult.not_applicable
ALL_CONFORMING = {item: C for item in ChecklistItem}


def without_licence(results):
    return {k: v for k, v in results.items() if k is not ChecklistItem.licence_conditions}


def test_the_checklist_has_the_eleven_items_of_the_plan_in_order():
    assert [item.label for item in ChecklistItem] == [
        "生产环境条件",
        "进货查验",
        "生产过程控制",
        "产品出厂检验",
        "贮存及交付控制",
        "标识标注",
        "不合格品管理",
        "从业人员管理",
        "产品质量安全事项处置",
        "全过程记录",
        "持续满足许可条件",
    ]
    assert all(item.content.endswith("。") for item in ChecklistItem)


@pytest.mark.parametrize(("holder", "count"), [(True, 11), (False, 10)])
def test_licence_conditions_apply_only_to_licence_holders(holder, count):
    items = applicable_items(holder)
    assert len(items) == count
    assert (ChecklistItem.licence_conditions in items) is holder


@pytest.mark.parametrize(
    ("results", "holder", "conclusion"),
    [
        (ALL_CONFORMING, True, Conclusion.conforming),
        (without_licence(ALL_CONFORMING), False, Conclusion.conforming),
        ({**ALL_CONFORMING, ChecklistItem.licence_conditions: NA}, False, Conclusion.conforming),
        ({**ALL_CONFORMING, ChecklistItem.labelling: N}, True, Conclusion.rectification_required),
        ({**ALL_CONFORMING, ChecklistItem.records: NA}, True, Conclusion.conforming),
    ],
)
def test_a_complete_consistent_checklist_is_accepted(results, holder, conclusion):
    validate_checklist(results, holder, conclusion)
    assert covers_full_checklist(results, holder)


def test_every_checklist_problem_is_reported_at_once():
    results = {
        ChecklistItem.production_environment: N,
        ChecklistItem.licence_conditions: C,
        ChecklistItem.records: C,
    }
    with pytest.raises(RuleViolation) as caught:
        validate_checklist(results, licence_holder=False, conclusion=Conclusion.conforming)
    locs = [p.loc for p in caught.value.problems]
    missing = [item for item in applicable_items(False) if item not in results]
    assert locs == [
        *[("checklist", item) for item in missing],
        ("checklist", ChecklistItem.licence_conditions),
        ("conclusion",),
    ]
    assert not covers_full_checklist(results, licence_holder=False)


def test_nonconforming_items_come_back_in_plan_order():
    results = {**ALL_CONFORMING, ChecklistItem.records: N, ChecklistItem.incoming_inspection: N}
    assert nonconforming_items(results) == [ChecklistItem.incoming_inspection, ChecklistItem.records]


@pytest.mark.parametrize(
    ("member", "label"),
    [(C, "符合"), (N, "不符合"), (NA, "不适用"), (Conclusion.rectification_required, "限期整改")],
)
def test_results_and_conclusions_have_chinese_labels(member, label):
    assert member.label == label


# --- what a visit must have checked to count (一次检查，全面体检) -----------------------------------------------

RULES = RULESETS[2022]
GENERAL = [item for item in ChecklistItem if item is not ChecklistItem.licence_conditions]


def entries(results, **notes) -> dict:
    return {item: ChecklistEntry(result, notes.get(item.value)) for item, result in results.items()}


def non_holder_with(n_checked: int, reason: str | None = "本企业无此环节") -> dict:
    """A non-holder's record: the first `n_checked` general items conforming, the rest not applicable."""
    results = {item: (C if k < n_checked else NA) for k, item in enumerate(GENERAL)}
    results[ChecklistItem.licence_conditions] = NA
    return {item: ChecklistEntry(r, reason if r is NA and item in GENERAL else None) for item, r in results.items()}


def test_the_plan_asks_at_least_six_items_actually_checked():
    assert RULES.min_checked_items == 6


def test_a_visit_where_nothing_was_checked_does_not_count():
    record = non_holder_with(0)
    assert not covers_checklist(record, licence_holder=False, ruleset=RULES)
    assert not counts_toward_frequency(
        VisitType.routine_patrol, record, licence_holder=False, conclusion=Conclusion.conforming, ruleset=RULES
    )
    assert [p.loc for p in coverage_problems(record, licence_holder=False, ruleset=RULES)] == [("checklist",)]


@pytest.mark.parametrize(("n_checked", "covers"), [(10, True), (6, True), (5, False), (1, False)])
def test_a_visit_covers_the_checklist_when_enough_items_were_actually_checked(n_checked, covers):
    assert covers_checklist(non_holder_with(n_checked), licence_holder=False, ruleset=RULES) is covers


def test_the_number_of_items_to_check_is_the_rulesets():
    strict = replace(RULES, min_checked_items=10)
    assert not covers_checklist(non_holder_with(9), licence_holder=False, ruleset=strict)
    [problem] = coverage_problems(non_holder_with(9), licence_holder=False, ruleset=strict)
    assert problem.code == "too_few_items_checked"
    assert problem.params == {"min_checked_items": 10, "checked": 9}


@pytest.mark.parametrize(
    ("item", "holder", "needs_reason"),
    [
        (ChecklistItem.licence_conditions, False, False),  # a non-holder: the item does not apply at all
        (ChecklistItem.licence_conditions, True, True),
        (ChecklistItem.records, False, True),
        (ChecklistItem.incident_handling, True, True),
    ],
)
def test_not_applicable_needs_a_written_reason_except_licence_conditions_for_a_non_holder(item, holder, needs_reason):
    results = {item_: C for item_ in applicable_items(holder)} | {item: NA}
    without = entries(results)
    with_reason = entries(results, **{item.value: "本年度未发生质量安全事项"})
    blank = entries(results, **{item.value: "  "})
    expected = [("checklist", item.value, "note")] if needs_reason else []
    assert [p.loc for p in not_applicable_problems(without, licence_holder=holder)] == expected
    assert [p.loc for p in not_applicable_problems(blank, licence_holder=holder)] == expected
    assert not_applicable_problems(with_reason, licence_holder=holder) == []


@pytest.mark.parametrize(
    ("results", "conclusion", "agrees"),
    [
        (ALL_CONFORMING, Conclusion.conforming, True),
        (ALL_CONFORMING, Conclusion.rectification_required, False),
        (ALL_CONFORMING, Conclusion.violation, False),
        ({**ALL_CONFORMING, ChecklistItem.labelling: N}, Conclusion.conforming, False),
        ({**ALL_CONFORMING, ChecklistItem.labelling: N}, Conclusion.rectification_required, True),
        ({**ALL_CONFORMING, ChecklistItem.labelling: N}, Conclusion.violation, True),
    ],
)
def test_a_conclusion_agrees_with_its_items(results, conclusion, agrees):
    problems = conclusion_problems(results, conclusion)
    assert [p.loc for p in problems] == ([] if agrees else [("conclusion",)])
    with_reasons = {item: ChecklistEntry(result, "x") for item, result in results.items()}
    counted = counts_toward_frequency(
        VisitType.routine_patrol, with_reasons, licence_holder=True, conclusion=conclusion, ruleset=RULES
    )
    assert counted is agrees


def test_a_rectification_conclusion_over_conforming_items_is_refused_on_submission():
    with pytest.raises(RuleViolation) as caught:
        validate_checklist(ALL_CONFORMING, True, Conclusion.rectification_required)
    assert [p.loc for p in caught.value.problems] == [("conclusion",)]


def test_every_recording_problem_is_reported_at_once_with_its_loc():
    record = {
        ChecklistItem.production_environment: ChecklistEntry(N, "厂房漏雨"),
        ChecklistItem.records: ChecklistEntry(NA),
        ChecklistItem.licence_conditions: ChecklistEntry(C),
    }
    problems = checklist_problems(record, licence_holder=False, conclusion=Conclusion.conforming)
    missing = [item for item in applicable_items(False) if item not in record]
    assert [p.loc for p in problems] == [
        *[("checklist", item.value) for item in missing],
        ("checklist", ChecklistItem.licence_conditions.value),
        ("checklist", ChecklistItem.records.value, "note"),
        ("conclusion",),
    ]


def test_a_complete_record_with_reasons_has_no_problem_and_counts():
    record = non_holder_with(8) | {ChecklistItem.labelling: ChecklistEntry(N, "未标注厂址")}
    assert checklist_problems(record, licence_holder=False, conclusion=Conclusion.rectification_required) == []
    assert counts_toward_frequency(
        VisitType.double_random,
        record,
        licence_holder=False,
        conclusion=Conclusion.rectification_required,
        ruleset=RULES,
    )


def test_a_reinspection_that_checked_only_its_findings_does_not_count():
    record = {ChecklistItem.labelling: ChecklistEntry(C)}
    assert checklist_problems(record, licence_holder=False, conclusion=Conclusion.conforming, complete=False) == []
    assert not counts_toward_frequency(
        VisitType.reinspection, record, licence_holder=False, conclusion=Conclusion.conforming, ruleset=RULES
    )


def test_checked_items_are_the_conforming_and_nonconforming_ones_in_plan_order():
    results = {ChecklistItem.records: C, ChecklistItem.labelling: NA, ChecklistItem.personnel: N}
    assert checked_items(results) == [ChecklistItem.personnel, ChecklistItem.records]


@pytest.mark.parametrize(("results", "covers"), [({item: NA for item in ChecklistItem}, False), (ALL_CONFORMING, True)])
def test_the_first_wave_flag_no_longer_counts_a_record_where_nothing_was_checked(results, covers):
    assert covers_full_checklist(results, licence_holder=True) is covers


@settings(max_examples=100)
@given(st.dictionaries(st.sampled_from(ChecklistItem), st.sampled_from(ItemResult)), st.booleans())
def test_a_visit_counts_only_if_it_checked_at_least_the_rulesets_number_of_items(results, holder):
    record = {item: ChecklistEntry(result, "理由") for item, result in results.items()}
    conclusion = Conclusion.rectification_required if nonconforming_items(results) else Conclusion.conforming
    counted = counts_toward_frequency(
        VisitType.routine_patrol, record, licence_holder=holder, conclusion=conclusion, ruleset=RULES
    )
    if counted:
        assert len(checked_items(record)) >= RULES.min_checked_items
        assert all(item in results for item in applicable_items(holder))
