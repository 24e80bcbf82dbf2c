import uuid

from fastapi import APIRouter

from app.core.db import SessionDep
from app.core.deps import Allowed
from app.core.errors import WRITE_ERRORS, Forbidden, NotFound, Unauthorized, error_responses
from app.domain.permissions import Permission
from app.schemas.draw import DrawCreate, DrawRead, DrawVerification
from app.services.plans import draws as service

router = APIRouter(prefix="/api/v1", tags=["draws"])
Reader = Allowed(Permission.PLANS_READ)
ERRORS = error_responses(Unauthorized, Forbidden, NotFound)


@router.post("/plans/{plan_id}/draws", status_code=201, response_model=DrawRead, responses=WRITE_ERRORS)
async def create_draw(
    plan_id: uuid.UUID, body: DrawCreate, actor: Allowed(Permission.PLANS_ADJUST), session: SessionDep
) -> DrawRead:
    """双随机: draw enterprises and two inspectors each, by count or ratio per class; creates the assignments."""
    return DrawRead.model_validate(await service.create_draw(session, actor, plan_id, body))


@router.get("/draws/{draw_id}", response_model=DrawRead, responses=ERRORS)
async def read_draw(draw_id: uuid.UUID, actor: Reader, session: SessionDep) -> DrawRead:
    """A draw: seed, inputs hash, pool sizes and the assignments it created."""
    return DrawRead.model_validate(await service.read_draw(session, actor, draw_id))


@router.post("/draws/{draw_id}/verify", response_model=DrawVerification, responses=ERRORS)
async def verify_draw(draw_id: uuid.UUID, actor: Reader, session: SessionDep) -> DrawVerification:
    """Re-run the draw from its stored inputs and seed and say whether it gives the same result."""
    return DrawVerification.model_validate(await service.verify(session, actor, draw_id))
