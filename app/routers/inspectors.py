import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.core.db import SessionDep
from app.core.deps import Allowed, Day
from app.core.errors import COMMON_ERRORS
from app.core.paging import OffsetPaging
from app.domain.permissions import Permission
from app.schemas.common import Page
from app.schemas.user import InspectorRead
from app.services.accounts import directory

router = APIRouter(prefix="/api/v1/inspectors", tags=["inspectors"])
Reader = Allowed(Permission.INSPECTORS_READ)


@router.get("", response_model=Page[InspectorRead], responses=COMMON_ERRORS)
async def list_inspectors(
    actor: Reader,
    session: SessionDep,
    page: OffsetPaging,
    assignment_id: Annotated[uuid.UUID | None, Query(description="the team drawn for this assignment")] = None,
    county_code: Annotated[str | None, Query(max_length=12)] = None,
    valid_on: Annotated[Day | None, Query(description="only credentials valid on this day")] = None,
) -> Page[InspectorRead]:
    """Inspectors to visit with: own county's, or an assignment's drawn team; name and credential only."""
    window = await directory.list_inspectors(
        session, actor, assignment_id=assignment_id, county_code=county_code, valid_on=valid_on, page=page
    )
    return Page.of(window, page, InspectorRead.model_validate)
