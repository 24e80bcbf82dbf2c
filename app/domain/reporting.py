"""Rules 10–12: reporting upward (附件3), post-processing of failed samplings, publicity, public disclosure."""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.domain.calendar import ReportPeriod, is_late, period_due_date
from app.domain.errors import Problem, RuleViolation
from app.domain.labels import LabelledEnum
from app.domain.ruleset import RuleSet


class SubmissionKind(StrEnum):
    on_time = "on_time"
    late = "late"
    closed = "closed"  # a report is already in and the due date has passed: the figures stay as received


def submission_kind(
    today: date, year: int, period: ReportPeriod, ruleset: RuleSet, *, already_submitted: bool
) -> SubmissionKind:
    """计划 八 6月25日、10月30日前报送: on or before the due date a county may (re)submit, the newest replacing
    the older; after it, a first submission is accepted as late and a submitted report can no longer change.
    Raises for a year that has not begun."""
    if today < date(year, 1, 1):
        raise RuleViolation([Problem(("year",), "report_year_not_begun", year=year)])
    if not is_late(today, year, period, ruleset):
        return SubmissionKind.on_time
    return SubmissionKind.closed if already_submitted else SubmissionKind.late


def report_as_of(today: date, year: int, period: ReportPeriod, ruleset: RuleSet) -> date:
    """The figures are cumulative from January 1 up to the due date, or up to today if that is earlier."""
    return min(today, period_due_date(year, period, ruleset))


class SummaryFigure(LabelledEnum):
    """计划 八 附件3 监督检查完成情况汇总表: each figure a county reports, labelled as its column is headed — the
    summary's `labels` and the workbook's headers are these labels, character for character."""

    enterprises = "在册企业数（在产）"
    enterprises_a = "A类企业"
    enterprises_b = "B类企业"
    enterprises_c = "C类企业"
    enterprises_d = "D类企业"
    plan_lines = "计划检查企业数"
    required_visits = "计划检查次数"
    visits_done = "已检查次数（计入频次）"
    plan_visits_done = "计划内完成次数（每企业不超过计划次数）"
    completion_rate = "完成率"
    fully_inspected = "已完成计划频次企业数"
    findings = "发现问题数"
    findings_general = "一般问题"
    findings_serious_hazard = "严重隐患"
    findings_violation = "违法违规"
    rectified = "已整改闭环"
    overdue = "逾期未整改"
    late_reinspections = "未按时复查回访"
    cases_filed = "立案查处"
    risk_list_entries = "列入风险问题清单"
    failed_samplings = "监督抽查不合格"
    failed_samplings_referred = "不合格后处理：上级转办"
    failed_samplings_local = "不合格后处理：本级组织"
    samplings_handled = "不合格后处理完结"
    samplings_handled_referred = "后处理完结：上级转办"
    samplings_handled_local = "后处理完结：本级组织"
    publicity_activities = "宣传活动"
    media_adoptions = "媒体采纳（地区级以上）"


def completion_rate_of(plan_visits_done: int, required_visits: int) -> float:
    """完成率 = 计划内完成次数 / 计划检查次数, to four places; 1.0 when nothing is required."""
    return round(plan_visits_done / required_visits, 4) if required_visits else 1.0


class ReportStatus(LabelledEnum):
    """Where a county's report for one period stands."""

    submitted = "按时报送"
    late = "逾期报送"
    missing = "未报送（已逾期）"
    pending = "未报送"


def report_status(today: date, due_on: date, submitted_on: date | None) -> ReportStatus:
    """submitted | late | missing (due date passed, nothing received) | pending (not yet due)."""
    if submitted_on is not None:
        return ReportStatus.late if submitted_on > due_on else ReportStatus.submitted
    return ReportStatus.missing if today > due_on else ReportStatus.pending


REPORT_STATUS_LABELS: dict[str, str] = ReportStatus.label_map()
"""Kept for callers that look labels up in a dict; `ReportStatus.X.label` is the source."""


class FollowUpStep(LabelledEnum):
    """计划 七（四）监督抽查不合格产品后处理: the steps, in the order they happen."""

    notified = "告知企业检验结果"
    rectification_ordered = "责令整改"
    resampled = "跟踪复查抽样"
    closed = "后处理完结"


@dataclass(frozen=True)
class StepDone:
    kind: FollowUpStep
    on: date
    qualified: bool | None = None


