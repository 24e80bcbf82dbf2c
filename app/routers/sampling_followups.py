import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.core.db import SessionDep
from app.core.deps import Allowed, Day, IfMatch, PageParams, Today
from app.core.errors import COMMON_ERRORS, VERSIONED_WRITE_ERRORS
from app.domain.permissions import Permission
from app.domain.reporting import SamplingOrigin
from app.schemas.common import Page
from app.schemas.sampling import FollowUpDetail, FollowUpRead, FollowUpStepCreate, FollowUpUpdate
from app.services.findings import sampling_followups as service

router = APIRouter(prefix="/api/v1/sampling-follow-ups", tags=["sampling-follow-ups"])
Reader = Allowed(Permission.VISITS_READ)
Writer = Allowed(Permission.SIGNALS_WRITE)


@router.get("", response_model=Page[FollowUpRead], responses=COMMON_ERRORS)
async def list_sampling_follow_ups(
    actor: Reader,
    session: SessionDep,
    page: PageParams,
    status: Annotated[str | None, Query(pattern="^(open|closed)$")] = None,
    origin: Annotated[SamplingOrigin | None, Query(description="referred 上级转办 | local 本级组织")] = None,
    county_code: Annotated[str | None, Query(max_length=12)] = None,
    enterprise_id: uuid.UUID | None = None,
    date_from: Annotated[Day | None, Query(description="sampling failed on or after")] = None,
    date_to: Annotated[Day | None, Query(description="sampling failed on or before")] = None,
) -> Page[FollowUpRead]:
    """Failed samplings and their post-processing (后处理), oldest first; a county sees its own."""
    limit, offset = page
    items, total = await service.list_followups(
        session,
        actor,
        status=status,
        origin=origin,
        county_code=county_code,
        enterprise_id=enterprise_id,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
    )
    return Page(items=[FollowUpRead.model_validate(f) for f in items], total=total, limit=limit, offset=offset)


@router.get("/{follow_up_id}", response_model=FollowUpDetail, responses=COMMON_ERRORS)
async def read_sampling_follow_up(follow_up_id: uuid.UUID, actor: Reader, session: SessionDep) -> FollowUpDetail:
    """One follow-up with its steps."""
    return await service.present_followup(session, await service.get_followup(session, actor, follow_up_id))


@router.patch("/{follow_up_id}", response_model=FollowUpDetail, responses=VERSIONED_WRITE_ERRORS)
async def correct_sampling_follow_up(
    follow_up_id: uuid.UUID, body: FollowUpUpdate, actor: Writer, session: SessionDep, if_match: IfMatch = None
) -> FollowUpDetail:
    """Correct the origin (上级转办 / 本级组织) with a reason; audited."""
    follow_up = await service.correct_origin(session, actor, follow_up_id, body, if_match)
    return await service.present_followup(session, follow_up)


@router.post("/{follow_up_id}/steps", status_code=201, response_model=FollowUpDetail, responses=COMMON_ERRORS)
async def add_sampling_follow_up_step(
    follow_up_id: uuid.UUID, body: FollowUpStepCreate, actor: Writer, session: SessionDep, today: Today
) -> FollowUpDetail:
    """Record the next step (告知 → 责令整改 → 复查抽样 → 完结), in order and dated."""
    follow_up = await service.add_step(session, actor, follow_up_id, body, today=today)
    return await service.present_followup(session, follow_up)
