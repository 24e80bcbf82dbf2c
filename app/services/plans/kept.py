"""The kept figures (app/models/figures.py): read per plan line, rebuilt, and checked against a full recount.

PostgreSQL keeps them by trigger in the transaction of every write to `visit` and `plan_item` (migration 0013k)
and to `finding`, `finding_step` and `enterprise` (0017f); on SQLite they are not kept and the readers count live
(`figures_kept` is False there). The recount here is the reference: `verify_figures` compares every kept row with
it, `rebuild_figures` replaces them by it. A finding's changes are recounted by the migration's
`figures_of_finding` (the one definition the triggers use too); that they say what the summary's recount says is
what tests/api/test_kept_figures.py checks, as of several days.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, case, cast, delete, func, insert, or_, select, text
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    EnterpriseDayFigure,
    EnterpriseVisitFigure,
    FindingDayFigure,
    FindingFigure,
    Plan,
    PlanCountyFigure,
    PlanItem,
    PlanLineFigure,
    Visit,
    VisitDayFigure,
)
from app.models.figures import FINDING_FIGURES, LEDGER_FIGURES
from app.services.plans.rules import counting_visit


def figures_kept(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


def _year_of(day: Any) -> Any:
    return func.cast(func.extract("year", day), PlanItem.required_visits.type)


def _counted_by_enterprise() -> Any:
    year = _year_of(Visit.visit_date).label("year")
    return (
        select(Visit.enterprise_id, year, Visit.county_code, func.count().label("visits"))
        .where(Visit.status == "archived", counting_visit())
        .group_by(Visit.enterprise_id, year, Visit.county_code)
    )


def _counted_by_day() -> Any:
    return (
        select(Visit.county_code, Visit.visit_date, func.count().label("visits"))
        .where(Visit.status == "archived", counting_visit())
        .group_by(Visit.county_code, Visit.visit_date)
    )


def _lines_recounted() -> Any:
    """Every plan line with its counted visits in the plan's year, counted from the visits themselves."""
    counted = _counted_by_enterprise().subquery("counted")
    here = func.sum(counted.c.visits).filter(counted.c.county_code == PlanItem.county_code)
    return (
        select(
            PlanItem.id,
            PlanItem.plan_id,
            Plan.year,
            PlanItem.enterprise_id,
            PlanItem.county_code,
            PlanItem.risk_class,
            PlanItem.required_visits,
            PlanItem.created_at,
            func.coalesce(func.sum(counted.c.visits), 0).label("visits_done"),
            func.coalesce(here, 0).label("visits_done_here"),
        )
        .join(Plan, col(Plan.id) == PlanItem.plan_id)
        .outerjoin(counted, (counted.c.enterprise_id == PlanItem.enterprise_id) & (counted.c.year == Plan.year))
        .group_by(col(PlanItem.id), Plan.year)
    )


_LINE_COLUMNS = (
    "plan_item_id", "plan_id", "year", "enterprise_id", "county_code", "risk_class", "required_visits",
    "created_at", "visits_done", "visits_done_here",
)  # fmt: skip


_PLAN_COUNTY_SUMS = ("plan_lines", "required_visits", "plan_visits_done", "fully_inspected", "lines_elsewhere")


def _plan_counties(lines: Any) -> Any:
    """`lines` (a table or subquery shaped like `plan_line_figure`) summed up as `plan_county_figure` keeps them:
    per plan, county and Beijing day the lines were added (`figures_created_on`, migration 0019s)."""
    done, required = lines.c.visits_done_here, lines.c.required_visits
    created_on = func.figures_created_on(lines.c.created_at)
    sums = (
        func.count(),
        func.sum(required),
        func.sum(case((done < required, done), else_=required)),
        func.sum(case((done >= required, 1), else_=0)),
        func.sum(case((lines.c.visits_done != done, 1), else_=0)),
    )
    return select(lines.c.plan_id, lines.c.county_code, created_on, *(cast(n, Integer) for n in sums)).group_by(
        lines.c.plan_id, lines.c.county_code, created_on
    )


_CHANGES = ", ".join(FINDING_FIGURES)
_SUMS = ", ".join(f"sum({name})::integer AS {name}" for name in FINDING_FIGURES)
_NONZERO = " OR ".join(f"{name} <> 0" for name in FINDING_FIGURES)
_FINDING_CHANGES = f"SELECT f.id, f.county_code, c.year, c.day, {_CHANGES} FROM finding f, figures_of_finding(f) c"
_DAY_CHANGES = f"SELECT county_code, year, day, {_SUMS} FROM ({{}}) c GROUP BY county_code, year, day"
_KEPT_FINDING_CHANGES = f"SELECT finding_id, county_code, year, day, {_CHANGES} FROM finding_figure"
_LEDGER = f"county_code, day, {', '.join(LEDGER_FIGURES)}"
_KEPT_LEDGER = f"SELECT {_LEDGER} FROM enterprise_day_figure WHERE {' OR '.join(f'{n} <> 0' for n in LEDGER_FIGURES)}"
_RECOUNTED_LEDGER = "SELECT * FROM figures_ledger_recount"  # a view of migration 0017f
_KEPT_DAY_CHANGES = f"SELECT county_code, year, day, {_CHANGES} FROM finding_day_figure WHERE {_NONZERO}"


