"""Rule 6: the on-site checklist 日常监督检查事项 (计划 四) and what a complete record looks like."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self

from app.domain.errors import Message, Problem, raise_if_any
from app.domain.labels import LabelledEnum
from app.domain.ruleset import RuleSet
from app.domain.visit_types import VisitType
from app.domain.visit_types import counts_toward_frequency as counts_by_type


class ChecklistItem(LabelledEnum):
    """计划 四、日常监督检查事项, in the plan's order."""

    content: str

    def __new__(cls, value: str, label: str, content: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        member.content = content
        return member

    production_environment = (
        "production_environment",
        "生产环境条件",
        "生产场所、设备设施、检验仪器是否与所生产产品相适应并保持正常运行。",
    )
    incoming_inspection = (
        "incoming_inspection",
        "进货查验",
        "是否对原辅材料、零部件进行进货查验并保存供货方资质和查验记录。",
    )
    process_control = (
        "process_control",
        "生产过程控制",
        "是否按照工艺文件和作业指导书组织生产并对关键工序实施控制。",
    )
    outgoing_inspection = (
        "outgoing_inspection",
        "产品出厂检验",
        "是否按标准规定逐批实施出厂检验，检验合格后方可出厂并保存检验记录。",
    )
    storage_delivery = (
        "storage_delivery",
        "贮存及交付控制",
        "产品贮存条件是否符合要求，交付、销售记录是否完整可追溯。",
    )
    labelling = (
        "labelling",
        "标识标注",
        "产品及包装标识是否符合法律法规和标准要求，是否存在伪造、冒用标志等情形。",
    )
    nonconforming_products = (
        "nonconforming_products",
        "不合格品管理",
        "是否对不合格原材料、半成品和成品进行标识、隔离、评审和处置并留存记录。",
    )
    personnel = (
        "personnel",
        "从业人员管理",
        "关键岗位人员是否具备相应能力并经培训考核，检验人员是否具备相应资格。",
    )
    incident_handling = (
        "incident_handling",
        "产品质量安全事项处置",
        "是否建立并落实产品质量安全事故报告、召回及投诉处理制度。",
    )
    records = (
        "records",
        "全过程记录",
        "采购、生产、检验、销售等全过程记录是否真实、完整并按规定保存。",
    )
    licence_conditions = (
        "licence_conditions",
        "持续满足许可条件",
        "取得生产许可证的企业是否持续保持生产许可所要求的条件并在许可范围内生产。",
    )


class ItemResult(LabelledEnum):
    conforming = "符合"
    nonconforming = "不符合"
    not_applicable = "不适用"


class Conclusion(LabelledEnum):
    """计划 七（二）: the visit's overall conclusion."""

    conforming = "符合"
    rectification_required = "限期整改"
    violation = "涉嫌违法，移交立案查处"


@dataclass(frozen=True)
class ChecklistEntry:
    """One item as recorded on the form: its result and the inspector's note (for "not applicable", the reason)."""

    result: ItemResult
    note: str | None = None


Record = Mapping[ChecklistItem, ChecklistEntry] | Mapping[ChecklistItem, ItemResult]
"""A visit's checklist; plain results are read as entries without a note."""


def _entry(value: ChecklistEntry | ItemResult) -> ChecklistEntry:
    return value if isinstance(value, ChecklistEntry) else ChecklistEntry(ItemResult(value))


def _result(value: ChecklistEntry | ItemResult | None) -> ItemResult | None:
    return None if value is None else _entry(value).result


def applicable_items(licence_holder: bool) -> list[ChecklistItem]:
    """计划 四: every item, and 持续满足许可条件 only for holders of a production licence."""
    return [item for item in ChecklistItem if licence_holder or item is not ChecklistItem.licence_conditions]


def nonconforming_items(record: Record) -> list[ChecklistItem]:
    """计划 七（二）: items found nonconforming, in plan order; each becomes a finding 限期整改."""
    return [item for item in ChecklistItem if _result(record.get(item)) == ItemResult.nonconforming]


def checked_items(record: Record) -> list[ChecklistItem]:
    """Items actually checked — found conforming or nonconforming — in plan order."""
    checked = (ItemResult.conforming, ItemResult.nonconforming)
    return [item for item in ChecklistItem if _result(record.get(item)) in checked]


def _missing_problems(record: Record, licence_holder: bool) -> list[Problem]:
    return [
        Problem(("checklist", item.value), "missing_checklist_item", item=item)
        for item in applicable_items(licence_holder)
        if item not in record
    ]


def _licence_item_problems(record: Record, licence_holder: bool) -> list[Problem]:
    licence_result = _result(record.get(ChecklistItem.licence_conditions))
    if licence_holder or licence_result in (None, ItemResult.not_applicable):
        return []
    return [
        Problem(
            ("checklist", ChecklistItem.licence_conditions.value),
            "licence_item_not_applicable_for_non_holder",
        )
    ]


def not_applicable_problems(record: Record, *, licence_holder: bool) -> list[Problem]:
    """计划 七（二）一次检查，全面体检: every item applies to every manufacturer, so "not applicable" needs a
    written reason in the item's note — except 持续满足许可条件 for an enterprise that holds no licence,
    which does not apply by definition. One problem per item, at ("checklist", item, "note").
    """
    problems = []
    for item in ChecklistItem:
        entry = record.get(item)
        if entry is None or _entry(entry).result != ItemResult.not_applicable:
            continue
        if item is ChecklistItem.licence_conditions and not licence_holder:
            continue
        if not (_entry(entry).note or "").strip():
            problems.append(
                Problem(
                    ("checklist", item.value, "note"),
                    "not_applicable_item_needs_written_reason",
                    item=item,
                )
            )
    return problems


def conclusion_problems(record: Record, conclusion: Conclusion) -> list[Problem]:
    """计划 七（二）如实记录检查情况: the conclusion agrees with the items — "conforming" over no nonconforming
    item; "rectification required" or "violation" over at least one."""
    found = bool(nonconforming_items(record))
    conclusion = Conclusion(conclusion)
    if conclusion == Conclusion.conforming and found:
        msg = Message("conclusion_conforming_with_nonconforming_items")
    elif conclusion != Conclusion.conforming and not found:
        msg = Message("conclusion_needs_nonconforming_item", conclusion=conclusion)
    else:
        return []
    return [Problem(("conclusion",), msg)]


def checklist_problems(
    record: Record, *, licence_holder: bool, conclusion: Conclusion, complete: bool = True
) -> list[Problem]:
    """计划 四、五、七（二）: what a recorded checklist must satisfy to be archived, every problem at once —
    each applicable item answered (unless `complete` is False, as for a re-inspection that checks only its
    findings), 许可条件 not applicable to a non-holder, a reason for every other "not applicable", and a
    conclusion that agrees with the items.
    """
    return [
        *(_missing_problems(record, licence_holder) if complete else []),
        *_licence_item_problems(record, licence_holder),
        *not_applicable_problems(record, licence_holder=licence_holder),
        *conclusion_problems(record, conclusion),
    ]


def coverage_problems(record: Record, *, licence_holder: bool, ruleset: RuleSet) -> list[Problem]:
    """Why a record is not a full check (一次检查，全面体检): an applicable item unanswered, a "not
    applicable" without its reason, or fewer than the RuleSet's `min_checked_items` items actually checked."""
    problems = [
        *_missing_problems(record, licence_holder),
        *not_applicable_problems(record, licence_holder=licence_holder),
    ]
    checked = len(checked_items(record))
    if checked < ruleset.min_checked_items:
        problems.append(
            Problem(
                ("checklist",),
                "too_few_items_checked",
                min_checked_items=ruleset.min_checked_items,
                checked=checked,
            )
        )
    return problems


def covers_checklist(record: Record, *, licence_holder: bool, ruleset: RuleSet) -> bool:
    """The record is a full check: see `coverage_problems`."""
    return not coverage_problems(record, licence_holder=licence_holder, ruleset=ruleset)


def frequency_problems(
    visit_type: VisitType, record: Record, *, licence_holder: bool, conclusion: Conclusion, ruleset: RuleSet
) -> list[Problem]:
    """Why a visit does not count toward the yearly frequency: it is no full check, or its conclusion
    disagrees with its items. Every on-site visit type counts once it passes (计划 六（第二段））."""
    if not counts_by_type(visit_type, covered_full_checklist=True):
        return [Problem(("visit_type",), "visit_type_does_not_count")]
    return [
        *coverage_problems(record, licence_holder=licence_holder, ruleset=ruleset),
        *conclusion_problems(record, conclusion),
    ]


def counts_toward_frequency(
    visit_type: VisitType, record: Record, *, licence_holder: bool, conclusion: Conclusion, ruleset: RuleSet
) -> bool:
    """计划 六: a visit counts toward the frequency only if it actually checked the items (a full check with at
    least `min_checked_items` checked) and its conclusion agrees with them. See `frequency_problems`."""
    return not frequency_problems(
        visit_type, record, licence_holder=licence_holder, conclusion=conclusion, ruleset=ruleset
    )


def validate_checklist(results: Record, licence_holder: bool, conclusion: Conclusion) -> None:
    """The first-wave check, kept for its callers: every applicable item answered, 许可条件 not applicable to a
    non-holder, and a conclusion that agrees with the items. It cannot see notes: `checklist_problems` with
    the entries also asks a reason for every "not applicable". Raises with every problem.
    """
    raise_if_any(
        [
            *_missing_problems(results, licence_holder),
            *_licence_item_problems(results, licence_holder),
            *conclusion_problems(results, conclusion),
        ]
    )


def covers_full_checklist(results: Record, licence_holder: bool) -> bool:
    """The first-wave flag, kept for its callers: every applicable item answered and at least one actually
    checked. `covers_checklist` with the entries and the RuleSet is the full rule."""
    answered = all(_result(results.get(item)) is not None for item in applicable_items(licence_holder))
    return answered and bool(checked_items(results))
