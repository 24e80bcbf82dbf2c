"""Where a record stands and where it came from: the codes the records store beside the plan's own vocabularies,
each with the Chinese label a form shows. No rule of the plan is decided here; the services move the records
between these codes."""

from app.domain.labels import LabelledEnum


class VisitStatus(LabelledEnum):
    draft = "草稿"
    archived = "已归档"


class FindingStatus(LabelledEnum):
    """计划 七（二）问题闭环: where a finding stands in its loop."""

    open = "待整改"
    rectified = "已整改待复查"
    awaiting_case = "复查合格待立案"
    closed = "已闭环"


class FindingStepKind(LabelledEnum):
    """What was done with a finding (and every change of its escalation level)."""

    extension = "延期整改"
    rectification = "整改报告"
    reinspection = "复查回访"
    refusal = "拒不整改"
    case = "立案查处"
    closed = "闭环"
    escalation = "升级级别变化"


class ReinspectionResult(LabelledEnum):
    passed = "pass", "复查合格"
    failed = "fail", "复查不合格"


class PlanStatus(LabelledEnum):
    draft = "草稿"
    issued = "已下达"


class PlanLineSource(LabelledEnum):
    generated = "按规则生成"
    added = "补充企业"


class AdjustmentKind(LabelledEnum):
    """计划 六: how a plan line's required visits changed after the plan was issued."""

    raised = "raise", "提高频次"
    lowered = "lower", "降低频次"
    added = "add", "补充企业"
    system_raise = "新增风险自动提高"


class AssignmentStatus(LabelledEnum):
    scheduled = "已排定"


class ImportStatus(LabelledEnum):
    pending = "排队中"
    running = "导入中"
    succeeded = "已完成"
    failed = "失败"
    validated = "已校验（试导入）"
    cancelled = "已取消"
    interrupted = "已中断（未写入）"


class ImportSource(LabelledEnum):
    xlsx = "Excel 文件"
    json = "JSON 数据"


class FollowUpStatus(LabelledEnum):
    open = "后处理中"
    closed = "已完结"


class RiskListSource(LabelledEnum):
    """计划 七（二）: how an entry reached the risk problem list 风险问题清单."""

    serious_hazard = "严重隐患"
    escalation = "逾期/复查不合格升级"
    manual = "突出问题"


class LicenceSource(LabelledEnum):
    manual = "手工录入"
    licensing_system = "许可系统同步"


class SyncDirection(LabelledEnum):
    push = "许可系统推送"
    pull = "向许可系统拉取"


class SyncRunStatus(LabelledEnum):
    running = "进行中"
    succeeded = "成功"
    partial = "部分成功"
    failed = "失败"


class DeliveryStatus(LabelledEnum):
    """A webhook delivery's state."""

    pending = "待推送"
    delivered = "已送达"
    failed = "推送失败"
    skipped = "已跳过"


class NotificationRef(LabelledEnum):
    """The kind of record a notification points at."""

    finding = "问题"
    plan = "检查计划"
    report = "完成情况报送"
    user = "用户账户"
    webhook_subscription = "Webhook 订阅"


class TimelineKind(LabelledEnum):
    """What an entry of an enterprise's timeline is."""

    visit = "现场检查"
    finding = "发现问题"
    finding_step = "问题处理"
    signal = "风险信号"
    licence = "生产许可证"
    licence_change = "许可证变更"


class ActorKind(LabelledEnum):
    """Who did something: a person, a machine client, the system's own jobs, or someone not signed in."""

    user = "用户"
    service = "系统对接账号"
    system = "系统"
    anonymous = "未登录"
