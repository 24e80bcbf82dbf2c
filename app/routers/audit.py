from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from app.core.clock import utcnow
from app.core.db import SessionDep, SessionmakerDep
from app.core.deps import Allowed, AuditKeysDep, Instant, SettingsDep
from app.core.errors import Forbidden, Unauthorized, Unprocessable, error_responses
from app.core.paging import CursorPaging, OffsetPaging
from app.domain.permissions import Permission
from app.schemas.audit import AuditChainReport, AuditCheckpointRead, AuditEventFilter, AuditEventRead
from app.schemas.common import Page
from app.services.accounts import audit_chain, audit_export
from app.services.accounts import audit_events as audit_query

router = APIRouter(prefix="/api/v1/audit-events", tags=["audit"])
Auditor = Allowed(Permission.AUDIT_READ)
Short = Annotated[str | None, Query(max_length=64)]
Filter = Annotated[AuditEventFilter, Query()]


@router.get("", response_model=Page[AuditEventRead], responses=error_responses(Unauthorized, Forbidden, Unprocessable))
async def list_audit_events(actor: Auditor, session: SessionDep, page: CursorPaging, f: Filter) -> Page[AuditEventRead]:
    """The audit trail, newest first (audit administrator only; nothing can edit or delete it)."""
    return Page.of(await audit_query.list_events(session, f=f, page=page), page, AuditEventRead.model_validate)


@router.get("/verify", response_model=AuditChainReport, responses=error_responses(Unauthorized, Forbidden))
async def verify_audit_chain(actor: Auditor, session: SessionDep, keys: AuditKeysDep) -> AuditChainReport:
    """Walk the keyed chain against the signed checkpoints; report where it was altered, cut or removed."""
    return await audit_chain.verify_chain(session, keys=keys)


@router.get(
    "/checkpoints",
    response_model=Page[AuditCheckpointRead],
    responses=error_responses(Unauthorized, Forbidden, Unprocessable),
)
async def list_audit_checkpoints(actor: Auditor, session: SessionDep, page: OffsetPaging) -> Page[AuditCheckpointRead]:
    """The signed checkpoints (position, head hash, time), newest first: keep copies off the machine."""
    return Page.of(await audit_query.list_checkpoints(session, page=page), page, AuditCheckpointRead.model_validate)


EXPORT_CONTENT = {"application/x-ndjson": {"schema": {"type": "string", "description": "JSON Lines"}}}


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": EXPORT_CONTENT}} | error_responses(Unauthorized, Forbidden, Unprocessable),
)
async def export_audit_events(
    actor: Auditor,
    session: SessionDep,
    sessionmaker: SessionmakerDep,
    keys: AuditKeysDep,
    settings: SettingsDep,
    since: Instant,
    until: Instant,
) -> StreamingResponse:
    """An archive of the events recorded in [since, until) with their checkpoints and a signed manifest (JSON
    Lines, streamed; at most AUDIT_EXPORT_MAX_DAYS days)."""
    export = await audit_export.start_export(
        session, actor=actor, since=since, until=until, max_days=settings.audit_export_max_days, now=utcnow()
    )
    disposition = f'attachment; filename="{export.filename}"'
    lines = audit_export.export_lines(sessionmaker, keys, export)
    return StreamingResponse(lines, media_type="application/x-ndjson", headers={"Content-Disposition": disposition})
