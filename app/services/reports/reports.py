"""Report submissions (附件3 报送): a county freezes its figures for a period; the prefecture sees who reported.

Decision on the due date (计划 八 …前报送): on or before it, a county may submit again and the newest version
replaces the older one, which is kept and marked superseded; after it, a county that has not reported may still
submit (marked late), but a report already received can no longer change (409): the prefecture keeps the figures
it was given by the due date, and later corrections show as `changes_since_submission`.
"""

import uuid
from collections import defaultdict
from datetime import date

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Conflict, NotFound
from app.domain.calendar import ReportPeriod, period_due_date, period_label
from app.domain.errors import Message, Problem, RuleViolation
from app.domain.reporting import REPORT_STATUS_LABELS, SubmissionKind, report_as_of, report_status, submission_kind
from app.domain.ruleset import ruleset_for
from app.models import ReportSubmission
from app.models.base import utcnow
from app.schemas.report import (
    FIGURE_LABELS,
    CountyReportStatus,
    FigureChange,
    PeriodOverview,
    ReportCreate,
    ReportOverview,
    ReportRead,
    SummaryFigures,
)
from app.services import events
from app.services.common import audit
from app.services.common.access import in_scope, one_or_404
from app.services.reports.figures import county_figures
from app.services.reports.summary import county_names


async def target_county(session: AsyncSession, actor: Actor, county_code: str | None) -> str:
    names = await county_names(session, actor)
    code = county_code or actor.county_code
    if code is None:
        raise RuleViolation([Problem(("county_code",), "county_code_is_required")])
    if code not in names:
        raise NotFound(Message("county_not_found_in_jurisdiction"))
    return code


def _current(county_code: str, year: int, period: ReportPeriod):  # noqa: ANN202
    return select(ReportSubmission).where(
        ReportSubmission.county_code == county_code,
        ReportSubmission.year == year,
        ReportSubmission.period == period.value,
        col(ReportSubmission.superseded).is_(False),
    )


async def submit_report(session: AsyncSession, actor: Actor, data: ReportCreate, *, today: date) -> ReportSubmission:
    county = await target_county(session, actor, data.county_code)
    ruleset = ruleset_for(data.year)
    current = (await session.exec(_current(county, data.year, data.period).with_for_update())).first()
    kind = submission_kind(today, data.year, data.period, ruleset, already_submitted=current is not None)
    if kind is SubmissionKind.closed:
        raise Conflict(Message("report_closed_after_due_date", period=period_label(data.period, ruleset)))
    as_of = report_as_of(today, data.year, data.period, ruleset)
    figures = (await county_figures(session, year=data.year, as_of=as_of, counties=[county])).get(county)
    report = ReportSubmission(
        county_code=county,
        year=data.year,
        period=data.period.value,
        version=(current.version + 1) if current else 1,
        as_of=as_of,
        due_on=period_due_date(data.year, data.period, ruleset),
        submitted_on=today,
        late=kind is SubmissionKind.late,
        figures=(figures or SummaryFigures()).model_dump(),
        note=data.note,
        submitted_by_id=actor.user_id,
        submitted_by_name=actor.name,
    )
    try:
        async with session.begin_nested():
            if current is not None:
                current.superseded = True
                current.superseded_at = utcnow()
                session.add(current)
            session.add(report)
    except IntegrityError as exc:
        raise Conflict(Message("report_submitted_concurrently")) from exc
    await audit.record(
        session,
        actor,
        "report.submit",
        "report_submission",
        report.id,
        county_code=county,
        after=audit.snapshot(report, ["year", "period", "version", "as_of", "late", "figures"]),
    )
    await events.emit(
        session, "report.submitted", f"/api/v1/reports/{report.id}", ReportRead.model_validate(report), county
    )
    return report


async def get_report(session: AsyncSession, actor: Actor, report_id: uuid.UUID) -> ReportSubmission:
    stmt = in_scope(
        select(ReportSubmission).where(ReportSubmission.id == report_id),
        ReportSubmission.county_code,
        actor,
    )
    return await one_or_404(session, stmt, Message("report_not_found"))


async def current_reports(
    session: AsyncSession, actor: Actor, *, year: int, period: ReportPeriod | None = None
) -> list[ReportSubmission]:
    stmt = select(ReportSubmission).where(ReportSubmission.year == year, col(ReportSubmission.superseded).is_(False))
    if period is not None:
        stmt = stmt.where(ReportSubmission.period == period.value)
    stmt = in_scope(stmt, ReportSubmission.county_code, actor)
    return list((await session.exec(stmt.order_by(ReportSubmission.county_code))).all())


def _changes(submitted: dict, live: SummaryFigures) -> list[FigureChange]:
    now = live.model_dump()
    return [
        FigureChange(figure=name, label=label, submitted=submitted.get(name, 0), live=now[name])
        for name, label in FIGURE_LABELS.items()
        if submitted.get(name, 0) != now[name]
    ]


async def report_overview(session: AsyncSession, actor: Actor, *, year: int, today: date) -> ReportOverview:
    """Per period and county: submitted on time, late, missing (due date passed) or pending, and what changed."""
    names = await county_names(session, actor)
    reports = await current_reports(session, actor, year=year)
    versions_stmt = in_scope(
        select(ReportSubmission.county_code, ReportSubmission.period, func.count())
        .where(ReportSubmission.year == year)
        .group_by(ReportSubmission.county_code, ReportSubmission.period),
        ReportSubmission.county_code,
        actor,
    )
    versions = {(c, p): n for c, p, n in (await session.exec(versions_stmt)).all()}
    by_as_of: dict[date, list[str]] = defaultdict(list)
    for report in reports:
        by_as_of[report.as_of].append(report.county_code)
    live = {
        (as_of, county): figures
        for as_of, counties in by_as_of.items()
        for county, figures in (await county_figures(session, year=year, as_of=as_of, counties=counties)).items()
    }
    current = {(r.county_code, r.period): r for r in reports}
    ruleset = ruleset_for(year)
    periods = []
    for period in ReportPeriod:
        due_on = period_due_date(year, period, ruleset)
        counties = []
        for code, name in names.items():
            report = current.get((code, period.value))
            status = report_status(today, due_on, report.submitted_on if report else None)
            changes = _changes(report.figures, live.get((report.as_of, code), SummaryFigures())) if report else []
            counties.append(
                CountyReportStatus(
                    county_code=code,
                    county_name=name,
                    status=status,
                    status_label=REPORT_STATUS_LABELS[status],
                    report=ReportRead.model_validate(report) if report else None,
                    versions=versions.get((code, period.value), 0),
                    changes_since_submission=changes,
                )
            )
        periods.append(
            PeriodOverview(period=period, period_label=period_label(period, ruleset), due_on=due_on, counties=counties)
        )
    return ReportOverview(year=year, today=today, periods=periods)
