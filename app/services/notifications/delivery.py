"""Putting notifications into inboxes once: a message per recipient, stored unless that recipient already has
its dedupe key (INSERT … ON CONFLICT DO NOTHING), so a daily job run twice, or two runs racing, store it once.

A run is audited as the system with one summary event (what kind, which day, how many stored), not one per
notification; a run that stores nothing changes nothing and leaves no event.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import SYSTEM
from app.domain.reminders import NotificationKind
from app.models import Notification
from app.models.base import utcnow
from app.services.common import audit

CHUNK = 500
TITLE_MAX = 200


@dataclass(frozen=True)
class Message:
    """One notification's content, to be put into the inbox of each of its recipients."""

    kind: NotificationKind
    county_code: str | None
    title: str
    body: str
    ref_type: str
    ref_id: uuid.UUID | None
    link: str
    dedupe_key: str


def _clip(title: str) -> str:
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


async def deliver(
    session: AsyncSession, kind: NotificationKind, sent: Iterable[tuple[uuid.UUID, Message]], *, today: date
) -> int:
    """Store each (recipient, message) the recipient does not have yet; returns how many were stored."""
    now = utcnow()
    rows = {
        (user_id, message.dedupe_key): {
            "id": uuid.uuid4(),
            "user_id": user_id,
            "county_code": message.county_code,
            "kind": message.kind.value,
            "title": _clip(message.title),
            "body": message.body,
            "ref_type": message.ref_type,
            "ref_id": message.ref_id,
            "link": message.link,
            "dedupe_key": message.dedupe_key,
            "created_at": now,
        }
        for user_id, message in sent
    }
    values = list(rows.values())
    connection = await session.connection()
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    stored = 0
    for start in range(0, len(values), CHUNK):
        stmt = (
            insert(Notification)
            .values(values[start : start + CHUNK])
            .on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"])
            .returning(Notification.__table__.c.id)
        )
        stored += len((await session.exec(stmt)).all())
    if stored:
        await audit.record(
            session, SYSTEM, f"notification.{kind.value}", "notification",
            after={"kind": kind, "today": today, "stored": stored, "candidates": len(values)},
        )  # fmt: skip
    return stored
