"""Rule 4: spreading the required visits over the year, and whether an enterprise is behind."""

import calendar
from datetime import date


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def due_dates(year: int, n: int) -> list[date]:
    """计划 六（频次）spread evenly over the plan year: visit k of n is due by the last day of month
    ⌈12·k/n⌉, so 1 visit → Dec 31; 2 → Jun 30, Dec 31; 3 → Apr 30, Aug 31, Dec 31.
    """
    if n < 0:
        raise ValueError("number of visits cannot be negative")
    return [_month_end(year, -(-12 * k // n)) for k in range(1, n + 1)]


def visits_due_by(today: date, year: int, required: int) -> int:
    """How many visits should be done by `today`: those whose due date has passed (due date < today)."""
    return sum(1 for due in due_dates(year, required) if due < today)


def behind_schedule(today: date, year: int, done: int, required: int) -> bool:
    """计划 六: fewer counting visits done than were due before today."""
    return done < visits_due_by(today, year, required)


def next_due(today: date, year: int, done: int, required: int) -> date | None:
    """Due date of the next visit to do (possibly already past, if behind); None when all are done.

    `today` is part of the signature for symmetry with the other schedule rules; the answer does not
    depend on it.
    """
    if done >= required:
        return None
    return due_dates(year, required)[max(done, 0)]