def follow_up_step_problems(
    today: date, failed_on: date, done: tuple[StepDone, ...], kind: FollowUpStep, on: date, qualified: bool | None
) -> list[Problem]:
    """The steps go in order, each on or after the one before and never in the future. Notification and the
    rectification order happen once; re-sampling repeats until a sample is qualified; only then is it closed."""
    problems: list[Problem] = []
    if done and done[-1].kind is FollowUpStep.closed:
        return [Problem(("kind",), "follow_up_is_closed")]
    if on > today:
        problems.append(Problem(("on",), "must_not_be_in_future"))
    earliest = max([failed_on, *(s.on for s in done)])
    if on < earliest:
        problems.append(Problem(("on",), "before_previous_step", earliest=earliest.isoformat()))
    kinds = [s.kind for s in done]
    expected = _expected_next(kinds, done)
    if kind not in expected:
        names = "、".join(k.label for k in expected)
        problems.append(Problem(("kind",), "steps_must_go_in_order", names=names))
    if kind is FollowUpStep.resampled and qualified is None:
        problems.append(Problem(("qualified",), "re_sampling_needs_result"))
    if kind is not FollowUpStep.resampled and qualified is not None:
        problems.append(Problem(("qualified",), "only_for_re_sampling"))
    return problems


def _expected_next(kinds: list[FollowUpStep], done: tuple[StepDone, ...]) -> list[FollowUpStep]:
    if FollowUpStep.notified not in kinds:
        return [FollowUpStep.notified]
    if FollowUpStep.rectification_ordered not in kinds:
        return [FollowUpStep.rectification_ordered]
    resamples = [s for s in done if s.kind is FollowUpStep.resampled]
    if resamples and resamples[-1].qualified:
        return [FollowUpStep.closed]
    return [FollowUpStep.resampled]


class SamplingOrigin(LabelledEnum):
    """计划 七（四）: a county handles the failed samplings a higher authority refers to it (上级转办) as well as
    those of the samplings it organised itself (本级组织); 附件3 counts the two apart."""

    referred = "上级转办"
    local = "本级组织"


class MediaLevel(LabelledEnum):
    """The level of the outlet that took a county's publicity up (媒体采纳)."""

    national = "国家级"
    province = "省（区）级"
    prefecture = "地区级"
    county = "县（市）级"


REPORTED_MEDIA_LEVELS = frozenset({MediaLevel.national, MediaLevel.province, MediaLevel.prefecture})
"""计划 八: 地区级以上主流媒体、网站采纳的信息 — only prefecture level and above counts as a media adoption."""


def counts_as_media_adoption(adopted: bool, level: MediaLevel | None) -> bool:
    """计划 八: an adoption counts when an outlet of prefecture level or above took it up."""
    return adopted and level in REPORTED_MEDIA_LEVELS


class DisclosurePeriod(LabelledEnum):
    """信息公开 on its own calendar: the two calendar halves of the year, which hold every day of it. The report
    periods (计划 八) end on their due dates and would leave the days after the last one out."""

    h1 = "上半年（1月1日至6月30日）"
    h2 = "下半年（7月1日至12月31日）"


def disclosure_range(year: int, period: DisclosurePeriod) -> tuple[date, date]:
    """The visit dates a disclosure batch of `period` covers, both included."""
    if period is DisclosurePeriod.h1:
        return date(year, 1, 1), date(year, 6, 30)
    return date(year, 7, 1), date(year, 12, 31)


class PublicityCampaign(LabelledEnum):
    """计划 七（五）: 世界标准日、世界计量日、“3·15国际消费者权益日”、“质量月” and other activities."""

    world_standards_day = "世界标准日"
    world_metrology_day = "世界计量日"
    consumer_rights_day = "3·15国际消费者权益日"
    quality_month = "质量月"
    other = "其他宣传活动"


class RectificationStatus(LabelledEnum):
    """What the public page says about a visit's findings (信息公开)."""

    none_required = "无需整改"
    rectifying = "整改中"
    overdue = "逾期未整改"
    rectified = "已整改"


def rectification_status(findings: int, open_findings: int, overdue_findings: int) -> RectificationStatus:
    if findings == 0:
        return RectificationStatus.none_required
    if overdue_findings:
        return RectificationStatus.overdue
    return RectificationStatus.rectifying if open_findings else RectificationStatus.rectified
