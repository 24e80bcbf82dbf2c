from typing import Annotated

from fastapi import APIRouter, Query

from app.core.db import SessionDep
from app.core.deps import Allowed, Day, PageParams, Today
from app.core.errors import COMMON_ERRORS
from app.domain.permissions import Permission
from app.domain.reporting import MediaLevel, PublicityCampaign
from app.schemas.common import Page
from app.schemas.publicity import PublicityActivityCreate, PublicityActivityRead
from app.services.reports import publicity as service

router = APIRouter(prefix="/api/v1/publicity-activities", tags=["publicity"])
Reader = Allowed(Permission.REPORTS_READ)
Writer = Allowed(Permission.PUBLICITY_WRITE)


@router.get("", response_model=Page[PublicityActivityRead], responses=COMMON_ERRORS)
async def list_publicity_activities(
    actor: Reader,
    session: SessionDep,
    page: PageParams,
    county_code: Annotated[str | None, Query(max_length=12)] = None,
    campaign: PublicityCampaign | None = None,
    media_adopted: bool | None = None,
    media_level: Annotated[list[MediaLevel] | None, Query(description="any of these levels (repeat)")] = None,
    date_from: Day | None = None,
    date_to: Day | None = None,
) -> Page[PublicityActivityRead]:
    """Publicity activities in the caller's jurisdiction, newest first."""
    limit, offset = page
    items, total = await service.list_activities(
        session,
        actor,
        county_code=county_code,
        campaign=campaign,
        media_adopted=media_adopted,
        media_levels=media_level,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
    )
    return Page(items=[PublicityActivityRead.model_validate(a) for a in items], total=total, limit=limit, offset=offset)


@router.post("", status_code=201, response_model=PublicityActivityRead, responses=COMMON_ERRORS)
async def create_publicity_activity(
    body: PublicityActivityCreate, actor: Writer, session: SessionDep, today: Today
) -> PublicityActivityRead:
    """Record a campaign (世界标准日, 世界计量日, 3·15, 质量月, other) and whether the media took it up."""
    return PublicityActivityRead.model_validate(await service.create_activity(session, actor, body, today=today))
