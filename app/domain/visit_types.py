"""Rule 3: which on-site visits count toward the yearly frequency, and the functions one visit covers."""

from app.domain.labels import LabelledEnum


class VisitType(LabelledEnum):
    """计划 三、六: forms of on-site inspection (检查形式)."""

    routine_patrol = "日常巡查"
    cross_inspection = "交叉互查"
    flight_inspection = "飞行检查"
    double_random = "双随机抽查"
    licence_review = "生产许可监督评审"
    post_licence = "证后监督检查"
    reinspection = "复查回访"


class SupervisoryFunction(LabelledEnum):
    """计划 七（三）: functions one visit may also cover, to avoid repeated inspection (避免重复检查)."""

    metrology = "计量"
    standardisation = "标准化"
    special_equipment = "特种设备"
    advertising = "广告"
    licensing = "许可"


COUNTING_VISIT_TYPES = frozenset(VisitType)
"""计划 六（第二段）: 飞行检查、双随机抽查、生产许可监督评审、证后监督检查等现场检查事项可计入日常监督检查频次;
routine patrols and cross-inspections are the daily inspection itself; a re-inspection (复查回访) counts
when it also went through the full checklist."""


def counts_toward_frequency(visit_type: VisitType, covered_full_checklist: bool) -> bool:
    """计划 六 on a visit's stored flag: an on-site visit of a counting type counts only when it was a full
    check (一次检查，全面体检) — `covered_full_checklist` as `checklist.covers_checklist` decides it. Whatever
    its type, a visit where nothing was really checked does not count. The full rule, on the record itself,
    is `checklist.counts_toward_frequency`.
    """
    return VisitType(visit_type) in COUNTING_VISIT_TYPES and covered_full_checklist
