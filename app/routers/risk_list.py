import uuid
from typing import Annotated

from fastapi import Query

from app.core.db import SessionDep
from app.core.deps import Allowed
from app.core.errors import (
    COMMON_ERRORS,
    WRITE_ERRORS,
)
from app.core.paging import OffsetPaging
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.schemas.common import Page
from app.schemas.risk_list import (
    RiskListEntryCreate,
    RiskListEntryRead,
    RiskListEntryUpdate,
    RiskListFilter,
    RiskListReview,
)
from app.services.findings import risk_list as service

router = resource_router("risk-list", "/risk-list")
Reader = Allowed(Permission.VISITS_READ)
Writer = Allowed(Permission.FINDINGS_WRITE)
Reviewer = Allowed(Permission.RISK_LIST_REVIEW)
Filter = Annotated[RiskListFilter, Query()]


@router.get("", response_model=Page[RiskListEntryRead], responses=COMMON_ERRORS)
async def list_risk_list(actor: Reader, session: SessionDep, page: OffsetPaging, f: Filter) -> Page[RiskListEntryRead]:
    """The risk problem list (风险问题清单): a county sees its own, the prefecture every county's."""
    return Page.of(await service.list_entries(session, actor, f=f, page=page), page, RiskListEntryRead.model_validate)


@router.post("", status_code=201, response_model=RiskListEntryRead, responses=WRITE_ERRORS)
async def create_risk_list_entry(body: RiskListEntryCreate, actor: Writer, session: SessionDep) -> RiskListEntryRead:
    """Add a prominent problem (突出问题) by hand; serious hazards and escalations are added automatically."""
    return RiskListEntryRead.model_validate(await service.create_entry(session, actor, body))


@router.get("/{entry_id}", response_model=RiskListEntryRead, responses=COMMON_ERRORS)
async def read_risk_list_entry(entry_id: uuid.UUID, actor: Reader, session: SessionDep) -> RiskListEntryRead:
    """One entry of the list."""
    return RiskListEntryRead.model_validate(await service.get_entry(session, actor, entry_id))


@router.patch("/{entry_id}", response_model=RiskListEntryRead, responses=WRITE_ERRORS)
async def update_risk_list_entry(
    entry_id: uuid.UUID, body: RiskListEntryUpdate, actor: Writer, session: SessionDep
) -> RiskListEntryRead:
    """The county's cause analysis (深入剖析原因), measures, and when it reported the entry to the prefecture."""
    return RiskListEntryRead.model_validate(await service.update_entry(session, actor, entry_id, body))


@router.post("/{entry_id}/review", response_model=RiskListEntryRead, responses=WRITE_ERRORS)
async def review_risk_list_entry(
    entry_id: uuid.UUID, body: RiskListReview, actor: Reviewer, session: SessionDep
) -> RiskListEntryRead:
    """The prefecture marks an entry reviewed (审阅), once."""
    return RiskListEntryRead.model_validate(await service.review_entry(session, actor, entry_id, body.note))