async def rebuild_figures(session: AsyncSession) -> dict[str, int]:
    """Replace the kept figures by a recount, writers held off meanwhile (readers go on). Rows per table."""
    await session.exec(text("LOCK TABLE visit, plan_item, plan, finding, finding_step, enterprise IN SHARE MODE"))
    tables = (
        PlanLineFigure, PlanCountyFigure, EnterpriseVisitFigure, VisitDayFigure, FindingDayFigure, FindingFigure,
        EnterpriseDayFigure,
    )  # fmt: skip
    for table in tables:
        await session.exec(delete(table))
    evf_columns = ["enterprise_id", "year", "county_code", "visits"]
    await session.exec(insert(EnterpriseVisitFigure).from_select(evf_columns, _counted_by_enterprise()))
    await session.exec(insert(VisitDayFigure).from_select(["county_code", "visit_date", "visits"], _counted_by_day()))
    await session.exec(insert(PlanLineFigure).from_select(list(_LINE_COLUMNS), _lines_recounted()))
    await session.exec(delete(PlanCountyFigure))  # what the triggers just added, summed up again from the lines
    county_columns = ["plan_id", "county_code", "created_on", *_PLAN_COUNTY_SUMS]
    await session.exec(insert(PlanCountyFigure).from_select(county_columns, _plan_counties(PlanLineFigure.__table__)))
    columns = f"county_code, year, day, {_CHANGES}"
    await session.exec(text(f"INSERT INTO finding_figure (finding_id, {columns}) {_FINDING_CHANGES}"))
    await session.exec(text(f"INSERT INTO finding_day_figure ({columns}) {_DAY_CHANGES.format(_KEPT_FINDING_CHANGES)}"))
    await session.exec(text(f"INSERT INTO enterprise_day_figure ({_LEDGER}) " + _RECOUNTED_LEDGER))
    return {
        table.__tablename__: (await session.exec(select(func.count()).select_from(table))).scalar_one()
        for table in tables
    }


@dataclass(frozen=True)
class Difference:
    table: str
    side: str  # "kept" (a kept row the recount does not give) | "recount" (a recounted row not kept)
    row: tuple[Any, ...]


async def _compare(session: AsyncSession, name: str, kept: Any, recounted: Any, limit: int) -> list[Difference]:
    found = []
    for side, one, other in (("kept", kept, recounted), ("recount", recounted, kept)):
        rows = (await session.exec(one.except_(other).limit(limit))).all()
        found += [Difference(name, side, tuple(row)) for row in rows]
    return found


async def verify_figures(session: AsyncSession, *, limit: int = 20) -> list[Difference]:
    """Every kept row against a full recount (rows that kept a zero count compare as absent): [] when equal."""
    counted = _counted_by_enterprise()
    by_day = _counted_by_day()
    evf, vdf = EnterpriseVisitFigure, VisitDayFigure
    kept_evf = select(evf.enterprise_id, evf.year, evf.county_code, evf.visits).where(evf.visits != 0)
    kept_vdf = select(vdf.county_code, vdf.visit_date, vdf.visits).where(vdf.visits != 0)
    kept_lines = select(*(getattr(PlanLineFigure, name) for name in _LINE_COLUMNS))
    pcf = PlanCountyFigure
    sums = [getattr(pcf, name) for name in _PLAN_COUNTY_SUMS]
    kept_counties = select(pcf.plan_id, pcf.county_code, pcf.created_on, *sums).where(or_(*(n != 0 for n in sums)))
    recounted_counties = _plan_counties(_lines_recounted().subquery())
    return [
        *await _compare(session, "enterprise_visit_figure", kept_evf, counted, limit),
        *await _compare(session, "visit_day_figure", kept_vdf, by_day, limit),
        *await _compare(session, "plan_line_figure", kept_lines, _lines_recounted(), limit),
        *await _compare(session, "plan_county_figure", kept_counties, recounted_counties, limit),
        *await _compare_text(session, "finding_figure", _KEPT_FINDING_CHANGES, _FINDING_CHANGES, limit),
        *await _compare_text(session, "finding_day_figure", _KEPT_DAY_CHANGES, _recounted_days(), limit),
        *await _compare_text(session, "enterprise_day_figure", _KEPT_LEDGER, _RECOUNTED_LEDGER, limit),
    ]


def _recounted_days() -> str:
    return f"SELECT * FROM ({_DAY_CHANGES.format(_FINDING_CHANGES)}) d WHERE {_NONZERO}"


async def _compare_text(session: AsyncSession, name: str, kept: str, recounted: str, limit: int) -> list[Difference]:
    found = []
    for side, one, other in (("kept", kept, recounted), ("recount", recounted, kept)):
        rows = (await session.exec(text(f"({one}) EXCEPT ({other}) LIMIT {int(limit)}"))).all()
        found += [Difference(name, side, tuple(row)) for row in rows]
    return found
