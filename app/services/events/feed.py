"""The change feed: the events a caller may see, oldest first, after a cursor; optionally waiting for some.

Scoping is the record's: a caller sees the events whose jurisdiction lies in their subtree — a county's its own,
a prefecture's also its own events (a plan issued, a disclosure published, whose jurisdiction is the prefecture),
the region every one of them, and each type only with the permission that reads its record.
"""

import asyncio
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Unprocessable
from app.models import Event
from app.schemas.event import EVENT_TYPES, TYPE_PREFIX, CloudEvent
from app.services.common.access import in_scope

MAX_WAIT_SECONDS = 30
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class FeedPage:
    events: list[Event]
    next_after: int


def as_cloud_event(event: Event) -> CloudEvent:
    """The event in CloudEvents 1.0 JSON form, as the feed and webhooks carry it."""
    return CloudEvent(
        id=event.id, type=event.type, subject=event.subject, time=event.time, countycode=event.county_code,
        position=event.position, data=event.data,
    )  # fmt: skip


def readable_types(actor: Actor) -> list[str]:
    return [name for name, kind in EVENT_TYPES.items() if actor.may(kind.permission)]


def _wanted(actor: Actor, types: list[str] | None) -> list[str]:
    readable = readable_types(actor)
    if not types:
        return readable
    names = [t if t.startswith(TYPE_PREFIX) else TYPE_PREFIX + t for t in types]
    unknown = [
        (["query", "types", i], f"未知的事件类型 (unknown event type) {t}")
        for i, (t, n) in enumerate(zip(types, names, strict=True))
        if n not in EVENT_TYPES
    ]
    if unknown:
        raise Unprocessable("未知的事件类型 (unknown event type)", errors=unknown)
    return [n for n in names if n in readable]


async def _read(session: AsyncSession, actor: Actor, after: int, wanted: list[str], limit: int) -> FeedPage:
    head = (await session.exec(select(func.coalesce(func.max(Event.position), 0)))).one()
    stmt = select(Event).where(Event.position > after, Event.position <= head, col(Event.type).in_(wanted))
    stmt = in_scope(stmt, Event.county_code, actor)
    events = list((await session.exec(stmt.order_by(col(Event.position)).limit(limit))).all())
    # a short page has read everything up to `head`: the cursor moves past events the caller may not see
    next_after = events[-1].position if len(events) == limit else max(after, head)
    return FeedPage(events, next_after)


async def list_events(
    session: AsyncSession, *, actor: Actor, after: int, types: list[str] | None, limit: int, wait: float = 0
) -> FeedPage:
    """Events after position `after`; with `wait` > 0 and none yet, look again until some come or `wait` passes.
    Between looks the read transaction is ended (no connection held idle in a transaction, and SQLite's
    snapshot renewed) — unless the request has changes of its own to commit (PostgreSQL's READ COMMITTED sees
    new events anyway)."""
    wanted = _wanted(actor, types)
    pending = bool(session.new or session.dirty or session.deleted)  # e.g. a key's last_used_at: kept, so not ended
    loop = asyncio.get_running_loop()
    deadline = loop.time() + min(wait, MAX_WAIT_SECONDS)
    while True:
        page = await _read(session, actor, after, wanted, limit)
        if page.events or loop.time() >= deadline:
            return page
        if not pending:
            await session.rollback()
        await asyncio.sleep(min(POLL_SECONDS, max(0.0, deadline - loop.time())))
