"""Rule 10: the two cumulative completion reports (计划 八: 6月25日、10月30日前报送附件3), and calendar windows."""

import calendar
from datetime import date
from enum import StrEnum

from app.domain.ruleset import RuleSet, ruleset_for


class ReportPeriod(StrEnum):
    h1 = "h1"
    h2 = "h2"

    @property
    def label(self) -> str:
        """A name that holds whatever the year's due dates; `period_label` gives the dated one."""
        return _PERIOD_NAMES[self]


_PERIOD_NAMES = {ReportPeriod.h1: "第一次报送（上半年累计）", ReportPeriod.h2: "第二次报送（年内累计）"}


def period_label(period: ReportPeriod, ruleset: RuleSet) -> str:
    """计划 八 as the year's RuleSet says it, e.g. "6月25日前（上半年累计）", "10月30日前（1-10月累计）"."""
    month, day = _due_month_day(period, ruleset)
    covers = "上半年累计" if period == ReportPeriod.h1 else f"1-{month}月累计"
    return f"{month}月{day}日前（{covers}）"


def _due_month_day(period: ReportPeriod, ruleset: RuleSet) -> tuple[int, int]:
    return ruleset.report_due_h1 if period == ReportPeriod.h1 else ruleset.report_due_h2


def period_due_date(year: int, period: ReportPeriod, ruleset: RuleSet) -> date:
    """计划 八: the summary table 附件3 is due by the RuleSet's dates (2022: June 25 for h1, October 30 for h2)."""
    month, day = _due_month_day(period, ruleset)
    return date(year, month, day)


def period_range(year: int, period: ReportPeriod, ruleset: RuleSet | None = None) -> tuple[date, date]:
    """计划 八: reports are cumulative, so each covers Jan 1 up to and including its due date."""
    ruleset = ruleset or ruleset_for(year)
    return date(year, 1, 1), period_due_date(year, period, ruleset)


def is_late(submitted_on: date, year: int, period: ReportPeriod, ruleset: RuleSet) -> bool:
    """计划 八 …前报送: submitted after the due date (the due date itself is in time)."""
    return submitted_on > period_due_date(year, period, ruleset)


def current_period(today: date, ruleset: RuleSet) -> ReportPeriod | None:
    """The next report of today's year still due (due date today or later); None after the last due date."""
    for period in ReportPeriod:
        if period_due_date(today.year, period, ruleset) >= today:
            return period
    return None


def months_before(day: date, months: int) -> date:
    """The same date `months` calendar months earlier; where that month is shorter, its last day
    (2024-03-31 − 1 month = 2024-02-29; 2024-02-29 − 12 months = 2023-02-28).
    """
    if months < 0:
        raise ValueError(f"months must not be negative, got {months}")
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def within_months(day: date, today: date, months: int) -> bool:
    """近N个月 as a calendar window: from the same date N months ago up to today, both included."""
    return months_before(today, months) <= day <= today
