"""Reading the audit trail and checking its hash chain (no write path exists besides audit.record)."""

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import AuditEvent
from app.schemas.audit import AuditChainReport
from app.services.common.audit import GENESIS_HASH, event_hash
from app.services.common.paging import paginate

VERIFY_BATCH = 2000


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


async def verify_chain(session: AsyncSession) -> AuditChainReport:
    """Walk the chain in sealing order (seq); report the first event whose link or content does not match."""
    prev, checked, after_seq = GENESIS_HASH, 0, -1
    while True:
        stmt = (
            select(AuditEvent).where(col(AuditEvent.seq) > after_seq).order_by(col(AuditEvent.seq)).limit(VERIFY_BATCH)
        )
        batch = list((await session.exec(stmt)).all())
        if not batch:
            break
        for event in batch:
            checked += 1
            if event.prev_hash != prev:
                return AuditChainReport(
                    events_checked=checked,
                    intact=False,
                    first_break_id=event.id,
                    detail=f"事件 {event.id} 的前序哈希不匹配 (link to the previous event broken)",
                )
            if event_hash(prev, event) != event.hash:
                return AuditChainReport(
                    events_checked=checked,
                    intact=False,
                    first_break_id=event.id,
                    detail=f"事件 {event.id} 的内容已被改动 (content does not match its hash)",
                )
            prev = event.hash
            after_seq = event.seq
        session.expunge_all()
    return AuditChainReport(events_checked=checked, intact=True, detail="审计链完整 (chain intact)")
