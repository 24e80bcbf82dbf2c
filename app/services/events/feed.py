"""The change feed: the events a caller may see, oldest first, after a cursor; optionally waiting for some.

Scoping is the record's: a caller sees the events whose jurisdiction lies in their subtree — a county's its own,
a prefecture's also its own events (a plan issued, a disclosure published, whose jurisdiction is the prefecture),
the region every one of them, and each type only with the permission that reads its record.
"""

import asyncio

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Unprocessable
from app.core.paging import PageQuery, Window, cursor_problem
from app.domain.errors import Message
from app.models import Event
from app.schemas.event import EVENT_TYPES, TYPE_PREFIX, CloudEvent
from app.services.common.access import in_scope

MAX_WAIT_SECONDS = 30
POLL_SECONDS = 0.2


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
        (["query", "types", i], Message("unknown_event_type", event_type=t))
        for i, (t, n) in enumerate(zip(types, names, strict=True))
        if n not in EVENT_TYPES
    ]
    if unknown:
        raise Unprocessable(Message("unknown_event_types"), errors=unknown)
    return [n for n in names if n in readable]


def _position(page: PageQuery) -> int:
    after = page.after[0] if page.after and len(page.after) == 1 else None
    if not isinstance(after, int) or isinstance(after, bool):
        raise cursor_problem()
    return after


async def _read(session: AsyncSession, actor: Actor, after: int, wanted: list[str], limit: int) -> Window[Event]:
    head = (await session.exec(select(func.coalesce(func.max(Event.position), 0)))).one()
    stmt = select(Event).where(Event.position > after, Event.position <= head, col(Event.type).in_(wanted))
    stmt = in_scope(stmt, Event.county_code, actor)
    events = list((await session.exec(stmt.order_by(col(Event.position)).limit(limit + 1))).all())
    more = len(events) > limit
    # a short page has read everything up to `head`: the cursor moves past events the caller may not see
    next_after = events[limit - 1].position if more else max(after, head)
    return Window(events[:limit], more, None, [next_after])


async def list_events(
    session: AsyncSession, *, actor: Actor, page: PageQuery, types: list[str] | None, wait: float = 0
) -> Window[Event]:
    """Events after the page's position (its cursor holds the last position seen); with `wait` > 0 and none yet,
    look again until some come or `wait` passes. Between looks the read transaction is ended (no connection held
    idle in a transaction, and SQLite's snapshot renewed) — unless the request has changes of its own to commit
    (PostgreSQL's READ COMMITTED sees new events anyway)."""
    wanted, after = _wanted(actor, types), _position(page)
    pending = bool(session.new or session.dirty or session.deleted)  # e.g. a key's last_used_at: kept, so not ended
    loop = asyncio.get_running_loop()
    deadline = loop.time() + min(wait, MAX_WAIT_SECONDS)
    while True:
        window = await _read(session, actor, after, wanted, page.limit)
        if window.items or loop.time() >= deadline:
            return window
        if not pending:
            await session.rollback()
        await asyncio.sleep(min(POLL_SECONDS, max(0.0, deadline - loop.time())))
