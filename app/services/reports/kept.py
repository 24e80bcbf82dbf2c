"""The summary's figures read from the kept figures (app/models/figures.py) instead of counting a year of records:
the ledger and visits done from the counties' daily rollups, the plan's lines from their kept counters, the
findings' figures (found, by severity, rectified, overdue, cases filed, late re-inspections) from their changes
per county and day. Each is a query (county, figures…) that the caller runs with the others in one round trip.

The line counters hold today's state (every counted visit of the year, today's required visits), so they answer
for `as_of` only when nothing of the plan moved after it: no counted visit dated later, no line added and no
line adjusted after it, and (prefecture-wide) no line with visits made outside its county, which the recount
attributes in a way of its own. `kept_plan_lines` and `plan_moved_after` carry what tells, and
`kept_plan_answers` says whether they do; otherwise the caller recounts.
"""

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import BindParameter, String, case, exists, func, literal, or_
from sqlmodel import col, select

from app.models import EnterpriseDayFigure, FindingDayFigure, PlanAdjustment, PlanCountyFigure, VisitDayFigure
from app.models.figures import FINDING_FIGURES, LEDGER_FIGURES

PLAN_FIGURES = ("plan_lines", "required_visits", "plan_visits_done", "fully_inspected")
_PLAN_CHECKS = ("lines_since", "lines_elsewhere")  # lines added after `as_of`; lines with visits made elsewhere
_MOVED = ("visits_since", "adjusted_since")


def _scoped(stmt: Any, column: Any, counties: Any) -> Any:
    """`stmt` restricted to `counties`: None (all of them), a list, or an expanding bind parameter."""
    if counties is None:
        return stmt
    return stmt.where(col(column).in_(counties if isinstance(counties, BindParameter) else list(counties)))


def kept_visits(start: date, as_of: date, counties: Sequence[str] | None) -> tuple[Any, tuple[str, ...]]:
    """The query (county, counted visits from `start` to `as_of`) from the counties' daily rollups."""
    day = VisitDayFigure
    stmt = select(day.county_code, func.sum(day.visits))
    stmt = stmt.where(col(day.visit_date) >= start, col(day.visit_date) <= as_of)
    return _scoped(stmt, day.county_code, counties).group_by(day.county_code), ("visits_done",)


def plan_moved_after(
    plan_id: uuid.UUID, as_of: date, end_at: datetime, year_end: date, counties: Sequence[str] | None
) -> tuple[Any, tuple[str, ...]]:
    """The query of one row ("", counted visits dated after `as_of` up to `year_end`, the end of its year; 1 if the
    plan was adjusted since)."""
    day = VisitDayFigure
    later = select(func.coalesce(func.sum(day.visits), 0)).where(
        col(day.visit_date) > as_of, col(day.visit_date) <= year_end
    )
    adjusted = exists().where(PlanAdjustment.plan_id == plan_id, col(PlanAdjustment.at) >= end_at)
    stmt = select(
        literal("", String),
        _scoped(later, day.county_code, counties).scalar_subquery(),
        case((adjusted, 1), else_=0),
    )
    return stmt, _MOVED


def kept_plan_lines(plan_id: uuid.UUID, as_of: date, counties: Sequence[str] | None) -> tuple[Any, tuple[str, ...]]:
    """The query (county, plan lines, required visits, capped visits done, fully inspected, lines added after
    `as_of`, lines with visits made outside their county) from the lines' counters summed up per county and day
    the lines were added (migration 0019s): a few rows per county, not a row per line."""
    rollup = PlanCountyFigure
    stmt = select(
        rollup.county_code,
        *(func.sum(getattr(rollup, name)) for name in PLAN_FIGURES),
        func.sum(case((col(rollup.created_on) > as_of, rollup.plan_lines), else_=0)),
        func.sum(rollup.lines_elsewhere),
    ).where(rollup.plan_id == plan_id)
    stmt = _scoped(stmt, rollup.county_code, counties).group_by(rollup.county_code)
    return stmt.having(func.sum(rollup.plan_lines) != 0), PLAN_FIGURES + _PLAN_CHECKS


def kept_plan_answers(
    lines: Mapping[str, Mapping[str, int]], moved: Mapping[str, Mapping[str, int]], *, prefecture_wide: bool
) -> bool:
    """Whether the rows of `kept_plan_lines` and `plan_moved_after` give the plan's figures as of `as_of`."""
    if any(moved.get("", {}).get(name) for name in _MOVED):
        return False
    return not any(
        figures["lines_since"] or (prefecture_wide and figures["lines_elsewhere"]) for figures in lines.values()
    )


def plan_figures(lines: Mapping[str, int]) -> dict[str, int]:
    """A county's row of `kept_plan_lines` without the checks."""
    return {name: lines[name] for name in PLAN_FIGURES}


def kept_findings(year: int, as_of: date, counties: Sequence[str] | None) -> tuple[Any, tuple[str, ...]]:
    """The query (county, the findings' figures of `year` as of `as_of`) of the counties with any: the changes
    filed under `year` or later and dated `as_of` or before (migration 0017f says how each figure is written)."""
    day = FindingDayFigure
    sums = [func.sum(getattr(day, name)) for name in FINDING_FIGURES]
    stmt = select(day.county_code, *sums).where(col(day.year) >= year, col(day.day) <= as_of)
    stmt = _scoped(stmt, day.county_code, counties).group_by(day.county_code).having(or_(*(n != 0 for n in sums)))
    return stmt, FINDING_FIGURES


def kept_ledger(as_of: date, counties: Sequence[str] | None) -> tuple[Any, tuple[str, ...]]:
    """The query (county, enterprises on the ledger by the end of `as_of`, by class) of the counties with any."""
    day = EnterpriseDayFigure
    sums = [func.sum(getattr(day, name)) for name in LEDGER_FIGURES]
    stmt = select(day.county_code, *sums).where(col(day.day) <= as_of)
    stmt = _scoped(stmt, day.county_code, counties).group_by(day.county_code).having(sums[0] != 0)
    return stmt, LEDGER_FIGURES
