"""The completion summary (附件3): a row per county of the caller's jurisdiction, each figure as of `as_of`
(app/services/reports/figures.py), and per figure the API query that lists the records behind it."""

import uuid
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Uuid, bindparam, cast, func, literal, null, union_all
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.domain.reporting import REPORTED_MEDIA_LEVELS, MediaLevel, SamplingOrigin
from app.models import Jurisdiction
from app.schemas.report import Summary, SummaryFigures, SummaryRow
from app.services.common.access import bound_scope, in_scope, scope_placeholder
from app.services.reports.figures import (
    Prefectures,
    add_up,
    by_prefecture,
    counties_and_plans,
    county_figures,
    day_end,
)


def drill(county_code: str | None, year: int, as_of: date, plan_id: uuid.UUID | None) -> dict[str, str]:
    """Figure → the API query listing its records (today's state of the ledger and the loops)."""
    county = f"county_code={county_code}&" if county_code else ""
    span = f"date_from={year}-01-01&date_to={as_of.isoformat()}"
    ledger = f"/api/v1/enterprises?{county}status=operating"
    findings = f"/api/v1/findings?{county}".rstrip("&?")
    sep = "&" if county else "?"
    reported_levels = "&".join(f"media_level={level.value}" for level in MediaLevel if level in REPORTED_MEDIA_LEVELS)
    links = {
        "enterprises": ledger,
        **{f"enterprises_{c.lower()}": f"{ledger}&risk_class={c}" for c in "ABCD"},
        "visits_done": f"/api/v1/visits?{county}status=archived&{span}",
        "findings": findings,
        "findings_general": f"{findings}{sep}severity=general",
        "findings_serious_hazard": f"{findings}{sep}severity=serious_hazard",
        "findings_violation": f"{findings}{sep}severity=violation",
        "rectified": f"{findings}{sep}status=closed",
        "overdue": f"{findings}{sep}overdue=true",
        "late_reinspections": f"{findings}{sep}reinspection_late=true",
        "cases_filed": f"{findings}{sep}severity=violation",
        "risk_list_entries": f"/api/v1/risk-list?{county}".rstrip("&?"),
        "failed_samplings": f"/api/v1/sampling-follow-ups?{county}{span}",
        "samplings_handled": f"/api/v1/sampling-follow-ups?{county}status=closed&{span}",
        **{f"failed_samplings_{o}": f"/api/v1/sampling-follow-ups?{county}origin={o}&{span}" for o in SamplingOrigin},
        **{
            f"samplings_handled_{o}": f"/api/v1/sampling-follow-ups?{county}origin={o}&status=closed&{span}"
            for o in SamplingOrigin
        },
        "publicity_activities": f"/api/v1/publicity-activities?{county}{span}",
        "media_adoptions": f"/api/v1/publicity-activities?{county}media_adopted=true&{reported_levels}&{span}",
    }
    if plan_id is not None:
        items = f"/api/v1/plans/{plan_id}/items?{county}".rstrip("&?")
        links |= {
            "plan_lines": items,
            "required_visits": items,
            "plan_visits_done": f"/api/v1/plans/{plan_id}/progress",
            "completion_rate": f"/api/v1/plans/{plan_id}/progress",
            "fully_inspected": items,
        }
    return links


async def county_names(session: AsyncSession, actor: Actor) -> dict[str, str]:
    stmt = select(Jurisdiction.code, Jurisdiction.name).where(Jurisdiction.level == "county")
    rows = await session.exec(in_scope(stmt, Jurisdiction.code, actor).order_by(Jurisdiction.code))
    return dict(rows.all())


def _node(actor: Actor) -> Any:
    """The code of the caller's node (county, prefecture, region); for a caller bound to none, the tree's root."""
    if actor.node_code is not None:
        return actor.node_code
    root = select(Jurisdiction.code).order_by(func.length(Jurisdiction.path), Jurisdiction.code).limit(1)
    return root.scalar_subquery()


async def node_name(session: AsyncSession, actor: Actor) -> str:
    """The name of the caller's node; "" if there is none."""
    return (await session.exec(select(Jurisdiction.name).where(Jurisdiction.code == _node(actor)))).first() or ""


@dataclass(frozen=True)
class _Frame:
    names: dict[str, str]  # the caller's counties, in code order
    prefectures: Prefectures  # the same counties by prefecture, each with its issued plan
    node_name: str


_FRAMES: dict[Hashable, Any] = {}
"""The frame's statement, built once per shape of scope (`bound_scope`)."""


def _frame_statement(actor: Actor) -> Any:
    """The caller's counties with their prefecture's issued plan (False), and the caller's node (True)."""
    shape, _ = bound_scope(actor)
    stmt = _FRAMES.get(shape)
    if stmt is None:
        actor = scope_placeholder(actor)
        columns = counties_and_plans(bindparam("frame_year"), bindparam("frame_end_at")).add_columns(literal(False))
        node = select(Jurisdiction.code, Jurisdiction.name, Jurisdiction.parent_code, cast(null(), Uuid), literal(True))
        node = node.where(Jurisdiction.code == _node(actor))
        stmt = _FRAMES[shape] = union_all(in_scope(columns, Jurisdiction.code, actor), node)
    return stmt


async def _frame(session: AsyncSession, actor: Actor, *, year: int, as_of: date) -> _Frame:
    """The caller's counties with their prefectures' issued plans, and the name of the caller's node: one query."""
    params = bound_scope(actor)[1] | {"frame_year": year, "frame_end_at": day_end(as_of)}
    rows = (await session.exec(_frame_statement(actor), params=params)).all()
    in_scope_rows = sorted((row for row in rows if not row[4]), key=lambda row: row[0])
    return _Frame(
        names={code: name for code, name, *_ in in_scope_rows},
        prefectures=by_prefecture((code, prefecture, plan_id) for code, _, prefecture, plan_id, _ in in_scope_rows),
        node_name=next((name for _, name, _, _, is_node in rows if is_node), ""),
    )


async def completion_summary(
    session: AsyncSession, actor: Actor, *, year: int, as_of: date, recount: bool = False
) -> Summary:
    """One row per county in the caller's jurisdiction, plus the total of their jurisdiction for everyone but a
    county. `recount` counts the visits rather than read the kept figures (the reference; see reports/figures.py).
    Each county's plan links go to its own prefecture's plan; `plan_id` is that plan when there is only one.
    Two round trips: the caller's counties and plans, then every figure (a third where a plan moved since)."""
    frame = await _frame(session, actor, year=year, as_of=as_of)
    counties = None if actor.node_code is None else list(frame.names)
    figures = await county_figures(
        session, year=year, as_of=as_of, counties=counties, recount=recount, prefectures=frame.prefectures
    )
    plan_of = {code: plan_id for plan_id, group in frame.prefectures.values() for code in group}
    plan_ids = set(plan_of.values())
    plan_id = plan_ids.pop() if len(plan_ids) == 1 else None
    rows = [
        SummaryRow(
            county_code=code,
            county_name=name,
            drill=drill(code, year, as_of, plan_of[code]),
            **figures.get(code, SummaryFigures()).model_dump(exclude={"completion_rate"}),
        )
        for code, name in frame.names.items()
    ]
    total = None
    if actor.county_code is None:
        total = SummaryRow(
            county_code=None,
            county_name=f"{frame.node_name or '全地区'}合计",
            drill=drill(None, year, as_of, plan_id),
            **add_up(rows).model_dump(exclude={"completion_rate"}),
        )
    return Summary(year=year, period_from=date(year, 1, 1), as_of=as_of, plan_id=plan_id, rows=rows, total=total)
