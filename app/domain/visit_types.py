"""Rule 3: which on-site visits count toward the yearly frequency, and the functions one visit covers."""

from enum import StrEnum


class VisitType(StrEnum):
    """计划 三、六: forms of on-site inspection (检查形式)."""

    routine_patrol = "routine_patrol"
    cross_inspection = "cross_inspection"
    flight_inspection = "flight_inspection"
    double_random = "double_random"
    licence_review = "licence_review"
    post_licence = "post_licence"
    reinspection = "reinspection"

    @property
    def label(self) -> str:
        return _VISIT_LABELS[self]


_VISIT_LABELS = {
    VisitType.routine_patrol: "日常巡查",
    VisitType.cross_inspection: "交叉互查",
    VisitType.flight_inspection: "飞行检查",
    VisitType.double_random: "双随机抽查",
    VisitType.licence_review: "生产许可监督评审",
    VisitType.post_licence: "证后监督检查",
    VisitType.reinspection: "复查回访",
}


class SupervisoryFunction(StrEnum):
    """计划 七（三）: functions one visit may also cover, to avoid repeated inspection (避免重复检查)."""

    metrology = "metrology"
    standardisation = "standardisation"
    special_equipment = "special_equipment"
    advertising = "advertising"
    licensing = "licensing"

    @property
    def label(self) -> str:
        return _FUNCTION_LABELS[self]


_FUNCTION_LABELS = {
    SupervisoryFunction.metrology: "计量",
    SupervisoryFunction.standardisation: "标准化",
    SupervisoryFunction.special_equipment: "特种设备",
    SupervisoryFunction.advertising: "广告",
    SupervisoryFunction.licensing: "许可",
}


def counts_toward_frequency(visit_type: VisitType, covered_full_checklist: bool) -> bool:
    """计划 六（第二段）: 飞行检查、双随机抽查、生产许可监督评审、证后监督检查等现场检查事项
    可计入日常监督检查频次.

    Routine patrols and cross-inspections are the daily inspection itself. A re-inspection (复查回访)
    only verifies findings, so it counts only when it also went through the full checklist (全面体检).
    """
    if visit_type == VisitType.reinspection:
        return covered_full_checklist
    return True
