import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Header, Query, Response

from app.core.db import SessionDep
from app.core.deps import Allowed, Day, IfMatch, PageParams, Today
from app.core.errors import (
    COMMON_ERRORS,
    VERSIONED_WRITE_ERRORS,
)
from app.domain.permissions import Permission
from app.domain.visit_types import VisitType
from app.schemas.common import Page
from app.schemas.visit import VisitAmendmentCreate, VisitCreate, VisitRead, VisitSummary, VisitUpdate
from app.services.common.concurrency import etag
from app.services.visits import record_form as visit_record_form
from app.services.visits import submit as visit_submit
from app.services.visits import views as visit_views
from app.services.visits import visits as service

router = APIRouter(prefix="/api/v1/visits", tags=["visits"])
Reader = Allowed(Permission.VISITS_READ)
Writer = Allowed(Permission.VISITS_WRITE)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _with_etag(response: Response, read: VisitRead) -> VisitRead:
    response.headers["ETag"] = etag(read.version)
    return read


@router.post("", status_code=201, response_model=VisitRead, responses=VERSIONED_WRITE_ERRORS)
async def create_visit(
    body: VisitCreate,
    actor: Writer,
    session: SessionDep,
    response: Response,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=1,
            max_length=128,
            description="a client's retry with the same key (and the same body) returns the visit it created",
        ),
    ] = None,
) -> VisitRead:
    """Start a visit as a draft; `warnings` lists recent visits to the same enterprise (within the year's
    duplicate-visit window, RuleSet).

    Send an `Idempotency-Key` from a mobile client: a retry after a lost answer returns the same draft (201)
    instead of a second one; the key with a different body is 422."""
    visit = await service.create_visit(session, actor, body, idempotency_key=idempotency_key)
    warnings = await visit_views.recent_visit_warnings(session, visit)
    response.headers["Location"] = f"{router.prefix}/{visit.id}"
    return _with_etag(response, await visit_views.present_visit(session, visit, warnings=warnings))


@router.get("", response_model=Page[VisitSummary], responses=COMMON_ERRORS)
async def list_visits(
    actor: Reader,
    session: SessionDep,
    page: PageParams,
    enterprise_id: uuid.UUID | None = None,
    county_code: Annotated[str | None, Query(max_length=12)] = None,
    status: Annotated[str | None, Query(pattern="^(draft|archived)$")] = None,
    visit_type: VisitType | None = None,
    inspector_id: Annotated[uuid.UUID | None, Query(description="visits this user inspects")] = None,
    date_from: Day | None = None,
    date_to: Day | None = None,
) -> Page[VisitSummary]:
    """Visits the caller may see, newest first."""
    limit, offset = page
    items, total = await service.list_visits(
        session,
        actor,
        enterprise_id=enterprise_id,
        county_code=county_code,
        status=status,
        visit_type=visit_type.value if visit_type else None,
        inspector_id=inspector_id,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
    )
    return Page(items=await visit_views.summarize(session, items), total=total, limit=limit, offset=offset)


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
