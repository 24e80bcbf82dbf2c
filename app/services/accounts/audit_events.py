"""Reading the audit trail and its checkpoints (no write path exists besides audit.record and the checkpoints)."""

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.paging import PageQuery, Window
from app.models import AuditCheckpoint, AuditEvent
from app.schemas.audit import AuditEventFilter
from app.services.common.filters import where_equal
from app.services.common.paging import keyset, paginate


async def list_events(session: AsyncSession, f: AuditEventFilter, page: PageQuery) -> Window[AuditEvent]:
    stmt = where_equal(
        select(AuditEvent),
        [
            (AuditEvent.action, f.action),
            (AuditEvent.entity, f.entity),
            (AuditEvent.entity_id, f.entity_id),
            (AuditEvent.actor_name, f.actor_name),
            (AuditEvent.county_code, f.county_code),
        ],
    )
    if f.since:
        stmt = stmt.where(AuditEvent.at >= f.since)
    if f.until:
        stmt = stmt.where(AuditEvent.at < f.until)
    return await keyset(session, stmt, page, [col(AuditEvent.id)], descending=True)


async def list_checkpoints(session: AsyncSession, *, page: PageQuery) -> Window[AuditCheckpoint]:
    stmt = select(AuditCheckpoint).order_by(col(AuditCheckpoint.id).desc())
    return await paginate(session, stmt, page)
