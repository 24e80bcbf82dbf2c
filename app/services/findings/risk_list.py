"""The risk problem list (风险问题清单): serious hazards and escalations, analysed by the county, reviewed above."""

import uuid
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Conflict
from app.core.paging import PageQuery, Window
from app.domain.errors import Message, Problem, raise_if_any
from app.models import Finding, RiskListEntry, Visit
from app.models.base import utcnow
from app.schemas.risk_list import RiskListEntryCreate, RiskListEntryUpdate, RiskListFilter
from app.services.common import audit
from app.services.common.access import in_scope, one_or_404, scope_visits
from app.services.common.filters import is_set, where_equal
from app.services.common.paging import paginate
from app.services.ledger import get_enterprise


def _scoped(actor: Actor):  # noqa: ANN202
    return in_scope(select(RiskListEntry), RiskListEntry.county_code, actor)


async def enter_automatically(session: AsyncSession, actor: Actor, finding: Finding, source: str) -> RiskListEntry:
    """A serious hazard, or a finding escalated to level 2, joins the list once (one entry per finding)."""
    existing = (await session.exec(select(RiskListEntry).where(RiskListEntry.finding_id == finding.id))).first()
    if existing is not None:
        return existing
    entry = RiskListEntry(
        county_code=finding.county_code,
        enterprise_id=finding.enterprise_id,
        finding_id=finding.id,
        source=source,
        problem=finding.description,
    )
    await audit.record_create(session, actor, entry, county_code=entry.county_code, action="risk_list.enter")
    return entry


async def get_entry(session: AsyncSession, actor: Actor, entry_id: uuid.UUID) -> RiskListEntry:
    return await one_or_404(
        session,
        _scoped(actor).where(RiskListEntry.id == entry_id),
        Message("risk_list_entry_not_found"),
    )


async def list_entries(
    session: AsyncSession,
    actor: Actor,
    *,
    f: RiskListFilter,
    page: PageQuery,
) -> Window[RiskListEntry]:
    stmt = where_equal(
        _scoped(actor), [(RiskListEntry.county_code, f.county_code), (RiskListEntry.enterprise_id, f.enterprise_id)]
    )
    if f.reviewed is not None:
        stmt = stmt.where(is_set(col(RiskListEntry.reviewed_at), f.reviewed))
    if f.reported is not None:
        stmt = stmt.where(is_set(col(RiskListEntry.reported_to_prefecture_at), f.reported))
    stmt = stmt.order_by(col(RiskListEntry.created_at).desc())
    return await paginate(session, stmt, page)


async def create_entry(session: AsyncSession, actor: Actor, data: RiskListEntryCreate) -> RiskListEntry:
    enterprise = await get_enterprise(session, actor, data.enterprise_id)
    if data.finding_id is not None:
        stmt = scope_visits(
            select(Finding).join(Visit, col(Visit.id) == Finding.visit_id).where(Finding.id == data.finding_id),
            actor,
        )
        finding = (await session.exec(stmt)).first()
        if finding is None or finding.enterprise_id != enterprise.id:
            raise_if_any([Problem(("finding_id",), "finding_not_found_for_enterprise")])
        taken = await session.exec(select(RiskListEntry.id).where(RiskListEntry.finding_id == data.finding_id))
        if taken.first() is not None:
            raise Conflict(Message("finding_already_on_risk_list"))
    entry = RiskListEntry(
        county_code=enterprise.county_code,
        enterprise_id=enterprise.id,
        finding_id=data.finding_id,
        source="manual",
        problem=data.problem,
        cause_analysis=data.cause_analysis,
        measures=data.measures,
        created_by_id=actor.user_id,
    )
    await audit.record_create(session, actor, entry, county_code=entry.county_code, action="risk_list.create")
    return entry


async def update_entry(
    session: AsyncSession, actor: Actor, entry_id: uuid.UUID, data: RiskListEntryUpdate
) -> RiskListEntry:
    """The county's cause analysis (深入剖析原因), measures, and when it reported the entry upward."""
    entry = await get_entry(session, actor, entry_id)
    if entry.reviewed_at is not None:
        raise Conflict(Message("already_reviewed_by_prefecture"))
    before = audit.snapshot(entry)
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(entry, name, value)
    problems = []
    if entry.reported_to_prefecture_at is not None:
        if not (entry.cause_analysis or "").strip():
            problems.append(Problem(("cause_analysis",), "cause_analysis_required"))
        if entry.reported_to_prefecture_at > utcnow() + timedelta(minutes=5):
            problems.append(Problem(("reported_to_prefecture_at",), "cannot_be_in_future"))
    raise_if_any(problems)
    entry.updated_at = utcnow()
    session.add(entry)
    await session.flush()
    old, new = audit.diff(before, audit.snapshot(entry))
    await audit.record(
        session, actor, "risk_list.update", "risk_list_entry", entry.id,
        county_code=entry.county_code, before=old, after=new,
    )  # fmt: skip
    return entry


async def review_entry(session: AsyncSession, actor: Actor, entry_id: uuid.UUID, note: str | None) -> RiskListEntry:
    """The prefecture's 质量监督科 marks an entry reviewed (once)."""
    entry = await get_entry(session, actor, entry_id)
    if entry.reviewed_at is not None:
        raise Conflict(Message("already_reviewed"))
    entry.reviewed_at = utcnow()
    entry.reviewed_by_id = actor.user_id
    entry.review_note = note
    entry.updated_at = entry.reviewed_at
    session.add(entry)
    await session.flush()
    await audit.record(
        session, actor, "risk_list.review", "risk_list_entry", entry.id,
        county_code=entry.county_code, after={"reviewed_at": entry.reviewed_at, "review_note": note},
    )  # fmt: skip
    return entry
