import uuid
from typing import Annotated

from fastapi import Query

from app.core.db import SessionDep
from app.core.deps import Allowed, IfMatch, Today
from app.core.errors import COMMON_ERRORS, VERSIONED_WRITE_ERRORS
from app.core.paging import OffsetPaging
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.schemas.common import Page
from app.schemas.sampling import FollowUpDetail, FollowUpFilter, FollowUpRead, FollowUpStepCreate, FollowUpUpdate
from app.services.findings import sampling_followups as service

router = resource_router("sampling-follow-ups", "/sampling-follow-ups")
Reader = Allowed(Permission.VISITS_READ)
Writer = Allowed(Permission.SIGNALS_WRITE)
Filter = Annotated[FollowUpFilter, Query()]


@router.get("", response_model=Page[FollowUpRead], responses=COMMON_ERRORS)
async def list_sampling_follow_ups(
    actor: Reader, session: SessionDep, page: OffsetPaging, f: Filter
) -> Page[FollowUpRead]:
    """Failed samplings and their post-processing (后处理), oldest first; a county sees its own."""
    return Page.of(await service.list_followups(session, actor, f=f, page=page), page, FollowUpRead.model_validate)


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
