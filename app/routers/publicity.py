from typing import Annotated

from fastapi import Query

from app.core.db import SessionDep
from app.core.deps import Allowed, Today
from app.core.errors import COMMON_ERRORS
from app.core.paging import OffsetPaging
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.schemas.common import Page
from app.schemas.publicity import PublicityActivityCreate, PublicityActivityRead, PublicityFilter
from app.services.reports import publicity as service

router = resource_router("publicity", "/publicity-activities")
Reader = Allowed(Permission.REPORTS_READ)
Writer = Allowed(Permission.PUBLICITY_WRITE)
Filter = Annotated[PublicityFilter, Query()]


@router.get("", response_model=Page[PublicityActivityRead], responses=COMMON_ERRORS)
async def list_publicity_activities(
    actor: Reader, session: SessionDep, page: OffsetPaging, f: Filter
) -> Page[PublicityActivityRead]:
    """Publicity activities in the caller's jurisdiction, newest first."""
    window = await service.list_activities(session, actor, f=f, page=page)
    return Page.of(window, page, PublicityActivityRead.model_validate)


@router.post("", status_code=201, response_model=PublicityActivityRead, responses=COMMON_ERRORS)
async def create_publicity_activity(
    body: PublicityActivityCreate, actor: Writer, session: SessionDep, today: Today
) -> PublicityActivityRead:
    """Record a campaign (世界标准日, 世界计量日, 3·15, 质量月, other) and whether the media took it up."""
    return PublicityActivityRead.model_validate(await service.create_activity(session, actor, body, today=today))
