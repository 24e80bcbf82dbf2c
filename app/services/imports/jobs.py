"""Large uploads run as an in-process asyncio task with a session of their own; the whole job is one
transaction (all-or-nothing). Progress is written every few seconds to an `ImportHeartbeat` row
written from outside the job's transaction, so every worker sees it.

A job does not survive a restart of the process that runs it: its transaction dies with the process, so
nothing of it is written, and its heartbeat stops. A pending or running job whose heartbeat is older than
`import_stale_seconds` is reported as `interrupted` (derived when read, so no sweeper is needed).
"""

import asyncio
import contextlib
import logging
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.models import EnterpriseImport, ImportHeartbeat
from app.models.base import utcnow
from app.services.imports.service import Parsed, Upload, process

log = logging.getLogger("app.imports")

RUNNING: dict[uuid.UUID, asyncio.Task[None]] = {}
"""The tasks of running jobs (tests await them instead of polling)."""


async def spawn(
    sessionmaker: async_sessionmaker[AsyncSession],
    actor: Actor,
    job_id: uuid.UUID,
    upload: Upload,
    parsed: Parsed,
    upload_dir: Path,
    heartbeat_seconds: float = 5.0,
    *,
    today: date,
) -> None:
    """Start the job and return at once; call it only after the request that created the job row committed
    (as a background task of that request: async, so it runs on the event loop, not in a thread)."""
    task = asyncio.create_task(
        run(sessionmaker, actor, job_id, upload, parsed, upload_dir, heartbeat_seconds, today=today)
    )
    RUNNING[job_id] = task
    task.add_done_callback(lambda _: RUNNING.pop(job_id, None))


async def run(
    sessionmaker: async_sessionmaker[AsyncSession],
    actor: Actor,
    job_id: uuid.UUID,
    upload: Upload,
    parsed: Parsed,
    upload_dir: Path,
    heartbeat_seconds: float = 5.0,
    *,
    today: date,
) -> None:
    beating: asyncio.Task[None] | None = None
    checked = [0]  # rows checked so far, shared with the heartbeat
    async with sessionmaker() as session:
        try:
            job = await session.get(EnterpriseImport, job_id)
            if job is None or job.status != "pending":
                return
            job.status, job.started_at = "running", utcnow()
            session.add(job)
            await session.commit()
            beating = asyncio.create_task(_beat(sessionmaker, job_id, heartbeat_seconds, checked))
            await process(
                session,
                actor,
                job,
                upload,
                parsed,
                upload_dir=upload_dir,
                today=today,
                progress=lambda n: checked.__setitem__(0, n),
            )
            if job.http_status == 201:
                job.http_status = 200
            session.add(job)
            await session.commit()
        except Exception:
            log.exception("enterprise import %s failed", job_id)
            await session.rollback()
            job = await session.get(EnterpriseImport, job_id)
            if job is not None:
                job.status, job.http_status, job.finished_at = "failed", 500, utcnow()
                job.detail = "导入失败（内部错误），未写入任何数据 (the import failed: nothing was written)"
                session.add(job)
                await session.commit()
        finally:
            if beating is not None:
                beating.cancel()
                with contextlib.suppress(BaseException):
                    await beating


async def _beat(
    sessionmaker: async_sessionmaker[AsyncSession], job_id: uuid.UUID, every: float, checked: list[int]
) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            async with sessionmaker() as session:
                beat = await session.get(ImportHeartbeat, job_id) or ImportHeartbeat(job_id=job_id, beat_at=utcnow())
                beat.beat_at, beat.rows_processed = utcnow(), checked[0]
                session.add(beat)
                await session.commit()
        except Exception:  # a missed beat is not a failed import
            log.warning("heartbeat of import %s not written", job_id, exc_info=True)


INTERRUPTED = (
    "导入进程已中断（如服务重启），未写入任何数据，请重新上传 (the import was interrupted: nothing was written)"
)


async def current_state(
    session: AsyncSession, job: EnterpriseImport, stale_after: float
) -> tuple[str, int, str | None]:
    """Status, rows processed and detail as they are now, for any worker that reads the job."""
    if job.status not in ("pending", "running"):
        return job.status, job.rows_processed, job.detail
    beat = await session.get(ImportHeartbeat, job.id)
    last_sign = max(t for t in (job.created_at, job.started_at, beat.beat_at if beat else None) if t is not None)
    if (utcnow() - last_sign).total_seconds() > stale_after:
        return "interrupted", beat.rows_processed if beat else 0, INTERRUPTED
    return job.status, beat.rows_processed if beat else job.rows_processed, job.detail


async def retire_if_interrupted(session: AsyncSession, job: EnterpriseImport, stale_after: float) -> bool:
    """Record an interrupted job as such and free its Idempotency-Key, so the client's retry with the same key
    runs the upload again instead of being answered with the dead job forever."""
    status, rows, detail = await current_state(session, job, stale_after)
    if status != "interrupted":
        return False
    job.status, job.rows_processed, job.detail, job.finished_at = status, rows, detail, utcnow()
    job.idempotency_key = None
    session.add(job)
    await session.flush()
    return True
