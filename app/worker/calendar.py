"""The plan's calendar: what runs by itself, when, and what each run does. Each entry is a use case of its area
(idempotent: a second run on the same day changes nothing), run in one transaction and audited as the system.

Times are cron expressions in UTC, the workers' clock: 17:00 UTC is 01:00 in China (UTC+8).
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import SYSTEM
from app.core.clock import utcnow
from app.core.idempotency import purge_expired
from app.services.accounts import seal_checkpoint
from app.services.common import audit
from app.services.findings import sweep_overdue_findings
from app.services.notifications import send_reminders
from app.services.plans import raise_lines_by_time

log = logging.getLogger("app.worker")


@dataclass(frozen=True)
class Periodic:
    name: str
    cron: str
    """UTC."""
    when: str
    """The same, in words, in China's time."""
    run: Callable[[AsyncSession, date], Awaitable[str]]
    """Does the day's work and says what it did, in one line."""


async def _escalate_overdue(session: AsyncSession, today: date) -> str:
    entries = await sweep_overdue_findings(session, today=today)
    return f"{len(entries)} finding(s) overdue past the level-2 limit entered on the risk problem list"


async def _raise_plan_lines(session: AsyncSession, today: date) -> str:
    raised = await raise_lines_by_time(session, today=today)
    return f"{raised} plan line(s) raised by time-based risk factors"


async def _send_reminders(session: AsyncSession, today: date) -> str:
    sent = await send_reminders(session, today=today)
    return "reminders sent: " + ", ".join(f"{kind.value} {n}" for kind, n in sent.items())


async def _seal_audit_checkpoint(session: AsyncSession, today: date) -> str:
    checkpoint = await seal_checkpoint(session, keys=audit.installed_keys(), now=utcnow())
    if checkpoint is None:
        return "audit chain unchanged since its last checkpoint"
    return f"audit checkpoint {checkpoint.id}: position {checkpoint.position}, head {checkpoint.head_hash[:12]}…"


async def _purge_idempotency_keys(session: AsyncSession, today: date) -> str:
    purged = await purge_expired(session, now=utcnow())
    return f"{purged} idempotency key(s) older than 24 hours removed"


CALENDAR: tuple[Periodic, ...] = (
    Periodic("escalate-overdue", "0 17 * * *", "daily 01:00", _escalate_overdue),
    Periodic("raise-plan-lines", "10 17 * * *", "daily 01:10", _raise_plan_lines),
    Periodic("send-reminders", "0 23 * * *", "daily 07:00", _send_reminders),
    Periodic("seal-audit-checkpoint", "50 * * * *", "hourly :50", _seal_audit_checkpoint),
    Periodic("purge-idempotency-keys", "30 19 * * *", "daily 03:30", _purge_idempotency_keys),
)
BY_NAME = {entry.name: entry for entry in CALENDAR}


async def run_committed(sessionmaker: async_sessionmaker[AsyncSession], entry: Periodic, today: date) -> str:
    """One run in a transaction of its own, committed (what a worker and the SQLite app do on schedule)."""
    async with sessionmaker() as session:
        summary = await run_entry(session, entry, today)
        await session.commit()
    log.info("%s: %s", entry.name, summary)
    return summary


async def run_entry(session: AsyncSession, entry: Periodic, today: date) -> str:
    """One run of a calendar entry in the caller's transaction, audited as the system with what it did."""
    summary = await entry.run(session, today)
    await audit.record(
        session, SYSTEM, "job.run", "job", entry.name, after={"day": today.isoformat(), "summary": summary}
    )
    return summary
