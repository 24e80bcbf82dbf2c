"""The enterprise's own side (issue 18), for an enterprise account: its enterprise and licences, its visits as the
record form's copy kept by the enterprise shows them, its findings and requests, its files and self-checks."""

import uuid

from fastapi import Request
from fastapi.responses import FileResponse

from app.core.db import SessionDep
from app.core.deps import Allowed, SettingsDep, Today
from app.core.downloads import DOWNLOAD_RESPONSES, EVIDENCE_UPLOAD, UPLOAD_ERRORS, stored_file
from app.core.errors import COMMON_ERRORS, WRITE_ERRORS
from app.core.openapi import read_file_form
from app.core.paging import OffsetPaging
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.domain.self_checks import SelfCheckKind
from app.domain.statuses import FindingStatus
from app.schemas.attachment import FileDescription
from app.schemas.common import Page
from app.schemas.portal import (
    EnterpriseFileRead,
    OwnEnterpriseRead,
    OwnFindingRead,
    OwnVisitRead,
    SelfCheckCreate,
    SelfCheckRead,
)
from app.services.portal import files, self_checks, views
from app.services.visits import Upload

router = resource_router("portal", "/portal")
Reader = Allowed(Permission.OWN_ENTERPRISE_READ)
Writer = Allowed(Permission.OWN_ENTERPRISE_WRITE)


@router.get("/enterprise", response_model=OwnEnterpriseRead, responses=COMMON_ERRORS)
async def read_own_enterprise(actor: Reader, session: SessionDep) -> OwnEnterpriseRead:
    """The caller's own enterprise with its licences."""
    return await views.own_enterprise(session, actor)


@router.get("/visits", response_model=Page[OwnVisitRead], responses=COMMON_ERRORS)
async def list_own_visits(actor: Reader, session: SessionDep, page: OffsetPaging) -> Page[OwnVisitRead]:
    """The enterprise's archived visits, newest first, as its copy of the record form (企业留存) shows them."""
    return Page.of(await views.list_own_visits(session, actor, page=page), page)


@router.get("/findings", response_model=Page[OwnFindingRead], responses=COMMON_ERRORS)
async def list_own_findings(
    actor: Reader,
    session: SessionDep,
    page: OffsetPaging,
    today: Today,
    status: FindingStatus | None = None,
) -> Page[OwnFindingRead]:
    """The enterprise's findings, earliest deadline first, with its extension requests and rectification reports."""
    return Page.of(await views.list_own_findings(session, actor, today=today, status=status, page=page), page)


@router.get("/findings/{finding_id}", response_model=OwnFindingRead, responses=COMMON_ERRORS)
async def read_own_finding(finding_id: uuid.UUID, actor: Reader, session: SessionDep, today: Today) -> OwnFindingRead:
    """One of the enterprise's findings: deadline, status, its requests and where they stand."""
    return await views.get_own_finding(session, actor, finding_id, today=today)


@router.post(
    "/files",
    status_code=201,
    response_model=EnterpriseFileRead,
    openapi_extra=EVIDENCE_UPLOAD,
    responses=UPLOAD_ERRORS,
)
async def upload_own_file(
    request: Request, actor: Writer, session: SessionDep, settings: SettingsDep
) -> EnterpriseFileRead:
    """Upload evidence (a photo or a PDF, size-limited) to name in a rectification report or a self-check."""
    file, description = await read_file_form(request, FileDescription)
    upload = Upload(file.file, file.filename, description, settings.upload_dir, settings.max_upload_bytes)
    try:
        row = await files.upload_file(session, actor, upload)
    finally:
        await file.close()
    return EnterpriseFileRead.model_validate(row)


@router.get("/files/{file_id}", response_class=FileResponse, responses=DOWNLOAD_RESPONSES)
async def download_own_file(
    file_id: uuid.UUID, actor: Reader, session: SessionDep, settings: SettingsDep
) -> FileResponse:
    """A file the enterprise uploaded."""
    row, path = await files.get_file(session, actor, file_id, settings.upload_dir)
    return stored_file(row, path)


@router.post("/self-checks", status_code=201, response_model=SelfCheckRead, responses=WRITE_ERRORS)
async def file_self_check(body: SelfCheckCreate, actor: Writer, session: SessionDep, today: Today) -> SelfCheckRead:
    """File a daily (日管控), weekly (周排查) or monthly (月调度) self-check, once per period."""
    return SelfCheckRead.model_validate(await self_checks.file_self_check(session, actor, body, today=today))


@router.get("/self-checks", response_model=Page[SelfCheckRead], responses=COMMON_ERRORS)
async def list_own_self_checks(
    actor: Reader, session: SessionDep, page: OffsetPaging, kind: SelfCheckKind | None = None
) -> Page[SelfCheckRead]:
    """The enterprise's self-checks, newest period first."""
    found = await self_checks.list_own_self_checks(session, actor, kind=kind, page=page)
    return Page.of(found, page, SelfCheckRead.model_validate)
