"""A user's own inbox: read it (newest first, unread only if asked), mark one or all read.

The scope is the recipient, a WHERE like every jurisdiction: another user's notification — of this county or
another — is simply not found (404). A notification is only ever stored for the user it concerns.
"""

import uuid
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.paging import PageQuery, Window
from app.domain.errors import Message
from app.models import Notification
from app.models.base import utcnow
from app.services.common import audit
from app.services.common.access import one_or_404
from app.services.common.paging import paginate

NOT_FOUND = Message("notification_not_found")


def _mine(actor: Actor) -> Any:
    return select(Notification).where(Notification.user_id == actor.user_id)


async def list_notifications(
    session: AsyncSession, actor: Actor, *, unread: bool | None, page: PageQuery
) -> Window[Notification]:
    """The caller's notifications, newest first; `unread` True: unread only, False: read only."""
    stmt = _mine(actor)
    if unread is not None:
        stmt = stmt.where(col(Notification.read_at).is_(None) if unread else col(Notification.read_at).is_not(None))
    stmt = stmt.order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
    return await paginate(session, stmt, page)


async def mark_read(session: AsyncSession, actor: Actor, notification_id: uuid.UUID) -> Notification:
    """Mark one of the caller's notifications read; reading it again changes nothing (the first time stays)."""
    notification = await one_or_404(session, _mine(actor).where(Notification.id == notification_id), NOT_FOUND)
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.add(notification)
        await session.flush()
        await audit.record(
            session, actor, "notification.read", "notification", notification.id,
            county_code=notification.county_code, after={"read_at": notification.read_at},
        )  # fmt: skip
    return notification


async def mark_all_read(session: AsyncSession, actor: Actor) -> int:
    """Mark every unread notification of the caller read; returns how many were."""
    stmt = (
        update(Notification)
        .where(col(Notification.user_id) == actor.user_id, col(Notification.read_at).is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    marked = (await session.exec(stmt)).rowcount or 0
    if marked:
        await audit.record(session, actor, "notification.read_all", "notification", after={"marked": marked})
    return marked
