"""The completion summary (附件3): a row per county of the caller's jurisdiction, each figure as of `as_of`
(app/services/reports/figures.py), and per figure the API query that lists the records behind it."""

import uuid
from datetime import date

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.domain.reporting import REPORTED_MEDIA_LEVELS, MediaLevel, SamplingOrigin
from app.models import Jurisdiction
from app.schemas.report import Summary, SummaryFigures, SummaryRow
from app.services.common.paging import in_jurisdiction
from app.services.reports.figures import add_up, county_figures, issued_plan_id


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
    rows = await session.exec(in_jurisdiction(stmt, Jurisdiction.code, actor.county_code).order_by(Jurisdiction.code))
    return dict(rows.all())


async def completion_summary(
    session: AsyncSession, actor: Actor, *, year: int, as_of: date, recount: bool = False
) -> Summary:
    """One row per county in the caller's jurisdiction, plus the prefecture total for prefecture users.
    `recount` counts the visits rather than read the kept figures (the reference; see reports/figures.py)."""
    names = await county_names(session, actor)
    counties = None if actor.county_code is None else list(names)
    figures = await county_figures(session, year=year, as_of=as_of, counties=counties, recount=recount)
    plan_id = await issued_plan_id(session, year, as_of)
    rows = [
        SummaryRow(
            county_code=code,
            county_name=name,
            drill=drill(code, year, as_of, plan_id),
            **figures.get(code, SummaryFigures()).model_dump(exclude={"completion_rate"}),
        )
        for code, name in names.items()
    ]
    total = None
    if actor.county_code is None:
        prefecture = (await session.exec(select(Jurisdiction.name).where(Jurisdiction.level == "prefecture"))).first()
        total = SummaryRow(
            county_code=None,
            county_name=f"{prefecture or '全地区'}合计",
            drill=drill(None, year, as_of, plan_id),
            **add_up(rows).model_dump(exclude={"completion_rate"}),
        )
    return Summary(year=year, period_from=date(year, 1, 1), as_of=as_of, plan_id=plan_id, rows=rows, total=total)
