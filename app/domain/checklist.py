"""Rule 6: the on-site checklist 日常监督检查事项 (计划 四) and what a complete record looks like."""

from typing import Self

from app.domain.errors import Problem, raise_if_any
from app.domain.labels import LabelledEnum


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
    conforming = "conforming", "符合"
    nonconforming = "nonconforming", "不符合"
    not_applicable = "not_applicable", "不适用"


class Conclusion(LabelledEnum):
    """计划 七（二）: the visit's overall conclusion."""

    conforming = "conforming", "符合"
    rectification_required = "rectification_required", "限期整改"
    violation = "violation", "涉嫌违法，移交立案查处"


def applicable_items(licence_holder: bool) -> list[ChecklistItem]:
    """计划 四: every item, and 持续满足许可条件 only for holders of a production licence."""
    return [item for item in ChecklistItem if licence_holder or item is not ChecklistItem.licence_conditions]


def validate_checklist(results: dict[ChecklistItem, ItemResult], licence_holder: bool, conclusion: Conclusion) -> None:
    """计划 五、七（二）如实记录检查情况: every applicable item answered, 许可条件 not applicable to a
    non-holder, and no "conforming" conclusion over a nonconforming item. Raises with every problem.
    """
    problems = [
        Problem(("checklist", item.value), f"缺少检查事项“{item.label}” (missing checklist item)")
        for item in applicable_items(licence_holder)
        if item not in results
    ]
    licence_result = results.get(ChecklistItem.licence_conditions)
    if not licence_holder and licence_result not in (None, ItemResult.not_applicable):
        problems.append(
            Problem(
                ("checklist", ChecklistItem.licence_conditions.value),
                "企业未持有生产许可证，该项应为“不适用” (must be not_applicable for a non-holder)",
            )
        )
    if conclusion == Conclusion.conforming and nonconforming_items(results):
        problems.append(
            Problem(
                ("conclusion",),
                "存在不符合项，检查结论不能为“符合” (conclusion cannot be conforming with nonconforming items)",
            )
        )
    raise_if_any(problems)


def covers_full_checklist(results: dict[ChecklistItem, ItemResult], licence_holder: bool) -> bool:
    """计划 七（二）一次检查，全面体检: every applicable item has an answer (any of the three)."""
    return all(results.get(item) in set(ItemResult) for item in applicable_items(licence_holder))


def nonconforming_items(results: dict[ChecklistItem, ItemResult]) -> list[ChecklistItem]:
    """计划 七（二）: items found nonconforming, in plan order; each becomes a finding 限期整改."""
    return [item for item in ChecklistItem if results.get(item) == ItemResult.nonconforming]
