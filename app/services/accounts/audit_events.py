"""Reading the audit trail and its checkpoints (no write path exists besides audit.record and the checkpoints)."""

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import AuditCheckpoint, AuditEvent
from app.services.common.paging import paginate


async def list_events(
    session: AsyncSession,
    *,
    action: str | None,
    entity: str | None,
    entity_id: str | None,
    actor_name: str | None,
    county_code: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[AuditEvent], int]:
    stmt = select(AuditEvent)
    for column, value in (
        (AuditEvent.action, action),
        (AuditEvent.entity, entity),
        (AuditEvent.entity_id, entity_id),
        (AuditEvent.actor_name, actor_name),
        (AuditEvent.county_code, county_code),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    if until:
        stmt = stmt.where(AuditEvent.at < until)
    return await paginate(session, stmt.order_by(col(AuditEvent.id).desc()), limit=limit, offset=offset)


async def list_checkpoints(session: AsyncSession, *, limit: int, offset: int) -> tuple[list[AuditCheckpoint], int]:
    stmt = select(AuditCheckpoint).order_by(col(AuditCheckpoint.id).desc())
    return await paginate(session, stmt, limit=limit, offset=offset)
