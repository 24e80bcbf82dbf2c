"""Production licences (工业产品生产许可证) and the licence catalogue."""

import uuid
from typing import Annotated

from fastapi import Path, Response

from app.core.db import SessionDep
from app.core.deps import Allowed, IfMatch, Today
from app.core.errors import (
    COMMON_ERRORS,
    VERSIONED_WRITE_ERRORS,
)
from app.core.paging import OffsetPaging, Window
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.schemas.common import Page
from app.schemas.licence import LicenceCategoryRead, LicenceCreate, LicenceRead, LicenceUpdate
from app.services.common.concurrency import etag
from app.services.ledger import licences as service

router = resource_router("licences")
Reader = Allowed(Permission.ENTERPRISES_READ)
Writer = Allowed(Permission.LICENCES_WRITE)


def _with_etag(response: Response, read: LicenceRead) -> LicenceRead:
    """The licence read, its ETag naming its version for a later If-Match."""
    response.headers["ETag"] = etag(read.version)
    return read


@router.get("/licence-categories", response_model=Page[LicenceCategoryRead], responses=COMMON_ERRORS)
async def list_licence_categories(actor: Reader, session: SessionDep, page: OffsetPaging) -> Page[LicenceCategoryRead]:
    """The product categories of the current licence catalogue (data, not code)."""
    return Page.of(Window.cut(await service.list_categories(session), page), page, LicenceCategoryRead.model_validate)


@router.get("/enterprises/{enterprise_id}/licences", response_model=Page[LicenceRead], responses=COMMON_ERRORS)
async def list_enterprise_licences(
    enterprise_id: uuid.UUID, actor: Reader, session: SessionDep, page: OffsetPaging
) -> Page[LicenceRead]:
    """The enterprise's licences, latest expiry first."""
    licences = await service.list_licences(session, actor, enterprise_id)
    return Page.of(Window.cut(licences, page), page, LicenceRead.model_validate)


@router.post(
    "/enterprises/{enterprise_id}/licences",
    status_code=201,
    response_model=LicenceRead,
    responses=VERSIONED_WRITE_ERRORS,
)
async def create_enterprise_licence(
    enterprise_id: uuid.UUID,
    body: LicenceCreate,
    actor: Writer,
    session: SessionDep,
    response: Response,
    today: Today,
) -> LicenceRead:
    """Add a licence; the number is checked against the national format, the category against the catalogue."""
    licence = await service.create_licence(session, actor, enterprise_id, body, today=today)
    response.headers["ETag"] = etag(licence.version)
    response.headers["Location"] = f"/api/v1/licences/{licence.id}"
    return LicenceRead.model_validate(licence)


@router.get("/licences/{licence_id}", response_model=LicenceRead, responses=COMMON_ERRORS)
async def read_licence(licence_id: uuid.UUID, actor: Reader, session: SessionDep, response: Response) -> LicenceRead:
    """One licence; the ETag names its version for a later If-Match."""
    licence, _ = await service.get_licence(session, actor, licence_id)
    return _with_etag(response, LicenceRead.model_validate(licence))


@router.get("/licences/by-number/{licence_no}", response_model=LicenceRead, responses=COMMON_ERRORS)
async def read_licence_by_number(
    licence_no: Annotated[
        str,
        Path(max_length=40, pattern=r"^[^\x00-\x1f]+$", description="许可证编号 as printed, e.g. (新)XK16-204-00397"),
    ],
    actor: Reader,
    session: SessionDep,
    response: Response,
) -> LicenceRead:
    """One licence found by its number in any printed form (with or without province, any bracket or dash)."""
    licence = await service.find_licence(session, actor, licence_no)
    return _with_etag(response, LicenceRead.model_validate(licence))


@router.patch("/licences/{licence_id}", response_model=LicenceRead, responses=VERSIONED_WRITE_ERRORS)
async def update_licence(
    licence_id: uuid.UUID,
    body: LicenceUpdate,
    actor: Writer,
    session: SessionDep,
    response: Response,
    today: Today,
    if_match: IfMatch = None,
) -> LicenceRead:
    """Renew, correct or revoke a licence. If-Match with a stale ETag → 412."""
    licence = await service.update_licence(session, actor, licence_id, body, if_match, today=today)
    return _with_etag(response, LicenceRead.model_validate(licence))
