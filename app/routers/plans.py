import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import Query, Response

from app.core.db import SessionDep
from app.core.deps import Allowed, Today
from app.core.errors import WRITE_ERRORS, Forbidden, NotFound, Unauthorized, error_responses
from app.core.paging import OffsetPaging, Window
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.schemas.common import Page
from app.schemas.plan import PlanCreate, PlanProgress, PlanRead
from app.services.plans import export as plan_export
from app.services.plans import plans as service
from app.services.plans import progress as plan_progress

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


Reader = Allowed(Permission.PLANS_READ)
Manager = Allowed(Permission.PLANS_MANAGE)
ERRORS = error_responses(Unauthorized, Forbidden, NotFound)

router = resource_router("plans", "/plans")


@router.post("", status_code=201, response_model=PlanRead, responses=WRITE_ERRORS)
async def create_plan(body: PlanCreate, actor: Manager, session: SessionDep, today: Today) -> PlanRead:
    """Generate the year's draft plan: one line per operating enterprise, visits and reasons from the rules."""
    plan = await service.create_plan(session, actor, body.year, today=today)
    return PlanRead.model_validate(await service.plan_view(session, actor, plan))


@router.get("", response_model=Page[PlanRead], responses=ERRORS)
async def list_plans(actor: Reader, session: SessionDep, page: OffsetPaging) -> Page[PlanRead]:
    """Plans, newest year first; a county sees issued plans and its own lines' totals."""
    return Page.of(Window.cut(await service.list_plans(session, actor), page), page, PlanRead.model_validate)


@router.get("/{plan_id}", response_model=PlanRead, responses=ERRORS)
async def read_plan(plan_id: uuid.UUID, actor: Reader, session: SessionDep) -> PlanRead:
    """One plan with its line and visit totals in the caller's jurisdiction."""
    plan = await service.get_plan(session, actor, plan_id)
    return PlanRead.model_validate(await service.plan_view(session, actor, plan))


@router.post("/{plan_id}/refresh", response_model=PlanRead, responses=WRITE_ERRORS)
async def refresh_plan(plan_id: uuid.UUID, actor: Manager, session: SessionDep, today: Today) -> PlanRead:
    """Recompute a draft from the ledger as it is today (new, closed and re-classified enterprises)."""
    plan = await service.refresh_plan(session, actor, plan_id, today=today)
    return PlanRead.model_validate(await service.plan_view(session, actor, plan))


@router.post("/{plan_id}/issue", response_model=PlanRead, responses=WRITE_ERRORS)
async def issue_plan(plan_id: uuid.UUID, actor: Manager, session: SessionDep) -> PlanRead:
    """下达: freeze the lines; afterwards they change only through adjustments. One issued plan per year."""
    plan = await service.issue_plan(session, actor, plan_id)
    return PlanRead.model_validate(await service.plan_view(session, actor, plan))


@router.get("/{plan_id}/progress", response_model=PlanProgress, responses=ERRORS)
async def read_plan_progress(plan_id: uuid.UUID, actor: Reader, session: SessionDep, today: Today) -> PlanProgress:
    """Per county and risk class: lines, required and counted visits, completion rate, who is behind."""
    return PlanProgress.model_validate(await plan_progress.plan_progress(session, actor, plan_id, today=today))


@router.get(
    "/{plan_id}/export",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "附件1 xlsx"}} | ERRORS,
)
async def export_plan(
    plan_id: uuid.UUID,
    actor: Reader,
    session: SessionDep,
    county_code: Annotated[str | None, Query(max_length=12, description="one county only")] = None,
) -> Response:
    """附件1 检查计划明细表 as xlsx: a summary sheet and one sheet per county, printable A4 landscape."""
    name, content = await plan_export.export_plan(session, actor, plan_id, county_code=county_code)
    disposition = f"attachment; filename=\"plan.xlsx\"; filename*=UTF-8''{quote(name)}"
    return Response(content, media_type=XLSX, headers={"Content-Disposition": disposition})
