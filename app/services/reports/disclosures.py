"""Public disclosure (计划 一、二: 信息公开, 定期公示日常监督检查信息): the prefecture publishes reviewed archived
visits in batches; entries copy only the public fields; withdrawal hides an entry and is audited.

Decision on the calendar: disclosure has its own, the two calendar halves of the year (h1 January–June, h2
July–December), not the report periods: those end on the RuleSet's due dates and left the visits after the last
one with no batch that could hold them. Halves hold every day of the year, keep the batches regular (定期) and
comparable year to year, and need no choice of dates; a half can be published in several batches, each taking
what is not yet published, so nothing waits for the half to end."""

import uuid
from datetime import date

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import SYSTEM, Actor
from app.core.errors import Conflict
from app.core.paging import PageQuery, Window
from app.domain.errors import Message, Problem, RuleViolation
from app.domain.reporting import disclosure_range
from app.models import Disclosure, DisclosureEntry, Enterprise, Jurisdiction, Visit
from app.models.base import utcnow
from app.schemas.disclosure import DisclosureCreate, DisclosureDetail, DisclosureEntryRead, DisclosureWithdraw
from app.services import events
from app.services.common import audit
from app.services.common.access import in_prefecture_scope, in_scope, one_or_404, own_prefecture, scope_visits
from app.services.common.paging import paginate

_ACTIVE = col(DisclosureEntry.withdrawn_at).is_(None)


def _candidates(actor: Actor):  # noqa: ANN202
    stmt = (
        select(Visit, Enterprise.name, Enterprise.credit_code, Jurisdiction.name)
        .join(Enterprise, col(Enterprise.id) == Visit.enterprise_id)
        .join(Jurisdiction, col(Jurisdiction.code) == Visit.county_code)
    )
    return scope_visits(stmt, actor)


