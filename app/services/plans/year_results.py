"""What a plan year left behind, per enterprise — the inputs of `suggest_next_class`: a case filed, a failed
supervisory sampling, the highest escalation level a finding reached, counted visits, findings still open.

One query per kind of fact for any number of enterprises (a page of a plan, or a batch of decisions).
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.clock import CHINA
from app.domain.findings import FindingState, escalation_level
from app.domain.ruleset import ruleset_for
from app.domain.statuses import SignalKind
from app.models import Finding, FindingStep, RiskSignal
from app.services.plans.rules import counted_visits, done_of


@dataclass(frozen=True)
class YearResult:
    case_filed: bool = False
    failed_sampling: bool = False
    max_escalation_level: int = 0
    visits_done: int = 0
    open_findings: int = 0


def _day(at: datetime | None) -> date | None:
    return at.astimezone(CHINA).date() if at is not None else None


def highest_level_reached(finding: Finding, lowered_on: date | None, *, start: date, as_of: date) -> int | None:
    """The highest escalation level the finding's facts gave on a day of [start, as_of]: the overdue count grows
    until its first rectification report, passed re-inspection or closing (`lowered_on`), and failed
    re-inspections and a refusal, once recorded, count at their height. None: resolved before `start`."""
    stop = min(d for d in (as_of, lowered_on, _day(finding.closed_at)) if d is not None)
    if stop < start:
        return None
    state = FindingState(
        deadline=finding.deadline,
        closed=False,
        failed_reinspections=finding.failed_reinspections,
        refused=finding.refused_on is not None and finding.refused_on <= as_of,
    )
    return escalation_level(stop, state, ruleset_for(finding.found_on.year))[0]


async def _cases(session: AsyncSession, ids: list[uuid.UUID], start: date, as_of: date) -> set[uuid.UUID]:
    stmt = (
        select(Finding.enterprise_id)
        .join(FindingStep, col(FindingStep.finding_id) == Finding.id)
        .where(
            col(Finding.enterprise_id).in_(ids),
            FindingStep.kind == "case",
            col(FindingStep.case_filed_on) >= start,
            col(FindingStep.case_filed_on) <= as_of,
        )
    )
    return set((await session.exec(stmt)).all())


async def _failed_samplings(session: AsyncSession, ids: list[uuid.UUID], start: date, as_of: date) -> set[uuid.UUID]:
    stmt = select(RiskSignal.enterprise_id).where(
        col(RiskSignal.enterprise_id).in_(ids),
        RiskSignal.kind == SignalKind.sampling.value,
        col(RiskSignal.qualified).is_(False),
        col(RiskSignal.occurred_on) >= start,
        col(RiskSignal.occurred_on) <= as_of,
    )
    return set((await session.exec(stmt)).all())


async def _visits(session: AsyncSession, ids: list[uuid.UUID], year: int) -> dict[uuid.UUID, int]:
    counted = counted_visits(year)
    stmt = select(counted.c.enterprise_id, done_of(counted)).where(counted.c.enterprise_id.in_(ids))
    return dict((await session.exec(stmt)).all())


async def _findings(
    session: AsyncSession, ids: list[uuid.UUID], start: date, as_of: date
) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, int]]:
    """(highest level reached in the year, findings open on `as_of`) per enterprise."""
    year_began = datetime.combine(start, datetime.min.time(), CHINA)
    stmt = select(Finding).where(
        col(Finding.enterprise_id).in_(ids),
        col(Finding.found_on) <= as_of,
        or_(col(Finding.closed_at).is_(None), col(Finding.closed_at) >= year_began),
    )
    findings = (await session.exec(stmt)).all()
    lowers = or_(
        FindingStep.kind == "rectification", and_(FindingStep.kind == "reinspection", FindingStep.result == "pass")
    )
    lowering = (
        select(FindingStep.finding_id, func.min(FindingStep.at))
        .where(col(FindingStep.finding_id).in_([f.id for f in findings]), lowers)
        .group_by(FindingStep.finding_id)
    )
    first_lowered = dict((await session.exec(lowering)).all())
    levels: dict[uuid.UUID, int] = defaultdict(int)
    still_open: dict[uuid.UUID, int] = defaultdict(int)
    for finding in findings:
        level = highest_level_reached(finding, _day(first_lowered.get(finding.id)), start=start, as_of=as_of)
        if level is not None:
            levels[finding.enterprise_id] = max(levels[finding.enterprise_id], level)
        closed_on = _day(finding.closed_at)
        if closed_on is None or closed_on > as_of:
            still_open[finding.enterprise_id] += 1
    return levels, still_open


async def gather_year_results(
    session: AsyncSession, enterprise_ids: Sequence[uuid.UUID], *, year: int, as_of: date
) -> dict[uuid.UUID, YearResult]:
    """Every enterprise's results of `year` as of `as_of` (at the latest Dec 31 of the year)."""
    ids = list(enterprise_ids)
    if not ids:
        return {}
    start = date(year, 1, 1)
    cases = await _cases(session, ids, start, as_of)
    samplings = await _failed_samplings(session, ids, start, as_of)
    visits = await _visits(session, ids, year)
    levels, still_open = await _findings(session, ids, start, as_of)
    return {
        i: YearResult(
            case_filed=i in cases,
            failed_sampling=i in samplings,
            max_escalation_level=levels.get(i, 0),
            visits_done=int(visits.get(i, 0)),
            open_findings=still_open.get(i, 0),
        )
        for i in ids
    }
