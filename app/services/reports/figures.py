"""The figures of the completion summary (附件3): one GROUP BY county per kind of record, never a query per county.

Every figure is as of `as_of` (inclusive, Beijing time), cumulative from January 1 of the year:
- enterprises: on the ledger by the end of `as_of` (registered then, not closed by then; one closed since counts
  as operating then). The ledger keeps no dates for a class change or a suspension, so the class is today's and an
  enterprise suspended today is left out;
- the plan: the year's plan if issued by then, its lines that existed then, each with the visits it required then
  (read back through the adjustments made since);
- visits, findings, cases, risk-list entries, failed samplings and publicity: dated by then; rectified = closed by
  then; overdue = past the deadline in force then (extensions granted since are read back) and open then (not
  closed, no rectification report pending, no passed re-inspection: as the findings list's `overdue=true`);
  a sampling follow-up is handled if it was closed by then.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import BigInteger, and_, case, cast, func, literal, not_, null, or_, union_all
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.ledger import EnterpriseStatus, SignalKind
from app.domain.reporting import REPORTED_MEDIA_LEVELS, SamplingOrigin
from app.models import (
    Enterprise,
    Finding,
    FindingStep,
    Jurisdiction,
    Plan,
    PlanAdjustment,
    PlanItem,
    PublicityActivity,
    RiskListEntry,
    RiskSignal,
    SamplingFollowUp,
    Visit,
)
from app.schemas.report import COUNT_FIGURES, SummaryFigures
from app.services.findings import count_late_reinspections
from app.services.plans import counting_visit, figures_kept
from app.services.reports.kept import kept_findings, kept_ledger, kept_visits_and_plan

CHINA = timezone(timedelta(hours=8), "CST")


def day_end(day: date) -> datetime:
    """The first instant after `day` in Beijing, as UTC: timestamps before it belong to the day or earlier."""
    return datetime.combine(day + timedelta(days=1), time(), CHINA).astimezone(UTC)


def _count_if(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


class _Window:
    def __init__(self, year: int, as_of: date) -> None:
        self.start = date(year, 1, 1)
        self.end = as_of
        self.start_at = day_end(self.start - timedelta(days=1))
        self.end_at = day_end(as_of)


def _scoped(stmt: Any, column: Any, counties: Sequence[str] | None) -> Any:
    return stmt if counties is None else stmt.where(col(column).in_(list(counties)))


async def _grouped(session: AsyncSession, stmt: Any, names: Sequence[str]) -> dict[str, dict[str, int]]:
    return {row[0]: dict(zip(names, (int(v or 0) for v in row[1:]), strict=True)) for row in await session.exec(stmt)}


Query = tuple[Any, Sequence[str]]  # a GROUP BY county statement and the names of its figures


async def _grouped_all(session: AsyncSession, queries: Sequence[Query]) -> dict[str, dict[str, int]]:
    """`_grouped` of several queries in one round trip: their rows as one UNION ALL, each tagged with its query
    and padded to one width."""
    width = max(len(names) for _, names in queries)
    parts = []
    for i, (stmt, names) in enumerate(queries):
        county, *values = stmt.subquery().c
        padding = [cast(null(), BigInteger)] * (width - len(names))
        parts.append(select(literal(i), county, *(cast(v, BigInteger) for v in values), *padding))
    sums: dict[str, dict[str, int]] = {}
    for i, county, *values in await session.exec(union_all(*parts)):
        names = queries[i][1]
        sums.setdefault(county, {}).update(zip(names, (int(v or 0) for v in values), strict=False))
    return sums


def _ledger(w: _Window, counties: Sequence[str] | None) -> tuple[Any, tuple[str, ...]]:
    closed_since = and_(Enterprise.status == EnterpriseStatus.closed.value, col(Enterprise.closed_at) >= w.end_at)
    stmt = select(
        Enterprise.county_code,
        func.count(),
        *(_count_if(Enterprise.risk_class == c) for c in "ABCD"),
    ).where(
        col(Enterprise.created_at) < w.end_at,
        or_(Enterprise.status == EnterpriseStatus.operating.value, closed_since),
    )
    stmt = _scoped(stmt, Enterprise.county_code, counties).group_by(Enterprise.county_code)
    return stmt, ("enterprises", "enterprises_a", "enterprises_b", "enterprises_c", "enterprises_d")


def _required_then(w: _Window) -> Any:
    """A line's required visits at the end of `as_of`: the value before the first adjustment made since, if any."""
    first_since = (
        select(PlanAdjustment.before)
        .where(PlanAdjustment.plan_item_id == PlanItem.id, col(PlanAdjustment.at) >= w.end_at)
        .order_by(col(PlanAdjustment.at), col(PlanAdjustment.id))
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(first_since, PlanItem.required_visits)


def _visits_and_plan(
    plan_id: uuid.UUID | None, w: _Window, counties: Sequence[str] | None
) -> tuple[Any, tuple[str, ...]]:
    """Counted visits per enterprise, read once, joined (full outer) to the plan's lines: visits done per county
    and the plan's lines, required visits, capped visits done and enterprises fully inspected."""
    counted = _scoped(
        select(Visit.enterprise_id, Visit.county_code, func.count().label("done")).where(
            Visit.status == "archived",
            col(Visit.visit_date) >= w.start,
            col(Visit.visit_date) <= w.end,
            counting_visit(),
        ),
        Visit.county_code,
        counties,
    ).group_by(Visit.enterprise_id, Visit.county_code)
    counted = counted.subquery("counted")
    lines = _scoped(
        select(PlanItem.enterprise_id, PlanItem.county_code, _required_then(w).label("required_visits")).where(
            PlanItem.plan_id == plan_id, col(PlanItem.created_at) < w.end_at
        ),
        PlanItem.county_code,
        counties,
    ).subquery("lines")
    done = func.coalesce(counted.c.done, 0)
    required = lines.c.required_visits
    county = func.coalesce(lines.c.county_code, counted.c.county_code)
    stmt = (
        select(
            county,
            func.coalesce(func.sum(counted.c.done), 0),
            func.count(lines.c.enterprise_id),
            func.coalesce(func.sum(required), 0),
            func.sum(case((required.is_(None), 0), (done < required, done), else_=required)),
            _count_if(and_(required.is_not(None), done >= required)),
        )
        .select_from(counted)
        .join(lines, lines.c.enterprise_id == counted.c.enterprise_id, full=True)
        .group_by(county)
    )
    return stmt, ("visits_done", "plan_lines", "required_visits", "plan_visits_done", "fully_inspected")


def _latest_step(kinds: tuple[str, ...], *, before: datetime | None = None, since: datetime | None = None) -> Any:
    """Subquery (finding_id, kind, result, deadline_before): per finding, its latest step of `kinds` made before
    `before`, or its first made since `since` — a join, not a subquery per finding."""
    step = FindingStep
    if before is not None:
        order, when = (col(step.at).desc(), col(step.id).desc()), col(step.at) < before
    else:
        order, when = (col(step.at), col(step.id)), col(step.at) >= since
    rank = func.row_number().over(partition_by=step.finding_id, order_by=order).label("rank")
    ranked = select(step.finding_id, step.kind, step.result, step.deadline_before, rank)
    ranked = ranked.where(col(step.kind).in_(kinds), when).subquery()
    return (
        select(ranked.c.finding_id, ranked.c.kind, ranked.c.result, ranked.c.deadline_before)
        .where(ranked.c.rank == 1)
        .subquery()
    )


def _findings(w: _Window, counties: Sequence[str] | None) -> tuple[Any, tuple[str, ...]]:
    """Overdue (逾期未整改) as the findings list says it, as of then: past the deadline in force then (the one
    before the first extension granted since) and open then — not closed, no rectification report pending and
    no passed re-inspection by then. The latest report or re-inspection before then tells; a finding with none
    before then was open then, unless it has none at all (a record without its loop) and is not open now."""
    closed_by_then = and_(Finding.status == "closed", col(Finding.closed_at) < w.end_at)
    extension = _latest_step(("extension",), since=w.end_at)
    loop = ("rectification", "reinspection")
    last = _latest_step(loop, before=w.end_at)
    later = _latest_step(loop, since=w.end_at)
    open_then = case(
        (last.c.kind == "rectification", False),
        (last.c.kind == "reinspection", func.coalesce(last.c.result, "") != "pass"),
        (later.c.finding_id.is_not(None), True),
        else_=col(Finding.status).not_in(("rectified", "awaiting_case")),
    )
    deadline_then = func.coalesce(extension.c.deadline_before, Finding.deadline)
    stmt = (
        select(
            Finding.county_code,
            func.count(),
            _count_if(Finding.severity == "general"),
            _count_if(Finding.severity == "serious_hazard"),
            _count_if(Finding.severity == "violation"),
            _count_if(closed_by_then),
            _count_if(and_(deadline_then < w.end, not_(closed_by_then), open_then)),
        )
        .select_from(Finding)
        .outerjoin(extension, extension.c.finding_id == Finding.id)
        .outerjoin(last, last.c.finding_id == Finding.id)
        .outerjoin(later, later.c.finding_id == Finding.id)
        .where(col(Finding.found_on) >= w.start, col(Finding.found_on) <= w.end)
    )
    stmt = _scoped(stmt, Finding.county_code, counties).group_by(Finding.county_code)
    names = ("findings", "findings_general", "findings_serious_hazard", "findings_violation", "rectified", "overdue")
    return stmt, names


def _cases(w: _Window, counties: Sequence[str] | None) -> tuple[Any, tuple[str, ...]]:
    stmt = (
        select(Finding.county_code, func.count(func.distinct(FindingStep.finding_id)))
        .join(Finding, col(Finding.id) == FindingStep.finding_id)
        .where(
            FindingStep.kind == "case",
            col(FindingStep.case_filed_on) >= w.start,
            col(FindingStep.case_filed_on) <= w.end,
        )
    )
    return _scoped(stmt, Finding.county_code, counties).group_by(Finding.county_code), ("cases_filed",)


def _risk_list(w: _Window, counties: Sequence[str] | None) -> tuple[Any, tuple[str, ...]]:
    stmt = select(RiskListEntry.county_code, func.count()).where(
        col(RiskListEntry.created_at) >= w.start_at, col(RiskListEntry.created_at) < w.end_at
    )
    return _scoped(stmt, RiskListEntry.county_code, counties).group_by(RiskListEntry.county_code), (
        "risk_list_entries",
    )


def _samplings(w: _Window, counties: Sequence[str] | None) -> tuple[Any, tuple[str, ...]]:
    """计划 七（四）: failed samplings and their post-processing, referred (上级转办) and local (本级组织) apart.
    A failed sampling without a follow-up (entered before follow-ups existed) counts as local, like the
    follow-ups the migration found."""
    handled = and_(SamplingFollowUp.status == "closed", col(SamplingFollowUp.closed_on) <= w.end)
    referred = SamplingFollowUp.origin == SamplingOrigin.referred.value
    local = func.coalesce(SamplingFollowUp.origin, SamplingOrigin.local.value) == SamplingOrigin.local.value
    stmt = (
        select(
            Enterprise.county_code,
            func.count(),
            _count_if(referred),
            _count_if(local),
            _count_if(handled),
            _count_if(and_(handled, referred)),
            _count_if(and_(handled, local)),
        )
        .select_from(RiskSignal)
        .join(Enterprise, col(Enterprise.id) == RiskSignal.enterprise_id)
        .outerjoin(SamplingFollowUp, col(SamplingFollowUp.signal_id) == RiskSignal.id)
        .where(
            RiskSignal.kind == SignalKind.sampling.value,
            col(RiskSignal.qualified).is_(False),
            col(RiskSignal.occurred_on) >= w.start,
            col(RiskSignal.occurred_on) <= w.end,
        )
    )
    return _scoped(stmt, Enterprise.county_code, counties).group_by(Enterprise.county_code), (
        "failed_samplings",
        "failed_samplings_referred",
        "failed_samplings_local",
        "samplings_handled",
        "samplings_handled_referred",
        "samplings_handled_local",
    )


def _publicity(w: _Window, counties: Sequence[str] | None) -> tuple[Any, tuple[str, ...]]:
    """计划 八 counts the adoptions by 地区级以上 media: a county-level outlet is no media adoption in 附件3."""
    reported = and_(
        col(PublicityActivity.media_adopted).is_(True),
        col(PublicityActivity.media_level).in_(sorted(level.value for level in REPORTED_MEDIA_LEVELS)),
    )
    stmt = select(PublicityActivity.county_code, func.count(), _count_if(reported)).where(
        col(PublicityActivity.held_on) >= w.start, col(PublicityActivity.held_on) <= w.end
    )
    return _scoped(stmt, PublicityActivity.county_code, counties).group_by(PublicityActivity.county_code), (
        "publicity_activities",
        "media_adoptions",
    )


async def issued_plans(session: AsyncSession, year: int, as_of: date) -> dict[str, uuid.UUID]:
    """{prefecture: its plan of `year`} for the plans issued by the end of `as_of`."""
    stmt = select(Plan.prefecture_code, Plan.id).where(
        Plan.year == year, Plan.status == "issued", col(Plan.issued_at) < day_end(as_of)
    )
    return dict((await session.exec(stmt)).all())


async def counties_by_prefecture(session: AsyncSession, counties: Sequence[str] | None) -> dict[str, list[str]]:
    """{prefecture: [county, …]} of the given counties (all counties when None)."""
    stmt = select(Jurisdiction.parent_code, Jurisdiction.code).where(Jurisdiction.level == "county")
    if counties is not None:
        stmt = stmt.where(col(Jurisdiction.code).in_(list(counties)))
    groups: dict[str, list[str]] = {}
    for prefecture, county in (await session.exec(stmt.order_by(Jurisdiction.code))).all():
        groups.setdefault(prefecture or "", []).append(county)
    return groups


async def county_figures(
    session: AsyncSession, *, year: int, as_of: date, counties: Sequence[str] | None, recount: bool = False
) -> dict[str, SummaryFigures]:
    """Figures of each county (all counties when `counties` is None): the risk list, samplings and publicity
    counted from the records now, once for all the counties; the ledger's and the findings' figures from the
    kept figures (app/services/reports/kept.py); visits and the plan per prefecture, against its own plan, from the
    kept figures where they answer for `as_of`. `recount` counts everything (the reference the kept figures
    must equal); so does SQLite, which keeps no figures."""
    groups = await counties_by_prefecture(session, counties)
    plans = await issued_plans(session, year, as_of)
    whole = counties is None and len(groups) <= 1  # one prefecture: no county filter at all, as before the tree
    w = _Window(year, as_of)
    use_kept = figures_kept(session) and not recount
    counted = (_risk_list, _samplings, _publicity) + (() if use_kept else (_ledger, _findings, _cases))
    queries = [q(w, counties) for q in counted]
    if use_kept:
        queries += [kept_ledger(as_of, counties), kept_findings(year, as_of, counties)]
    sums: dict[str, dict[str, int]] = {}
    for prefecture, group in groups.items():
        plan_id, scope = plans.get(prefecture), None if whole else group
        kept = None
        if use_kept:
            kept = await kept_visits_and_plan(
                session, plan_id=plan_id, start=w.start, as_of=as_of, end_at=w.end_at, counties=scope
            )
        if kept is None:
            queries.append(_visits_and_plan(plan_id, w, scope))
        else:
            for county, values in kept.items():
                sums.setdefault(county, {}).update(values)
    for county, values in (await _grouped_all(session, queries)).items():
        sums.setdefault(county, {}).update(values)
    if not use_kept:
        late = await count_late_reinspections(session, year=year, as_of=as_of, counties=counties)
        for county, count in late.items():
            sums.setdefault(county, {})["late_reinspections"] = count
    return {county: SummaryFigures(**values) for county, values in sums.items()}


def add_up(figures: Sequence[SummaryFigures]) -> SummaryFigures:
    return SummaryFigures(**{name: sum(getattr(f, name) for f in figures) for name in COUNT_FIGURES})
