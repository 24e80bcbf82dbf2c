import uuid
from dataclasses import replace
from typing import Annotated
from urllib.parse import quote

from fastapi import Query, Response

from app.core.db import SessionDep
from app.core.deps import Allowed, IfMatch, SettingsDep, Today
from app.core.errors import (
    COMMON_ERRORS,
    VERSIONED_WRITE_ERRORS,
)
from app.core.paging import CursorPaging
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.schemas.common import Page
from app.schemas.visit import VisitAmendmentCreate, VisitCreate, VisitFilter, VisitRead, VisitSummary, VisitUpdate
from app.services.common.concurrency import etag
from app.services.visits import discard as visit_discard
from app.services.visits import record_form as visit_record_form
from app.services.visits import submit as visit_submit
from app.services.visits import views as visit_views
from app.services.visits import visits as service

router = resource_router("visits", "/visits")
Reader = Allowed(Permission.VISITS_READ)
Writer = Allowed(Permission.VISITS_WRITE)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Filter = Annotated[VisitFilter, Query()]


def _with_etag(response: Response, read: VisitRead) -> VisitRead:
    response.headers["ETag"] = etag(read.version)
    return read


@router.post("", status_code=201, response_model=VisitRead, responses=VERSIONED_WRITE_ERRORS)
async def create_visit(body: VisitCreate, actor: Writer, session: SessionDep, response: Response) -> VisitRead:
    """Start a visit as a draft; `warnings` lists recent visits to the same enterprise (within the year's
    duplicate-visit window, RuleSet).

    Send an `Idempotency-Key` from a mobile client: a retry after a lost answer gets the same draft (201)
    instead of a second one; the key with a different body is 422."""
    visit = await service.create_visit(session, actor, body)
    warnings = await visit_views.recent_visit_warnings(session, visit)
    response.headers["Location"] = f"{router.prefix}/{visit.id}"
    return _with_etag(response, await visit_views.present_visit(session, visit, warnings=warnings))


@router.get("", response_model=Page[VisitSummary], responses=COMMON_ERRORS)
async def list_visits(actor: Reader, session: SessionDep, page: CursorPaging, f: Filter) -> Page[VisitSummary]:
    """Visits the caller may see, newest first."""
    window = await service.list_visits(session, actor, f=f, page=page)
    return Page.of(replace(window, items=await visit_views.summarize(session, window.items)), page)


@router.get("/{visit_id}", response_model=VisitRead, responses=COMMON_ERRORS)
async def read_visit(visit_id: uuid.UUID, actor: Reader, session: SessionDep, response: Response) -> VisitRead:
    """One visit with its inspectors, checklist, findings and amendments; the ETag is its version."""
    visit = await service.get_visit(session, actor, visit_id)
    return _with_etag(response, await visit_views.present_visit(session, visit))


@router.patch("/{visit_id}", response_model=VisitRead, responses=VERSIONED_WRITE_ERRORS)
async def update_visit(
    visit_id: uuid.UUID,
    body: VisitUpdate,
    actor: Writer,
    session: SessionDep,
    response: Response,
    if_match: IfMatch = None,
) -> VisitRead:
    """Save a draft (send `If-Match`); an archived visit is read-only (409), correct it with an amendment."""
    visit = await service.update_visit(session, actor, visit_id, body, if_match=if_match)
    return _with_etag(response, await visit_views.present_visit(session, visit))


@router.delete("/{visit_id}", status_code=204, responses=VERSIONED_WRITE_ERRORS)
async def delete_visit(
    visit_id: uuid.UUID, actor: Writer, session: SessionDep, settings: SettingsDep, if_match: IfMatch = None
) -> Response:
    """Delete an abandoned draft with its attachments (files included): by its author or the admin of its county
    (403 for anyone else who sees it). A submitted visit is never deleted (409): correct it with an amendment."""
    await visit_discard.delete_draft(session, actor, visit_id, if_match=if_match, upload_dir=settings.upload_dir)
    return Response(status_code=204)


@router.post("/{visit_id}/submit", response_model=VisitRead, responses=VERSIONED_WRITE_ERRORS)
async def submit_visit(
    visit_id: uuid.UUID, actor: Writer, session: SessionDep, response: Response, today: Today, if_match: IfMatch = None
) -> VisitRead:
    """Check every rule at once (422 with each `loc`), archive (归档), and turn nonconforming items into findings."""
    visit = await visit_submit.submit_visit(session, actor, visit_id, today=today, if_match=if_match)
    warnings = await visit_views.recent_visit_warnings(session, visit)
    return _with_etag(response, await visit_views.present_visit(session, visit, warnings=warnings))


@router.post("/{visit_id}/amendments", status_code=201, response_model=VisitRead, responses=VERSIONED_WRITE_ERRORS)
async def amend_visit(
    visit_id: uuid.UUID, body: VisitAmendmentCreate, actor: Writer, session: SessionDep, response: Response
) -> VisitRead:
    """Correct an archived visit (更正) with a reason; the original values are kept with the amendment."""
    await visit_submit.amend_visit(session, actor, visit_id, body)
    visit = await service.get_visit(session, actor, visit_id)
    return _with_etag(response, await visit_views.present_visit(session, visit))


@router.get(
    "/{visit_id}/record-form",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "附件2 xlsx"}, **COMMON_ERRORS},
)
async def download_record_form(visit_id: uuid.UUID, actor: Reader, session: SessionDep) -> Response:
    """附件2 生产企业现场监督检查记录表 as xlsx: two sheets, 企业留存 and 监管部门留存, printable on A4."""
    filename, content = await visit_record_form.record_form(session, actor, visit_id)
    disposition = f"attachment; filename=\"record-form.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=XLSX, headers={"Content-Disposition": disposition})
