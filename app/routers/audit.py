from typing import Annotated

from fastapi import APIRouter, Query

from app.core.db import SessionDep
from app.core.deps import Allowed, Instant, PageParams
from app.core.errors import Forbidden, Unauthorized, Unprocessable, error_responses
from app.domain.permissions import Permission
from app.schemas.audit import AuditChainReport, AuditEventRead
from app.schemas.common import Page
from app.services.accounts import audit_events as audit_query

router = APIRouter(prefix="/api/v1/audit-events", tags=["audit"])
Auditor = Allowed(Permission.AUDIT_READ)
Short = Annotated[str | None, Query(max_length=64)]


@router.get("", response_model=Page[AuditEventRead], responses=error_responses(Unauthorized, Forbidden, Unprocessable))
async def list_audit_events(
    actor: Auditor,
    session: SessionDep,
    page: PageParams,
    action: Short = None,
    entity: Short = None,
    entity_id: Short = None,
    actor_name: Short = None,
    county_code: Short = None,
    since: Instant | None = None,
    until: Instant | None = None,
) -> Page[AuditEventRead]:
    """The audit trail, newest first (prefecture admin only; nothing can edit or delete it)."""
    limit, offset = page
    items, total = await audit_query.list_events(
        session,
        action=action,
        entity=entity,
        entity_id=entity_id,
        actor_name=actor_name,
        county_code=county_code,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
    return Page(items=[AuditEventRead.model_validate(e) for e in items], total=total, limit=limit, offset=offset)


@router.get("/verify", response_model=AuditChainReport, responses=error_responses(Unauthorized, Forbidden))
async def verify_audit_chain(actor: Auditor, session: SessionDep) -> AuditChainReport:
    """Walk the hash chain and report the first event that was altered or removed."""
    return await audit_query.verify_chain(session)
