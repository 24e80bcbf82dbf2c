import uuid

from app.core.db import SessionDep
from app.core.deps import Allowed
from app.core.errors import COMMON_ERRORS, Forbidden, Unauthorized, error_responses
from app.core.paging import OffsetPaging
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.schemas.common import Page
from app.schemas.notification import NotificationRead, NotificationsMarked
from app.services import notifications as service

router = resource_router("notifications", "/me/notifications")
Recipient = Allowed(Permission.NOTIFICATIONS_READ)


@router.get("", response_model=Page[NotificationRead], responses=COMMON_ERRORS)
async def list_my_notifications(
    actor: Recipient, session: SessionDep, page: OffsetPaging, unread: bool | None = None
) -> Page[NotificationRead]:
    """Your notifications, newest first; `unread=true` for the unread ones only."""
    window = await service.list_notifications(session, actor, unread=unread, page=page)
    return Page.of(window, page, NotificationRead.model_validate)


@router.post("/read-all", response_model=NotificationsMarked, responses=error_responses(Unauthorized, Forbidden))
async def mark_all_my_notifications_read(actor: Recipient, session: SessionDep) -> NotificationsMarked:
    """Mark every unread notification of yours read; says how many were."""
    return NotificationsMarked(marked=await service.mark_all_read(session, actor))


@router.post("/{notification_id}/read", response_model=NotificationRead, responses=COMMON_ERRORS)
async def mark_my_notification_read(
    notification_id: uuid.UUID, actor: Recipient, session: SessionDep
) -> NotificationRead:
    """Mark one of your notifications read (again: unchanged); another user's is not found."""
    return NotificationRead.model_validate(await service.mark_read(session, actor, notification_id))
