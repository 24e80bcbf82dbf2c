"""The vocabularies a form offers as drop-downs, by name: each is a LabelledEnum of the domain, so the codes and
labels a client lists are the ones the API accepts and returns (there is no second list to drift)."""

from dataclasses import dataclass

from app.domain.checklist import ChecklistItem, Conclusion, ItemResult
from app.domain.findings import FindingEvent, Severity
from app.domain.labels import LabelledEnum
from app.domain.permissions import NodeLevel, Role
from app.domain.reminders import NotificationKind
from app.domain.reporting import (
    DisclosurePeriod,
    FollowUpStep,
    MediaLevel,
    PublicityCampaign,
    RectificationStatus,
    ReportStatus,
    SamplingOrigin,
    SummaryFigure,
)
from app.domain.risk import KeyFlag, RiskClass
from app.domain.self_checks import SelfCheckKind
from app.domain.statuses import (
    ActorKind,
    AdjustmentKind,
    AssignmentStatus,
    DeliveryStatus,
    EnterpriseStatus,
    ExtensionRequestStatus,
    FindingStatus,
    FindingStepKind,
    FollowUpStatus,
    ImportSource,
    ImportStatus,
    LicenceSource,
    LicenceStatus,
    NotificationRef,
    PlanLineSource,
    PlanStatus,
    RectificationReportStatus,
    ReinspectionResult,
    RiskListSource,
    SignalKind,
    SyncDirection,
    SyncRunStatus,
    TimelineKind,
    VisitStatus,
)
from app.domain.visit_types import SupervisoryFunction, VisitType


@dataclass(frozen=True)
class Vocabulary:
    name: str
    title: str
    enum: type[LabelledEnum]


def _vocabularies(*rows: tuple[str, str, type[LabelledEnum]]) -> dict[str, Vocabulary]:
    return {name: Vocabulary(name, title, enum) for name, title, enum in rows}


VOCABULARIES: dict[str, Vocabulary] = _vocabularies(
    ("risk_class", "风险等级", RiskClass),
    ("key_flag", "重点监管标识", KeyFlag),
    ("enterprise_status", "经营状态", EnterpriseStatus),
    ("licence_status", "许可证状态", LicenceStatus),
    ("licence_source", "许可证来源", LicenceSource),
    ("signal_kind", "风险信号类别", SignalKind),
    ("visit_type", "检查形式", VisitType),
    ("supervisory_function", "一并检查的监管职能", SupervisoryFunction),
    ("checklist_item", "检查事项", ChecklistItem),
    ("item_result", "检查事项结果", ItemResult),
    ("conclusion", "检查结论", Conclusion),
    ("visit_status", "检查记录状态", VisitStatus),
    ("severity", "问题严重程度", Severity),
    ("finding_status", "问题状态", FindingStatus),
    ("finding_step_kind", "问题处理步骤", FindingStepKind),
    ("reinspection_result", "复查结果", ReinspectionResult),
    ("rectification_report_status", "整改报告状态", RectificationReportStatus),
    ("extension_request_status", "延期申请状态", ExtensionRequestStatus),
    ("self_check_kind", "企业自查类别", SelfCheckKind),
    ("finding_event", "升级级别变化事由", FindingEvent),
    ("risk_list_source", "风险问题清单来源", RiskListSource),
    ("plan_status", "检查计划状态", PlanStatus),
    ("plan_line_source", "计划条目来源", PlanLineSource),
    ("adjustment_kind", "计划调整类型", AdjustmentKind),
    ("assignment_status", "双随机检查任务状态", AssignmentStatus),
    ("report_status", "报送情况", ReportStatus),
    ("summary_figure", "完成情况汇总表指标（附件3）", SummaryFigure),
    ("follow_up_step", "不合格后处理步骤", FollowUpStep),
    ("follow_up_status", "不合格后处理状态", FollowUpStatus),
    ("sampling_origin", "不合格抽查来源", SamplingOrigin),
    ("publicity_campaign", "宣传活动", PublicityCampaign),
    ("media_level", "采纳媒体级别", MediaLevel),
    ("disclosure_period", "公开期", DisclosurePeriod),
    ("rectification_status", "整改情况", RectificationStatus),
    ("import_status", "导入任务状态", ImportStatus),
    ("import_source", "导入文件类型", ImportSource),
    ("sync_direction", "许可同步方向", SyncDirection),
    ("sync_run_status", "许可同步结果", SyncRunStatus),
    ("notification_kind", "通知类别", NotificationKind),
    ("notification_ref", "通知关联记录", NotificationRef),
    ("timeline_kind", "企业时间线条目", TimelineKind),
    ("delivery_status", "Webhook 推送状态", DeliveryStatus),
    ("actor_kind", "操作者类别", ActorKind),
    ("role", "角色", Role),
    ("node_level", "辖区级别", NodeLevel),
)
