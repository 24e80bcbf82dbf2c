"""The summary's figures read from the kept figures (app/models/figures.py) instead of counting a year of records:
the ledger and visits done from the counties' daily rollups, the plan's lines from their kept counters, the
findings' figures (found, by severity, rectified, overdue, cases filed, late re-inspections) from their changes
per county and day.

The line counters hold today's state (every counted visit of the year, today's required visits), so they answer
for `as_of` only when nothing of the plan moved after it: no counted visit dated later, no line added and no
line adjusted after it, and (prefecture-wide) no line with visits made outside its county, which the recount
attributes in a way of its own. Otherwise `kept_visits_and_plan` returns None and the caller recounts.
"""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import EnterpriseDayFigure, FindingDayFigure, PlanAdjustment, PlanLineFigure, VisitDayFigure
from app.models.figures import FINDING_FIGURES, LEDGER_FIGURES


def _scoped(stmt: Any, column: Any, counties: Sequence[str] | None) -> Any:
    return stmt if counties is None else stmt.where(col(column).in_(list(counties)))


async def _visits_per_county(
    session: AsyncSession, start: date, end: date, counties: Sequence[str] | None
) -> dict[str, int]:
    day = VisitDayFigure
    stmt = select(day.county_code, func.sum(day.visits)).where(col(day.visit_date) >= start, col(day.visit_date) <= end)
    rows = await session.exec(_scoped(stmt, day.county_code, counties).group_by(day.county_code))
    return {county: int(n or 0) for county, n in rows}


async def _plan_moved_after(
    session: AsyncSession, plan_id: uuid.UUID, as_of: date, end_at: datetime, counties: Sequence[str] | None
) -> bool:
    day = VisitDayFigure
    later = select(func.coalesce(func.sum(day.visits), 0)).where(
        col(day.visit_date) > as_of, col(day.visit_date) <= date(as_of.year, 12, 31)
    )
    if (await session.exec(_scoped(later, day.county_code, counties))).one():
        return True
    adjusted = select(PlanAdjustment.id).where(PlanAdjustment.plan_id == plan_id, col(PlanAdjustment.at) >= end_at)
    return (await session.exec(adjusted.limit(1))).first() is not None


async def kept_visits_and_plan(
    session: AsyncSession,
    *,
    plan_id: uuid.UUID | None,
    start: date,
    as_of: date,
    end_at: datetime,
    counties: Sequence[str] | None,
) -> dict[str, dict[str, int]] | None:
    """Per county: visits done, plan lines, required visits, capped visits done and fully inspected — the
    figures of `figures._visits_and_plan` — or None when the kept figures cannot give them as of `as_of`."""
    sums = {
        county: {"visits_done": n} for county, n in (await _visits_per_county(session, start, as_of, counties)).items()
    }
    if plan_id is None:
        return sums
    if await _plan_moved_after(session, plan_id, as_of, end_at, counties):
        return None
    line = PlanLineFigure
    done, required = line.visits_done_here, line.required_visits
    stmt = select(
        line.county_code,
        func.count(),
        func.sum(required),
        func.sum(case((done < required, done), else_=required)),
        func.sum(case((done >= required, 1), else_=0)),
        func.max(line.created_at),
        func.sum(case((line.visits_done != done, 1), else_=0)),
    ).where(line.plan_id == plan_id)
    prefecture_wide = counties is None or len(counties) > 1
    for county, lines, req, capped, full, newest, elsewhere in await session.exec(
        _scoped(stmt, line.county_code, counties).group_by(line.county_code)
    ):
        if newest >= end_at or (prefecture_wide and elsewhere):
            return None
        sums.setdefault(county, {"visits_done": 0}).update(
            plan_lines=lines,
            required_visits=int(req or 0),
            plan_visits_done=int(capped or 0),
            fully_inspected=int(full or 0),
        )
    return sums


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
