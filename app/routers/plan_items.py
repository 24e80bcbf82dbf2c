import uuid
from typing import Annotated

from fastapi import Query

from app.core.db import SessionDep
from app.core.deps import Allowed, Today
from app.core.errors import WRITE_ERRORS, Forbidden, NotFound, Unauthorized, error_responses
from app.core.paging import OffsetPaging
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.schemas.common import Page
from app.schemas.plan import PlanItemCreate, PlanItemDetail, PlanItemFilter, PlanItemRead, PlanItemUpdate
from app.services.plans import items as service

router = resource_router("plans", "/plans/{plan_id}/items")
Adjuster = Allowed(Permission.PLANS_ADJUST)
Reader = Allowed(Permission.PLANS_READ)
ERRORS = error_responses(Unauthorized, Forbidden, NotFound)
Filter = Annotated[PlanItemFilter, Query()]


@router.get("", response_model=Page[PlanItemRead], responses=ERRORS)
async def list_plan_items(
    plan_id: uuid.UUID,
    actor: Reader,
    session: SessionDep,
    page: OffsetPaging,
    today: Today,
    f: Filter,
) -> Page[PlanItemRead]:
    """The plan's lines in the caller's jurisdiction, with counted visits done and the next due date."""
    window = await service.list_items(session, actor, plan_id, today=today, f=f, page=page)
    return Page.of(window, page, PlanItemRead.model_validate)


@router.post("", status_code=201, response_model=PlanItemDetail, responses=WRITE_ERRORS)
async def add_plan_item(
    plan_id: uuid.UUID, body: PlanItemCreate, actor: Adjuster, session: SessionDep, today: Today
) -> PlanItemDetail:
    """Add an enterprise the issued plan missed (e.g. a new manufacturer), with the reason."""
    return PlanItemDetail.model_validate(await service.add_item(session, actor, plan_id, body, today=today))


@router.get("/{item_id}", response_model=PlanItemDetail, responses=ERRORS)
async def read_plan_item(
    plan_id: uuid.UUID, item_id: uuid.UUID, actor: Reader, session: SessionDep, today: Today
) -> PlanItemDetail:
    """One line with every adjustment: who, when, why, and the value before."""
    return PlanItemDetail.model_validate(await service.get_item(session, actor, plan_id, item_id, today=today))


@router.patch("/{item_id}", response_model=PlanItemDetail, responses=WRITE_ERRORS)
async def adjust_plan_item(
    plan_id: uuid.UUID, item_id: uuid.UUID, body: PlanItemUpdate, actor: Adjuster, session: SessionDep, today: Today
) -> PlanItemDetail:
    """Raise a line's required visits with a reason; only the prefecture may go below the rule or the issued value."""
    item = await service.adjust_item(session, actor, plan_id, item_id, body, today=today)
    return PlanItemDetail.model_validate(item)
