import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.core.db import SessionDep
from app.core.deps import Allowed
from app.core.errors import Forbidden, NotFound, Unauthorized, error_responses
from app.domain.permissions import Permission
from app.schemas.timeline import EnterpriseTimeline
from app.services.visits import timeline as service

router = APIRouter(prefix="/api/v1/enterprises", tags=["enterprises"])
Reader = Allowed(Permission.VISITS_READ)


@router.get(
    "/{enterprise_id}/timeline",
    response_model=EnterpriseTimeline,
    responses=error_responses(Unauthorized, Forbidden, NotFound),
)
async def read_enterprise_timeline(
    enterprise_id: uuid.UUID,
    actor: Reader,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> EnterpriseTimeline:
    """Visits, findings and their steps, signals and licence changes, newest first."""
    return await service.enterprise_timeline(session, actor, enterprise_id, limit=limit)
