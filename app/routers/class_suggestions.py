"""Next year's risk class suggested from the year's results, per enterprise and per plan; the prefecture accepts."""

import uuid
from typing import Annotated

from fastapi import Query

from app.core.db import SessionDep
from app.core.deps import Allowed, Today
from app.core.errors import COMMON_ERRORS, WRITE_ERRORS
from app.core.paging import OffsetPaging
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.schemas.class_suggestion import ClassSuggestionAccept, ClassSuggestionAcceptResult, ClassSuggestionRead
from app.schemas.common import Page
from app.services.plans import class_suggestions as service

router = resource_router("plans")
Reader = Allowed(Permission.PLANS_READ)
Manager = Allowed(Permission.PLANS_MANAGE)


@router.get(
    "/enterprises/{enterprise_id}/class-suggestion", response_model=ClassSuggestionRead, responses=COMMON_ERRORS
)
async def read_class_suggestion(
    enterprise_id: uuid.UUID,
    actor: Reader,
    session: SessionDep,
    today: Today,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="the plan year whose results are read")] = None,
) -> ClassSuggestionRead:
    """The class suggested for next year from this year's results (default: the current year), with reasons."""
    view = await service.suggest_class(session, actor, enterprise_id, year=year or today.year, today=today)
    return ClassSuggestionRead.model_validate(view)


@router.get("/plans/{plan_id}/class-suggestions", response_model=Page[ClassSuggestionRead], responses=COMMON_ERRORS)
async def list_class_suggestions(
    plan_id: uuid.UUID,
    actor: Reader,
    session: SessionDep,
    page: OffsetPaging,
    today: Today,
    county_code: Annotated[str | None, Query(max_length=12)] = None,
) -> Page[ClassSuggestionRead]:
    """Next year's class suggested for each line of the plan in the caller's jurisdiction, with reasons."""
    window = await service.list_suggestions(session, actor, plan_id, today=today, county_code=county_code, page=page)
    return Page.of(window, page, ClassSuggestionRead.model_validate)


@router.post(
    "/plans/{plan_id}/class-suggestions/accept", response_model=ClassSuggestionAcceptResult, responses=WRITE_ERRORS
)
async def accept_class_suggestions(
    plan_id: uuid.UUID, body: ClassSuggestionAccept, actor: Manager, session: SessionDep, today: Today
) -> ClassSuggestionAcceptResult:
    """Apply next year's classes to the ledger, all or nothing; another class than the suggestion needs a reason."""
    result = await service.accept_suggestions(session, actor, plan_id, body, today=today)
    return ClassSuggestionAcceptResult.model_validate(result)
