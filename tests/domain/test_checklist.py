import pytest

from app.domain.checklist import (
    ChecklistItem,
    Conclusion,
    ItemResult,
    applicable_items,
    covers_full_checklist,
    nonconforming_items,
    validate_checklist,
)
from app.domain.errors import RuleViolation

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
