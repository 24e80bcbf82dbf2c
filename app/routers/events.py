from typing import Annotated

from fastapi import APIRouter, Query

from app.core.db import SessionDep
from app.core.deps import Allowed, SettingsDep
from app.core.errors import Forbidden, Unauthorized, Unprocessable, error_responses
from app.core.paging import FeedPaging
from app.domain.permissions import Permission
from app.schemas.common import Page
from app.schemas.event import CloudEvent
from app.services import events as service

router = APIRouter(prefix="/api/v1/events", tags=["events"])
Reader = Allowed(Permission.ENTERPRISES_READ)  # whoever reads the ledger; each event type then needs its own


@router.get("", response_model=Page[CloudEvent], responses=error_responses(Unauthorized, Forbidden, Unprocessable))
async def read_change_feed(
    actor: Reader,
    session: SessionDep,
    settings: SettingsDep,
    page: FeedPaging,
    types: Annotated[
        list[str] | None, Query(max_length=50, description="event types, repeated or comma-separated")
    ] = None,
    wait: Annotated[float, Query(ge=0, le=service.MAX_WAIT_SECONDS, description="seconds to wait for events")] = 0,
) -> Page[CloudEvent]:
    """The change feed: events you may see, oldest first (CloudEvents 1.0); `next` always continues, `wait`
    long-polls."""
    names = [t.strip() for value in types or [] for t in value.split(",") if t.strip()] or None
    wait = min(wait, settings.event_feed_max_wait_seconds)
    window = await service.list_events(session, actor=actor, page=page, types=names, wait=wait)
    return Page.of(window, page, service.as_cloud_event)
