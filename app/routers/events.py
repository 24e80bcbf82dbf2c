from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.core.db import SessionDep
from app.core.deps import Allowed, SettingsDep
from app.core.errors import Forbidden, Unauthorized, Unprocessable, error_responses
from app.domain.permissions import Permission
from app.schemas.event import EventPage
from app.services import events as service

router = APIRouter(prefix="/api/v1/events", tags=["events"])
Reader = Allowed(Permission.ENTERPRISES_READ)  # whoever reads the ledger; each event type then needs its own


@router.get("", response_model=EventPage, responses=error_responses(Unauthorized, Forbidden, Unprocessable))
async def read_change_feed(
    request: Request,
    actor: Reader,
    session: SessionDep,
    settings: SettingsDep,
    after: Annotated[int, Query(ge=0, le=2**62, description="the last position seen (0: from the start)")] = 0,
    types: Annotated[
        list[str] | None, Query(max_length=50, description="event types, repeated or comma-separated")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    wait: Annotated[float, Query(ge=0, le=service.MAX_WAIT_SECONDS, description="seconds to wait for events")] = 0,
) -> EventPage:
    """The change feed: events you may see after `after`, oldest first (CloudEvents 1.0); `wait` long-polls."""
    names = [t.strip() for value in types or [] for t in value.split(",") if t.strip()] or None
    wait = min(wait, settings.event_feed_max_wait_seconds)
    page = await service.list_events(session, actor=actor, after=after, types=names, limit=limit, wait=wait)
    items = [service.as_cloud_event(e) for e in page.events]
    link = request.url.include_query_params(after=page.next_after, limit=limit)
    return EventPage(items=items, next_after=page.next_after, limit=limit, next=str(link))
