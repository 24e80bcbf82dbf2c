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
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any

from sqlalchemy import BigInteger, BindParameter, and_, bindparam, case, cast, func, literal, not_, null, or_, union_all
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.reporting import REPORTED_MEDIA_LEVELS, SamplingOrigin
from app.domain.statuses import EnterpriseStatus, SignalKind
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
from app.services.reports.kept import (
    kept_findings,
    kept_ledger,
    kept_plan_answers,
    kept_plan_lines,
    kept_visits,
    plan_figures,
    plan_moved_after,
)

CHINA = timezone(timedelta(hours=8), "CST")


def day_end(day: date) -> datetime:
    """The first instant after `day` in Beijing, as UTC: timestamps before it belong to the day or earlier."""
    return datetime.combine(day + timedelta(days=1), time(), CHINA).astimezone(UTC)


def _count_if(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


class _Window:
    """The bounds of the summary of `year` as of `as_of`; `_Window.bound()`: the same names as bind parameters,
    for a statement built once and run with `params()`."""

    def __init__(self, year: int, as_of: date) -> None:
        self.year = year
        self.start = date(year, 1, 1)
        self.end = as_of
        self.start_at = day_end(self.start - timedelta(days=1))
        self.end_at = day_end(as_of)
        self.year_end = date(as_of.year, 12, 31)

    def params(self) -> dict[str, Any]:
        return {f"w_{name}": value for name, value in vars(self).items()}

    @classmethod
    def bound(cls) -> Any:
        window = cls.__new__(cls)
        for name in vars(cls(2000, date(2000, 1, 1))):
            setattr(window, name, bindparam(f"w_{name}"))
        return window


def _scoped(stmt: Any, column: Any, counties: Any) -> Any:
    """`stmt` restricted to `counties`: None (all of them), a list, or an expanding bind parameter."""
    if counties is None:
        return stmt
    return stmt.where(col(column).in_(counties if isinstance(counties, BindParameter) else list(counties)))


async def _grouped(session: AsyncSession, stmt: Any, names: Sequence[str]) -> dict[str, dict[str, int]]:
    return {row[0]: dict(zip(names, (int(v or 0) for v in row[1:]), strict=True)) for row in await session.exec(stmt)}


Query = tuple[Any, Sequence[str]]  # a GROUP BY county statement and the names of its figures


def _union(queries: Sequence[Query]) -> Any:
    """Several queries as one UNION ALL, each query's rows tagged with its position and padded to one width."""
    width = max(len(names) for _, names in queries)
    parts = []
    for i, (stmt, names) in enumerate(queries):
        county, *values = stmt.subquery().c
        padding = [cast(null(), BigInteger)] * (width - len(names))
        parts.append(select(literal(i), county, *(cast(v, BigInteger) for v in values), *padding))
    return union_all(*parts)


def _apart(rows: Iterable[Any], names: Sequence[Sequence[str]]) -> list[dict[str, dict[str, int]]]:
    """The rows of `_union` back apart: per query, {county: {figure: value}}."""
    each: list[dict[str, dict[str, int]]] = [{} for _ in names]
    for i, county, *values in rows:
        each[i][county] = dict(zip(names[i], (int(v or 0) for v in values), strict=False))
    return each


async def _each(session: AsyncSession, queries: Sequence[Query]) -> list[dict[str, dict[str, int]]]:
    """`_grouped` of several queries in one round trip, each query's rows apart."""
    return _apart(await session.exec(_union(queries)), [names for _, names in queries])


def _merge(into: dict[str, dict[str, int]], sums: dict[str, dict[str, int]]) -> None:
    for county, values in sums.items():
        into.setdefault(county, {}).update(values)


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


Prefectures = dict[str, tuple[uuid.UUID | None, list[str]]]  # {prefecture: (its issued plan or None, its counties)}


def counties_and_plans(year: Any, end_at: Any) -> Any:
    """(county, name, prefecture, the prefecture's plan of `year` if issued before `end_at`) of every county: one
    plan per prefecture and year at most, so one row per county. Values or bind parameters alike."""
    issued = and_(
        Plan.prefecture_code == Jurisdiction.parent_code,
        Plan.year == year,
        Plan.status == "issued",
        col(Plan.issued_at) < end_at,
    )
    return (
        select(Jurisdiction.code, Jurisdiction.name, Jurisdiction.parent_code, Plan.id)
        .outerjoin(Plan, issued)
        .where(Jurisdiction.level == "county")
    )


def by_prefecture(rows: Iterable[tuple[str, str | None, uuid.UUID | None]]) -> Prefectures:
    """{prefecture: (plan, [county, …])} of (county, prefecture, plan) rows, the counties in code order."""
    groups: Prefectures = {}
    for county, prefecture, plan_id in sorted(rows, key=lambda row: row[0]):
        groups.setdefault(prefecture or "", (plan_id, []))[1].append(county)
    return groups


async def prefectures_of(session: AsyncSession, year: int, as_of: date, counties: Sequence[str] | None) -> Prefectures:
    """The given counties (all counties when None) by prefecture, each prefecture with its issued plan."""
    stmt = counties_and_plans(year, day_end(as_of))
    if counties is not None:
        stmt = stmt.where(col(Jurisdiction.code).in_(list(counties)))
    return by_prefecture((code, prefecture, plan_id) for code, _, prefecture, plan_id in await session.exec(stmt))


Groups = Sequence[tuple[Any, Any]]  # per prefecture: (its plan or None, its counties or None for all of them)


def _queries(w: Any, counties: Any, groups: Groups, *, use_kept: bool) -> tuple[list[Query], int, list[int]]:
    """The queries of one summary (values or bind parameters alike), how many come before the prefectures' own, and
    where each prefecture's start: its visits and plan recounted, or its kept visits followed, if it has a plan, by
    its kept lines and what tells whether they answer (`kept_plan_answers`)."""
    counted = (_risk_list, _samplings, _publicity) + (() if use_kept else (_ledger, _findings, _cases))
    queries = [q(w, counties) for q in counted]
    if use_kept:
        queries += [kept_ledger(w.end, counties), kept_findings(w.year, w.end, counties)]
    common, starts = len(queries), []
    for plan_id, scope in groups:
        starts.append(len(queries))
        if not use_kept:
            queries.append(_visits_and_plan(plan_id, w, scope))
        else:
            queries.append(kept_visits(w.start, w.end, scope))
            if plan_id is not None:
                moved = plan_moved_after(plan_id, w.end, w.end_at, w.year_end, scope)
                queries += [kept_plan_lines(plan_id, w.end, scope), moved]
    return queries, common, starts


Shape = tuple[bool, bool, tuple[tuple[bool, bool], ...]]  # kept?, all counties?, per prefecture: a plan? all?


@lru_cache(maxsize=64)
def _bound(shape: Shape) -> tuple[Any, list[Sequence[str]], int, list[int]]:
    """The one statement of a summary of this shape, built once with bind parameters (building it and keying it
    for the compiled cache cost more client time than the database's work at 10k visits)."""
    use_kept, all_counties, group_shapes = shape
    counties = None if all_counties else bindparam("counties", expanding=True)
    groups = [
        (bindparam(f"plan_{i}") if has_plan else None, None if whole else bindparam(f"scope_{i}", expanding=True))
        for i, (has_plan, whole) in enumerate(group_shapes)
    ]
    queries, common, starts = _queries(_Window.bound(), counties, groups, use_kept=use_kept)
    return _union(queries), [names for _, names in queries], common, starts


async def county_figures(
    session: AsyncSession,
    *,
    year: int,
    as_of: date,
    counties: Sequence[str] | None,
    recount: bool = False,
    prefectures: Prefectures | None = None,
) -> dict[str, SummaryFigures]:
    """Figures of each county (all counties when `counties` is None): the risk list, samplings and publicity
    counted from the records now, once for all the counties; the ledger's and the findings' figures from the
    kept figures (app/services/reports/kept.py); visits and the plan per prefecture, against its own plan, from the
    kept figures where they answer for `as_of`. `recount` counts everything (the reference the kept figures
    must equal); so does SQLite, which keeps no figures. `prefectures`: those of `counties`, if the caller read
    them already (`prefectures_of`).

    One round trip for all of it, a second only where a plan moved after `as_of` (its visits and lines recounted)."""
    if prefectures is None:
        prefectures = await prefectures_of(session, year, as_of, counties)
    whole = counties is None and len(prefectures) <= 1  # one prefecture: no county filter at all, as before the tree
    groups = [(plan_id, None if whole else group) for plan_id, group in prefectures.values()]
    use_kept = figures_kept(session) and not recount
    w = _Window(year, as_of)
    shape = (use_kept, counties is None, tuple((plan_id is not None, scope is None) for plan_id, scope in groups))
    stmt, names, common, starts = _bound(shape)
    params = w.params() | ({} if counties is None else {"counties": list(counties)})
    for i, (plan_id, scope) in enumerate(groups):
        params |= {f"plan_{i}": plan_id} if plan_id is not None else {}
        params |= {f"scope_{i}": list(scope)} if scope is not None else {}
    each = _apart(await session.exec(stmt, params=params), names)
    sums: dict[str, dict[str, int]] = {}
    for found in each[:common] if use_kept else each:
        _merge(sums, found)
    recounted = []
    for (plan_id, scope), start in zip(groups, starts, strict=True) if use_kept else ():
        if plan_id is None:
            _merge(sums, each[start])
            continue
        lines, moved = each[start + 1], each[start + 2]
        if kept_plan_answers(lines, moved, prefecture_wide=scope is None or len(scope) > 1):
            _merge(sums, each[start])
            _merge(sums, {county: plan_figures(figures) for county, figures in lines.items()})
        else:
            recounted.append(_visits_and_plan(plan_id, w, scope))
    if recounted:
        for found in await _each(session, recounted):
            _merge(sums, found)
    if not use_kept:
        late = await count_late_reinspections(session, year=year, as_of=as_of, counties=counties)
        for county, count in late.items():
            sums.setdefault(county, {})["late_reinspections"] = count
    return {county: SummaryFigures(**values) for county, values in sums.items()}


def add_up(figures: Sequence[SummaryFigures]) -> SummaryFigures:
    return SummaryFigures(**{name: sum(getattr(f, name) for f in figures) for name in COUNT_FIGURES})
