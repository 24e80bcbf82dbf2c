"""When time alone tells someone something: the days the reminders of the plan's calendar fall on.

Each rule answers for one day (`today`), so a daily job that runs once — or twice — on that day sends each
reminder on exactly that day; the lead times come from the year's RuleSet.
"""

import calendar
from datetime import date, timedelta

from app.domain.calendar import ReportPeriod, period_due_date
from app.domain.labels import LabelledEnum
from app.domain.ruleset import RuleSet


class NotificationKind(LabelledEnum):
    """What a notification in a user's inbox is about."""

    deadline_soon = "整改期限将至"
    deadline_passed = "整改逾期"
    reinspection_due = "待复查回访"
    report_due = "报送期限将至"
    behind_schedule = "计划进度滞后"
    webhook_disabled = "Webhook 推送已停用"
    account_locked = "账户已锁定"
    reinspection_booked = "复查回访已安排"  # to an enterprise account
    request_decided = "企业申请已处理"  # to an enterprise account: its report or request answered


def reminder_due(deadline: date, today: date, ruleset: RuleSet) -> NotificationKind | None:
    """计划 七（二）限期整改, for a finding not yet rectified: `deadline_soon` exactly
    `deadline_reminder_days` before its deadline, `deadline_passed` on the first overdue day (the day after the
    deadline: the deadline day itself is still in time); None on every other day."""
    days_left = (deadline - today).days
    if days_left == ruleset.deadline_reminder_days:
        return NotificationKind.deadline_soon
    if days_left == -1:
        return NotificationKind.deadline_passed
    return None


def deadlines_reminded_on(today: date, ruleset: RuleSet) -> dict[NotificationKind, date]:
    """The inverse of `reminder_due`: the deadline each deadline reminder falls on `today` (to find them)."""
    return {
        NotificationKind.deadline_soon: today + timedelta(days=ruleset.deadline_reminder_days),
        NotificationKind.deadline_passed: today - timedelta(days=1),
    }


def reinspection_reminder_due(rectified_on: date, today: date, ruleset: RuleSet) -> bool:
    """计划 七（二）按时实施复查回访: a rectification report that has waited exactly `reinspection_reminder_days`
    for its re-inspection."""
    return (today - rectified_on).days == ruleset.reinspection_reminder_days


def report_reminder_due(today: date, ruleset: RuleSet) -> ReportPeriod | None:
    """计划 八: the report period of today's year due exactly `report_reminder_days` from today, if any."""
    for period in ReportPeriod:
        if (period_due_date(today.year, period, ruleset) - today).days == ruleset.report_reminder_days:
            return period
    return None


def quarter_end(today: date) -> bool:
    """The last day of a quarter (Mar 31, Jun 30, Sep 30, Dec 31): the day plan progress is checked."""
    return today.month % 3 == 0 and today.day == calendar.monthrange(today.year, today.month)[1]
