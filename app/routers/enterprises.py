"""The enterprise ledger (台账): list with filters and delta sync, create, read, update, history, export."""

import uuid
from typing import Annotated
from urllib.parse import quote

import anyio
from fastapi import Query, Response

from app.core.actor import Actor
from app.core.clock import utcnow
from app.core.db import SessionDep, read_only
from app.core.deps import Allowed, IfMatch, Today
from app.core.errors import (
    COMMON_ERRORS,
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    Unauthorized,
    Unprocessable,
    error_responses,
)
from app.core.lean import lean
from app.core.paging import CursorPaging, OffsetPaging
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.schemas.common import Page
from app.schemas.enterprise import (
    EnterpriseCreate,
    EnterpriseFilter,
    EnterprisePage,
    EnterpriseRead,
    EnterpriseSort,
    EnterpriseUpdate,
    HistoryEntry,
)
from app.services.common.concurrency import etag
from app.services.ledger import encoding
from app.services.ledger import enterprises as service
from app.services.ledger import query as query
from app.xlsx.enterprise_sheet import XLSX_MEDIA_TYPE, export_workbook, template_workbook

router = resource_router("enterprises", "/enterprises")
Reader = Allowed(Permission.ENTERPRISES_READ)
Writer = Allowed(Permission.ENTERPRISES_WRITE)
JSON = "application/json"
ETAG_HEADER = {"ETag": {"description": 'W/"<version>": send it back as If-Match', "schema": {"type": "string"}}}


Filter = Annotated[EnterpriseFilter, Query()]


def _xlsx(content: bytes, filename: str) -> Response:
    disposition = f"attachment; filename=\"enterprises.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=XLSX_MEDIA_TYPE, headers={"Content-Disposition": disposition})


async def _scoped_county_names(session: SessionDep, actor: Actor) -> tuple[dict[str, str], list[str]]:
    return await service.county_names(session), await service.county_options(session, actor)


@router.get("", response_model=EnterprisePage, responses=COMMON_ERRORS)
@read_only
@lean
async def list_enterprises(
    actor: Reader, session: SessionDep, page: CursorPaging, f: Filter, sort: EnterpriseSort = EnterpriseSort.name
) -> Response:
    """Enterprises in the caller's jurisdiction, filtered, sorted, paged; `updated_since` for delta sync."""
    as_of = utcnow()
    window, closed_ids = await query.list_enterprises(session, actor, f, sort=sort, page=page)
    names = await service.county_names(session)
    body = encoding.page_json(window.replace(encoding.as_dicts(window.items, names)), page, as_of, closed_ids)
    return Response(body, media_type=JSON)


@router.post(
    "",
    status_code=201,
    response_model=EnterpriseRead,
    responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict, Unprocessable),
)
async def create_enterprise(
    body: EnterpriseCreate, actor: Writer, session: SessionDep, response: Response
) -> EnterpriseRead:
    """Put an enterprise on the ledger; county users only in their own county and without a risk class."""
    enterprise = await service.create_enterprise(session, actor, body)
    response.headers["ETag"] = etag(enterprise.version)
    response.headers["Location"] = f"{router.prefix}/{enterprise.id}"
    return service.to_read(enterprise, await service.county_names(session))


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "xlsx"}} | COMMON_ERRORS,
)
async def export_enterprises(
    actor: Reader, session: SessionDep, f: Filter, today: Today, sort: EnterpriseSort = EnterpriseSort.name
) -> Response:
    """The filtered enterprises as xlsx, with the import template's headers (re-imports unchanged)."""
    names, in_scope = await _scoped_county_names(session, actor)
    rows = await query.export_rows(session, actor, f, sort, names)
    content = await anyio.to_thread.run_sync(export_workbook, rows, in_scope)
    return _xlsx(content, f"企业台账-{today.isoformat()}.xlsx")


@router.get(
    "/import-template",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "xlsx"}} | COMMON_ERRORS,
)
async def download_import_template(actor: Reader, session: SessionDep) -> Response:
    """The xlsx template for POST /api/v1/enterprise-imports: Chinese headers and drop-down lists."""
    _, in_scope = await _scoped_county_names(session, actor)
    content = await anyio.to_thread.run_sync(template_workbook, in_scope)
    return _xlsx(content, "企业台账导入模板.xlsx")


@router.get(
    "/{enterprise_id}", response_model=EnterpriseRead, responses=COMMON_ERRORS | {200: {"headers": ETAG_HEADER}}
)
@read_only
@lean
async def read_enterprise(enterprise_id: uuid.UUID, actor: Reader, session: SessionDep) -> Response:
    """One enterprise; the ETag names its version for a later If-Match."""
    row = await service.enterprise_row(session, actor, enterprise_id)
    body = encoding.enterprise_json(row, await service.county_names(session))
    return Response(body, media_type=JSON, headers={"ETag": etag(row["version"])})


@router.patch(
    "/{enterprise_id}",
    response_model=EnterpriseRead,
    responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, Unprocessable),
)
async def update_enterprise(
    enterprise_id: uuid.UUID,
    body: EnterpriseUpdate,
    actor: Writer,
    session: SessionDep,
    response: Response,
    today: Today,
    if_match: IfMatch = None,
) -> EnterpriseRead:
    """Change fields; `status: closed` closes it. If-Match with a stale ETag → 412; without, last write wins."""
    enterprise = await service.update_enterprise(session, actor, enterprise_id, body, if_match, today=today)
    response.headers["ETag"] = etag(enterprise.version)
    return service.to_read(enterprise, await service.county_names(session))


@router.get("/{enterprise_id}/history", response_model=Page[HistoryEntry], responses=COMMON_ERRORS)
async def read_enterprise_history(
    enterprise_id: uuid.UUID, actor: Reader, session: SessionDep, page: OffsetPaging
) -> Page[HistoryEntry]:
    """Changes to the enterprise, its licences and its risk signals, newest first, from the audit trail."""
    window = await service.enterprise_history(session, actor, enterprise_id, page=page)
    return Page.of(window, page, HistoryEntry.model_validate)
