"""The completion summary (附件3): a row per county of the caller's jurisdiction, each figure as of `as_of`
(app/services/reports/figures.py), and per figure the API query that lists the records behind it."""

import uuid
from datetime import date

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.domain.reporting import REPORTED_MEDIA_LEVELS, MediaLevel, SamplingOrigin
from app.models import Jurisdiction
from app.schemas.report import Summary, SummaryFigures, SummaryRow
from app.services.common.access import in_scope
from app.services.reports.figures import add_up, counties_by_prefecture, county_figures, issued_plans


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


async def node_name(session: AsyncSession, actor: Actor) -> str:
    """The name of the caller's node (county, prefecture, region); for a caller bound to none, the tree's root."""
    if actor.node_code is not None:
        node = await session.get(Jurisdiction, actor.node_code)
        return node.name if node else ""
    stmt = select(Jurisdiction.name).order_by(func.length(Jurisdiction.path), Jurisdiction.code).limit(1)
    return (await session.exec(stmt)).first() or ""


async def completion_summary(
    session: AsyncSession, actor: Actor, *, year: int, as_of: date, recount: bool = False
) -> Summary:
    """One row per county in the caller's jurisdiction, plus the total of their jurisdiction for everyone but a
    county. `recount` counts the visits rather than read the kept figures (the reference; see reports/figures.py).
    Each county's plan links go to its own prefecture's plan; `plan_id` is that plan when there is only one."""
    names = await county_names(session, actor)
    counties = None if actor.node_code is None else list(names)
    figures = await county_figures(session, year=year, as_of=as_of, counties=counties, recount=recount)
    plans = await issued_plans(session, year, as_of)
    prefecture_of = {c: p for p, group in (await counties_by_prefecture(session, list(names))).items() for c in group}
    plan_ids = {plans.get(prefecture_of.get(code, "")) for code in names}
    plan_id = plan_ids.pop() if len(plan_ids) == 1 else None
    rows = [
        SummaryRow(
            county_code=code,
            county_name=name,
            drill=drill(code, year, as_of, plans.get(prefecture_of.get(code, ""))),
            **figures.get(code, SummaryFigures()).model_dump(exclude={"completion_rate"}),
        )
        for code, name in names.items()
    ]
    total = None
    if actor.county_code is None:
        total = SummaryRow(
            county_code=None,
            county_name=f"{await node_name(session, actor) or '全地区'}合计",
            drill=drill(None, year, as_of, plan_id),
            **add_up(rows).model_dump(exclude={"completion_rate"}),
        )
    return Summary(year=year, period_from=date(year, 1, 1), as_of=as_of, plan_id=plan_id, rows=rows, total=total)
