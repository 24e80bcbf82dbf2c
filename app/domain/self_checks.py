"""Self-checks of a producer (SAMR 2023, 工业产品生产单位落实质量安全主体责任监督管理规定): 日管控 daily control,
周排查 weekly hazard check, 月调度 monthly scheduling. Each record covers one period: a day, an ISO week (from its
Monday), a calendar month (from its first day)."""

from datetime import date, timedelta

from app.domain.errors import Problem, RuleViolation
from app.domain.labels import LabelledEnum
from app.domain.ruleset import RuleSet


class SelfCheckKind(LabelledEnum):
    daily = "daily", "日管控"
    weekly = "weekly", "周排查"
    monthly = "monthly", "月调度"


def period_start(kind: SelfCheckKind, day: date) -> date:
    """The first day of the period `day` falls in."""
    if kind is SelfCheckKind.weekly:
        return day - timedelta(days=day.weekday())
    if kind is SelfCheckKind.monthly:
        return day.replace(day=1)
    return day


def check_period(kind: SelfCheckKind, day: date, *, today: date) -> date:
    """A record is filed for a period that has begun (not one ahead); its first day is returned."""
    start = period_start(kind, day)
    if start > today:
        raise RuleViolation([Problem(("body", "period"), "self_check_period_not_begun")])
    return start


def month_start(year: int, month: int) -> date:
    return date(year, month, 1)


def months_before(month: date, n: int) -> list[date]:
    """The first days of the `n` calendar months before `month` (a first day), oldest first."""
    out, current = [], month
    for _ in range(n):
        current = (current - timedelta(days=1)).replace(day=1)
        out.append(current)
    return out[::-1]


def missing_monthly_reason(filed_months: set[date], *, today: date, ruleset: RuleSet) -> str | None:
    """The reason a ledger signal states when none of the last `self_check_missing_months` months before the current
    one has a monthly self-check (月调度); None when one of them has."""
    n = ruleset.self_check_missing_months
    window = months_before(period_start(SelfCheckKind.monthly, today), n)
    if any(m in filed_months for m in window):
        return None
    first, last = window[0], window[-1]
    return f"近{n}个月（{first:%Y-%m}至{last:%Y-%m}）未报送月调度自查记录"


def days_in_month(month: date) -> int:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (following - month).days


def weeks_starting_in(month: date) -> int:
    """How many ISO weeks begin (on a Monday) within the calendar month."""
    return sum(1 for d in range(days_in_month(month)) if (month + timedelta(days=d)).weekday() == 0)
