import uuid

from app.core.db import SessionDep
from app.core.deps import Allowed
from app.core.errors import WRITE_ERRORS, Forbidden, NotFound, Unauthorized, error_responses
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.schemas.draw import DrawCreate, DrawPoolCreate, DrawPoolRead, DrawRead, DrawSeed, DrawVerification
from app.services.plans import draw_pools
from app.services.plans import draws as service

router = resource_router("draws")
Reader = Allowed(Permission.PLANS_READ)
Adjuster = Allowed(Permission.PLANS_ADJUST)
ERRORS = error_responses(Unauthorized, Forbidden, NotFound)


@router.post("/plans/{plan_id}/draw-pools", status_code=201, response_model=DrawPoolRead, responses=WRITE_ERRORS)
async def freeze_draw_pool(
    plan_id: uuid.UUID, body: DrawPoolCreate, actor: Adjuster, session: SessionDep
) -> DrawPoolRead:
    """双随机 step one: freeze the pool (exclusions with reasons) and publish its inputs hash before any seed exists."""
    pool = await draw_pools.freeze(session, actor, plan_id, body)
    return DrawPoolRead.model_validate(await draw_pools.pool_view(session, pool))


@router.get("/draw-pools/{pool_id}", response_model=DrawPoolRead, responses=ERRORS)
async def read_draw_pool(pool_id: uuid.UUID, actor: Reader, session: SessionDep) -> DrawPoolRead:
    """A frozen pool: its inputs and their hash, its exclusions with reasons, and the draw made from it."""
    return DrawPoolRead.model_validate(await draw_pools.read_pool(session, actor, pool_id))


@router.post("/draw-pools/{pool_id}/draw", status_code=201, response_model=DrawRead, responses=WRITE_ERRORS)
async def draw_from_pool(pool_id: uuid.UUID, body: DrawSeed, actor: Adjuster, session: SessionDep) -> DrawRead:
    """双随机 step two: draw once, with a server seed or a public one; refused if the pool changed since frozen."""
    return DrawRead.model_validate(await draw_pools.draw_from_pool(session, actor, pool_id, body))


@router.post("/plans/{plan_id}/draws", status_code=201, response_model=DrawRead, responses=WRITE_ERRORS)
async def create_draw(plan_id: uuid.UUID, body: DrawCreate, actor: Adjuster, session: SessionDep) -> DrawRead:
    """双随机 in one step: freeze the pool and draw at once with a server seed; teams of the year's size (RuleSet)."""
    return DrawRead.model_validate(await draw_pools.create_draw(session, actor, plan_id, body))


@router.get("/draws/{draw_id}", response_model=DrawRead, responses=ERRORS)
async def read_draw(draw_id: uuid.UUID, actor: Reader, session: SessionDep) -> DrawRead:
    """A draw: seed and its source, inputs hash, pool sizes and the assignments it created."""
    return DrawRead.model_validate(await service.read_draw(session, actor, draw_id))


@router.post("/draws/{draw_id}/verify", response_model=DrawVerification, responses=ERRORS)
async def verify_draw(draw_id: uuid.UUID, actor: Reader, session: SessionDep) -> DrawVerification:
    """Re-run the draw from its stored inputs and seed and say whether it gives the same result."""
    return DrawVerification.model_validate(await service.verify(session, actor, draw_id))
