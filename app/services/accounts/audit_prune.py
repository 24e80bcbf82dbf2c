"""Removing audit events past their retention — only after they are archived, and so that the chain still verifies.

What goes is a prefix of the chain: the events up to the last position before the first event recorded on or after
`before` (a chain must lose its start, never a piece of its middle). Before anything is deleted the archive is
written and checked, and a signed checkpoint pins the last removed position and its hash: the first event kept
links to it, so `verify` still holds from there. The database itself refuses to delete an event younger than 180
days (migration 0013a); AUDIT_RETENTION_DAYS may only ask for longer.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import SYSTEM
from app.core.audit_keys import AuditKeys
from app.core.errors import Unprocessable
from app.domain.errors import Message
from app.models import AuditEvent
from app.services.accounts.audit_export import archive_lines, verify_export
from app.services.common import audit


@dataclass(frozen=True)
class Pruned:
    events: int
    through_seq: int
    archive: Path
    checkpoint_id: int | None


async def prune_events(
    session: AsyncSession,
    *,
    keys: AuditKeys,
    before: date,
    archive: Path,
    retention_days: int,
    today: date,
    now: datetime,
) -> Pruned:
    """Archive to `archive` (a new file), check it, anchor the chain, then delete the events recorded before
    `before` that start the chain. Nothing is deleted when the archive does not check."""
    if before > today - timedelta(days=retention_days):
        message = Message("audit_retention", retention_days=retention_days)
        raise Unprocessable(message, errors=[(["before"], message)])
    if archive.exists():
        message = Message("archive_exists", archive=str(archive))
        raise Unprocessable(message, errors=[(["archive"], message)])
    cutoff = datetime.combine(before, time(), tzinfo=UTC)
    first_kept = (await session.exec(select(func.min(AuditEvent.seq)).where(col(AuditEvent.at) >= cutoff))).one()
    if first_kept is None:  # the newest event stays, so new events go on from it rather than from a new start
        first_kept = (await session.exec(select(func.max(AuditEvent.seq)))).one()
    last = first_kept - 1 if first_kept is not None else 0
    head = (await session.exec(select(AuditEvent).where(AuditEvent.seq == last))).first() if last else None
    if head is None:
        return Pruned(events=0, through_seq=0, archive=archive, checkpoint_id=None)

    header = {"purpose": "prune", "before": before.isoformat(), "exported_at": now.isoformat(), "exported_by": "system"}
    with archive.open("xb") as out:
        async for line in archive_lines(session, keys, header, col(AuditEvent.seq) <= last):
            out.write(line)
    with archive.open("rb") as written:
        check = verify_export(written, keys)
    if not check.intact:
        message = Message("archive_failed_check", problems=check.problems)
        raise Unprocessable(message, errors=[(["archive"], message)])

    last_unkeyed = (await session.exec(select(func.max(AuditEvent.seq)).where(col(AuditEvent.seal).is_(None)))).one()
    anchor = audit.new_checkpoint(keys, position=last, head_hash=head.hash, legacy_until=last_unkeyed or 0, at=now)
    session.add(anchor)
    await session.flush()
    await (await session.connection()).execute(delete(AuditEvent).where(col(AuditEvent.seq) <= last))
    await audit.record(
        session,
        SYSTEM,
        "audit.prune",
        "audit_event",
        None,
        after={"before": before.isoformat(), "through_seq": last, "events": check.events, "archive": archive.name},
    )
    return Pruned(events=check.events, through_seq=last, archive=archive, checkpoint_id=anchor.id)
