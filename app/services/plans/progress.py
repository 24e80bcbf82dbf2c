"""Progress of the plan per county and risk class: one GROUP BY over the lines joined to counted visits."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import case, func, outerjoin
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.domain.risk import RISK_ORDER
from app.models import Jurisdiction, Plan, PlanItem, PlanLineFigure
from app.services.common.access import in_scope
from app.services.plans.kept import figures_kept
from app.services.plans.plans import get_plan
from app.services.plans.rules import counted_visits, done_of, due_by, room_to_aggregate

_SUMS = ("lines", "required_visits", "visits_done", "done_capped", "behind_schedule")


def _row(county_code: str | None, county_name: str | None, risk_class: str | None, sums: dict[str, int]) -> dict:
    required = sums["required_visits"]
    rate = round(sums["done_capped"] / required, 4) if required else 1.0
    return {
        "county_code": county_code,
        "county_name": county_name,
        "risk_class": risk_class,
        "lines": sums["lines"],
        "required_visits": required,
        "visits_done": sums["visits_done"],
        "completion_rate": rate,
        "behind_schedule": sums["behind_schedule"],
    }


def _add(into: dict[str, int], sums: dict[str, int]) -> None:
    for name in _SUMS:
        into[name] = into.get(name, 0) + sums[name]


def _lines_recounted(plan: Plan, county_code: str | None) -> tuple[Any, Any, Any]:
    """(lines, required, done): the plan's lines joined to their counted visits, recounted from the visits."""
    counted = counted_visits(plan.year, county_code)
    lines = outerjoin(PlanItem, counted, counted.c.enterprise_id == PlanItem.enterprise_id)
    return lines, PlanItem, done_of(counted)


def _lines_kept(plan: Plan, county_code: str | None) -> tuple[Any, Any, Any]:
    """(lines, required, done) from the kept figures: a county counts only the visits made in it."""
    done = PlanLineFigure.visits_done if county_code is None else PlanLineFigure.visits_done_here
    return PlanLineFigure, PlanLineFigure, done


async def plan_progress(
    session: AsyncSession, actor: Actor, plan_id: uuid.UUID, *, today: date, recount: bool = False
) -> dict[str, Any]:
    """Lines, required visits, counted visits done, completion rate and enterprises behind schedule.

    The completion rate caps each line at its required visits, so one over-inspected enterprise cannot hide
    another that was never visited. A county sees only its own rows. Read from the kept figures where they
    are kept (PostgreSQL); `recount` counts the visits instead (the reference the kept figures must equal).
    """
    plan = await get_plan(session, actor, plan_id)
    kept = figures_kept(session) and not recount
    lines, table, done = (_lines_kept if kept else _lines_recounted)(plan, actor.county_code)
    required = table.required_visits
    stmt = (
        select(
            table.county_code,
            table.risk_class,
            func.count(),
            func.sum(required),
            func.sum(done),
            func.sum(case((done < required, done), else_=required)),
            func.sum(case((done < due_by(required, today=today, year=plan.year), 1), else_=0)),
        )
        .select_from(lines)
        .where(table.plan_id == plan.id)
        .group_by(table.county_code, table.risk_class)
    )
    if not kept:
        await room_to_aggregate(session)
    grouped = (await session.exec(in_scope(stmt, table.county_code, actor))).all()
    names = dict((await session.exec(select(Jurisdiction.code, Jurisdiction.name))).all())

    order = {risk_class.value: n for n, risk_class in enumerate(RISK_ORDER)}
    rows, counties, total = [], {}, {name: 0 for name in _SUMS}
    for county_code, risk_class, *values in sorted(grouped, key=lambda r: (r[0], order.get(r[1], 9))):
        sums = dict(zip(_SUMS, (int(v or 0) for v in values), strict=True))
        rows.append(_row(county_code, names.get(county_code), risk_class, sums))
        _add(counties.setdefault(county_code, {}), sums)
        _add(total, sums)
    return {
        "plan_id": plan.id,
        "year": plan.year,
        "today": today,
        "rows": rows,
        "counties": [_row(code, names.get(code), None, sums) for code, sums in counties.items()],
        "total": _row(actor.county_code, names.get(actor.county_code or ""), None, total),
    }
