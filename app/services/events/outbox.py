"""The outbox: `emit` appends an event in the caller's transaction; the commit numbers it.

Positions are gap-free and visible in order. A sequence would not do: it leaves a gap for every rollback and
hands out numbers in the order transactions *started*, not committed, so a reader could see 8 before 7 and skip
7 for ever. Instead the events wait on the session (`CommitQueue`, the audit chain's machinery) and, inside the
commit, take the next positions under a PostgreSQL advisory lock held for the commit alone: the next committer
reads the last position only after this one is visible. On SQLite the database's single writer does the same.

In the same commit each event becomes a delivery for every active webhook subscription that wants it; the
delivery job is deferred under the lock too, with a procrastinate `lock` per (subscription, subject), so one
record's events reach a receiver in position order even across retries.
"""

import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, text
from sqlalchemy.orm import Session
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core import jobs
from app.models import Event, Jurisdiction, WebhookDelivery, WebhookSubscription
from app.models.base import utcnow
from app.schemas.event import EVENT_TYPES, TYPE_PREFIX
from app.services.common.commit_queue import CommitQueue

_LOCK_ID = 727_274_002
DELIVER = "webhooks.deliver"
"""The job that sends one delivery (registered by the worker; run in-process on SQLite)."""


def _seal(session: Session, events: list[Event]) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})
    position = session.execute(select(func.coalesce(func.max(Event.position), 0))).scalar_one()
    for event in events:
        position += 1
        event.position = position
        session.add(event)
    _fan_out(session, events)


def _fan_out(session: Session, events: list[Event]) -> None:
    wanted = list(session.execute(select(WebhookSubscription).where(col(WebhookSubscription.is_active))).scalars())
    if not wanted:
        return
    paths = dict(session.execute(select(Jurisdiction.code, Jurisdiction.path)).all())

    def reaches(node: str | None, county: str | None) -> bool:
        """A subscription bound to a node gets the events of its subtree (services/common/access.py, in memory)."""
        if node is None:
            return True
        return county is not None and paths.get(county, "").startswith(paths.get(node, "\0"))

    for event in events:
        for subscription in wanted:
            if event.type not in subscription.event_types:
                continue
            if not reaches(subscription.county_code, event.county_code):
                continue
            delivery = WebhookDelivery(
                subscription_id=subscription.id,
                event_position=event.position,
                message_id=f"msg_{event.id.hex}",
                event_type=event.type,
                subject=event.subject,
            )
            session.add(delivery)  # its id is set already: the job names it, both commit together
            jobs.enqueue_at_commit(
                session,
                DELIVER,
                {"delivery_id": str(delivery.id)},
                queue="webhooks",
                lock=f"webhook:{subscription.id}:{event.subject}",
            )


OUTBOX = CommitQueue("event_outbox", _seal)


def install() -> None:
    OUTBOX.install()


async def emit(
    session: AsyncSession, type: str, subject: str, data: BaseModel | dict[str, Any], county_code: str | None
) -> Event:
    """Append the event `cn.zhijian.<type>` about the record at `subject` (its API path): `data` is the record as
    the API returns it (its response schema). It is stored if, and when, the caller's transaction commits."""
    name = type if type.startswith(TYPE_PREFIX) else TYPE_PREFIX + type
    if name not in EVENT_TYPES:
        raise ValueError(f"unknown event type {name}")
    body = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
    event = Event(
        position=0, id=uuid.uuid4(), type=name, subject=subject, time=utcnow(), county_code=county_code, data=body
    )
    await OUTBOX.put(session, event)
    return event