async def _published_visit_ids(session: AsyncSession, visit_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    stmt = select(DisclosureEntry.visit_id).where(_ACTIVE, col(DisclosureEntry.visit_id).in_(visit_ids))
    return set((await session.exec(stmt)).all())


async def _chosen(session: AsyncSession, actor: Actor, data: DisclosureCreate, start: date, end: date) -> list:
    if data.visit_ids is None:
        published = select(DisclosureEntry.visit_id).where(_ACTIVE)
        stmt = _candidates(actor).where(
            Visit.status == "archived",
            col(Visit.visit_date) >= start,
            col(Visit.visit_date) <= end,
            col(Visit.id).not_in(published),
        )
        return list((await session.exec(stmt.order_by(Visit.visit_date, Visit.id))).all())
    found = {
        row[0].id: row
        for row in (await session.exec(_candidates(actor).where(col(Visit.id).in_(data.visit_ids)))).all()
    }
    published = await _published_visit_ids(session, list(found))
    problems, rows, seen = [], [], set()
    for n, visit_id in enumerate(data.visit_ids):
        row = found.get(visit_id)
        loc = ("visit_ids", n)
        if row is None:
            problems.append(Problem(loc, "visit_not_found_by_id", visit_id=visit_id))
        elif row[0].status != "archived":
            problems.append(Problem(loc, "only_archived_visits_are_published"))
        elif not start <= row[0].visit_date <= end:
            problems.append(Problem(loc, "visit_outside_period", start=start, end=end))
        elif visit_id in published or visit_id in seen:
            problems.append(Problem(loc, "already_published"))
        else:
            rows.append(row)
            seen.add(visit_id)
    if problems:
        raise RuleViolation(problems)
    return rows


async def publish(session: AsyncSession, actor: Actor, data: DisclosureCreate, *, today: date) -> Disclosure:
    start, end = disclosure_range(data.year, data.period)
    if start > today:
        raise RuleViolation([Problem(("period",), "half_has_not_begun", period=data.period)])
    end = min(end, today)
    rows = await _chosen(session, actor, data, start, end)
    if not rows:
        raise RuleViolation([Problem(("visit_ids",), "nothing_to_publish")])
    disclosure = Disclosure(
        prefecture_code=await own_prefecture(session, actor),
        year=data.year,
        period=data.period.value,
        review_note=data.review_note,
        entry_count=len(rows),
        published_by_id=actor.user_id,
        published_by_name=actor.name,
    )
    session.add(disclosure)
    for visit, enterprise_name, credit_code, county_name in rows:
        session.add(
            DisclosureEntry(
                disclosure_id=disclosure.id,
                visit_id=visit.id,
                county_code=visit.county_code,
                enterprise_name=enterprise_name,
                credit_code=credit_code,
                county_name=county_name,
                visit_date=visit.visit_date,
                visit_type=visit.visit_type,
                conclusion=visit.conclusion,
            )
        )
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(Message("published_concurrently")) from exc
    await audit.record(
        session,
        actor,
        "disclosure.publish",
        "disclosure",
        disclosure.id,
        after={"year": data.year, "period": data.period.value, "visits": [str(r[0].id) for r in rows]},
    )
    detail = await present_disclosure(session, SYSTEM, disclosure)  # every county's entries: the prefecture's event
    subject = f"/api/v1/disclosures/{disclosure.id}"
    await events.emit(session, "disclosure.published", subject, detail, disclosure.prefecture_code)
    return disclosure


async def get_disclosure(session: AsyncSession, actor: Actor, disclosure_id: uuid.UUID) -> Disclosure:
    stmt = in_prefecture_scope(
        select(Disclosure).where(Disclosure.id == disclosure_id), Disclosure.prefecture_code, actor
    )
    return await one_or_404(session, stmt, Message("disclosure_not_found"))


async def list_disclosures(
    session: AsyncSession, actor: Actor, *, year: int | None, page: PageQuery
) -> Window[Disclosure]:
    stmt = in_prefecture_scope(select(Disclosure), Disclosure.prefecture_code, actor)
    if year is not None:
        stmt = stmt.where(Disclosure.year == year)
    return await paginate(session, stmt.order_by(col(Disclosure.published_at).desc()), page)


async def present_disclosure(session: AsyncSession, actor: Actor, disclosure: Disclosure) -> DisclosureDetail:
    stmt = in_scope(
        select(DisclosureEntry).where(DisclosureEntry.disclosure_id == disclosure.id),
        DisclosureEntry.county_code,
        actor,
    ).order_by(DisclosureEntry.county_code, DisclosureEntry.visit_date, DisclosureEntry.id)
    entries = [DisclosureEntryRead.model_validate(e) for e in (await session.exec(stmt)).all()]
    return DisclosureDetail(
        **disclosure.model_dump(),
        active_entries=sum(1 for e in entries if e.withdrawn_at is None),
        entries=entries,
    )


async def withdraw(
    session: AsyncSession, actor: Actor, disclosure_id: uuid.UUID, data: DisclosureWithdraw
) -> Disclosure:
    disclosure = await get_disclosure(session, actor, disclosure_id)
    stmt = select(DisclosureEntry).where(DisclosureEntry.disclosure_id == disclosure.id, _ACTIVE).with_for_update()
    active = {e.id: e for e in (await session.exec(stmt)).all()}
    if data.entry_ids is None:
        chosen = list(active.values())
    else:
        problems = [
            Problem(("entry_ids", n), "no_such_active_entry", entry_id=entry_id)
            for n, entry_id in enumerate(data.entry_ids)
            if entry_id not in active
        ]
        if problems:
            raise RuleViolation(problems)
        chosen = [active[entry_id] for entry_id in dict.fromkeys(data.entry_ids)]
    if not chosen:
        raise Conflict(Message("batch_already_withdrawn"))
    now = utcnow()
    for entry in chosen:
        entry.withdrawn_at = now
        entry.withdrawn_reason = data.reason
        entry.withdrawn_by_name = actor.name
        session.add(entry)
    await session.flush()
    await audit.record(
        session,
        actor,
        "disclosure.withdraw",
        "disclosure",
        disclosure.id,
        before={"withdrawn": []},
        after={
            "reason": data.reason,
            "withdrawn": [{"entry_id": str(e.id), "visit_id": str(e.visit_id)} for e in chosen],
        },
    )
    return disclosure


async def count_active(session: AsyncSession) -> int:
    return (await session.exec(select(func.count()).select_from(DisclosureEntry).where(_ACTIVE))).one()
