import uuid
from typing import Annotated

from fastapi import Query

from app.core.db import SessionDep
from app.core.deps import Allowed, Today
from app.core.errors import (
    COMMON_ERRORS,
    WRITE_ERRORS,
)
from app.core.paging import OffsetPaging
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.schemas.common import Page
from app.schemas.disclosure import DisclosureCreate, DisclosureDetail, DisclosureRead, DisclosureWithdraw
from app.services.reports import disclosures as service

router = resource_router("disclosures", "/disclosures")
Reader = Allowed(Permission.REPORTS_READ)
Publisher = Allowed(Permission.DISCLOSURES_PUBLISH)


@router.post("", status_code=201, response_model=DisclosureDetail, responses=WRITE_ERRORS)
async def publish_disclosure(
    body: DisclosureCreate, actor: Publisher, session: SessionDep, today: Today
) -> DisclosureDetail:
    """Publish reviewed archived visits of the period to GET /api/v1/public/inspection-results."""
    disclosure = await service.publish(session, actor, body, today=today)
    return await service.present_disclosure(session, actor, disclosure)


@router.get("", response_model=Page[DisclosureRead], responses=COMMON_ERRORS)
async def list_disclosures(
    actor: Reader, session: SessionDep, page: OffsetPaging, year: Annotated[int | None, Query(ge=2000, le=2100)] = None
) -> Page[DisclosureRead]:
    """Published batches, newest first."""
    window = await service.list_disclosures(session, actor, year=year, page=page)
    return Page.of(window, page, DisclosureRead.model_validate)


@router.get("/{disclosure_id}", response_model=DisclosureDetail, responses=COMMON_ERRORS)
async def read_disclosure(disclosure_id: uuid.UUID, actor: Reader, session: SessionDep) -> DisclosureDetail:
    """One batch with its entries (a county sees its own entries), withdrawn ones included."""
    disclosure = await service.get_disclosure(session, actor, disclosure_id)
    return await service.present_disclosure(session, actor, disclosure)


@router.post("/{disclosure_id}/withdraw", response_model=DisclosureDetail, responses=WRITE_ERRORS)
async def withdraw_disclosure(
    disclosure_id: uuid.UUID, body: DisclosureWithdraw, actor: Publisher, session: SessionDep
) -> DisclosureDetail:
    """Withdraw (撤回) the batch or some entries from the public page, with a reason; audited."""
    disclosure = await service.withdraw(session, actor, disclosure_id, body)
    return await service.present_disclosure(session, actor, disclosure)
