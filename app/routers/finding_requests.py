"""What the enterprise sends about its findings (issue 18) and the bureau's answer: rectification reports
(the inspector accepts or returns them) and extension requests (the county grants or refuses them)."""

import uuid
from typing import Annotated

from fastapi import Query
from fastapi.responses import FileResponse

from app.core.db import SessionDep
from app.core.deps import Allowed, SettingsDep, Today
from app.core.downloads import DOWNLOAD_RESPONSES, stored_file
from app.core.errors import COMMON_ERRORS, WRITE_ERRORS
from app.core.paging import OffsetPaging, Window
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.domain.statuses import ExtensionRequestStatus
from app.schemas.common import Page
from app.schemas.portal import (
    ExtensionRequestCreate,
    ExtensionRequestRead,
    RectificationReportCreate,
    RectificationReportRead,
    RefusalReason,
    ReturnCreate,
)
from app.services.findings import requests as service
from app.services.portal import files

router = resource_router("finding-requests")
Enterprise = Allowed(Permission.OWN_ENTERPRISE_WRITE)
Reader = Allowed(Permission.VISITS_READ)
Decider = Allowed(Permission.FINDINGS_WRITE)


@router.post(
    "/findings/{finding_id}/rectification-reports",
    status_code=201,
    response_model=RectificationReportRead,
    responses=WRITE_ERRORS,
)
async def submit_rectification_report(
    finding_id: uuid.UUID, body: RectificationReportCreate, actor: Enterprise, session: SessionDep, today: Today
) -> RectificationReportRead:
    """The enterprise reports its rectification (整改报告) with files it uploaded; an inspector decides."""
    report = await service.submit_report(session, actor, finding_id, body, today=today)
    return RectificationReportRead.model_validate(report)


@router.get(
    "/findings/{finding_id}/rectification-reports",
    response_model=Page[RectificationReportRead],
    responses=COMMON_ERRORS,
)
async def list_rectification_reports(
    finding_id: uuid.UUID, actor: Reader, session: SessionDep, page: OffsetPaging
) -> Page[RectificationReportRead]:
    """Every rectification report the enterprise sent about the finding, oldest first."""
    reports = await service.list_reports(session, actor, finding_id)
    return Page.of(Window.cut(reports, page), page, RectificationReportRead.model_validate)


@router.post(
    "/rectification-reports/{rectification_report_id}/accept",
    response_model=RectificationReportRead,
    responses=WRITE_ERRORS,
)
async def accept_rectification_report(
    rectification_report_id: uuid.UUID, actor: Decider, session: SessionDep, today: Today
) -> RectificationReportRead:
    """Accept the report: the finding is rectified, awaiting its re-inspection (复查回访)."""
    report = await service.accept_report(session, actor, rectification_report_id, today=today)
    return RectificationReportRead.model_validate(report)


@router.post(
    "/rectification-reports/{rectification_report_id}/return",
    response_model=RectificationReportRead,
    responses=WRITE_ERRORS,
)
async def return_rectification_report(
    rectification_report_id: uuid.UUID, body: ReturnCreate, actor: Decider, session: SessionDep, today: Today
) -> RectificationReportRead:
    """Return the report with a reason; the finding stays open and the enterprise may report again."""
    report = await service.return_report(session, actor, rectification_report_id, body, today=today)
    return RectificationReportRead.model_validate(report)


@router.post(
    "/findings/{finding_id}/extension-requests",
    status_code=201,
    response_model=ExtensionRequestRead,
    responses=WRITE_ERRORS,
)
async def request_extension(
    finding_id: uuid.UUID, body: ExtensionRequestCreate, actor: Enterprise, session: SessionDep, today: Today
) -> ExtensionRequestRead:
    """The enterprise asks for more time (延期申请): before the deadline, with a reason, within the year's limit."""
    request = await service.request_extension(session, actor, finding_id, body, today=today)
    return ExtensionRequestRead.model_validate(request)


@router.get("/extension-requests", response_model=Page[ExtensionRequestRead], responses=COMMON_ERRORS)
async def list_extension_requests(
    actor: Reader,
    session: SessionDep,
    page: OffsetPaging,
    status: ExtensionRequestStatus | None = None,
    county_code: Annotated[str | None, Query(max_length=12)] = None,
) -> Page[ExtensionRequestRead]:
    """Extension requests of the findings the caller may see, oldest first (`status=pending`: the county's queue)."""
    found = await service.list_extension_requests(session, actor, status=status, county_code=county_code, page=page)
    return Page.of(found, page, ExtensionRequestRead.model_validate)


@router.post(
    "/extension-requests/{extension_request_id}/grant", response_model=ExtensionRequestRead, responses=WRITE_ERRORS
)
async def grant_extension_request(
    extension_request_id: uuid.UUID, actor: Decider, session: SessionDep, today: Today
) -> ExtensionRequestRead:
    """Grant the request: the deadline moves as asked (judged on the day it was asked, within the year's limit)."""
    request = await service.grant_extension(session, actor, extension_request_id, today=today)
    return ExtensionRequestRead.model_validate(request)


@router.post(
    "/extension-requests/{extension_request_id}/refuse", response_model=ExtensionRequestRead, responses=WRITE_ERRORS
)
async def refuse_extension_request(
    extension_request_id: uuid.UUID, body: RefusalReason, actor: Decider, session: SessionDep, today: Today
) -> ExtensionRequestRead:
    """Refuse the request with a reason; the deadline stands."""
    request = await service.refuse_extension(session, actor, extension_request_id, body, today=today)
    return ExtensionRequestRead.model_validate(request)


@router.get("/enterprise-files/{file_id}", response_class=FileResponse, responses=DOWNLOAD_RESPONSES)
async def download_enterprise_file(
    file_id: uuid.UUID, actor: Reader, session: SessionDep, settings: SettingsDep
) -> FileResponse:
    """A file an enterprise uploaded (its rectification evidence, its self-check sheets), to the bureau over it."""
    row, path = await files.get_file(session, actor, file_id, settings.upload_dir)
    return stored_file(row, path)
