"""Large uploads run as an in-process asyncio task with a session of their own; the whole job is one
transaction (all-or-nothing). Progress lives in memory and, every few seconds, in an `ImportHeartbeat` row
written from outside the job's transaction, so every worker sees it.

A job does not survive a restart of the process that runs it: its transaction dies with the process, so
nothing of it is written, and its heartbeat stops. A pending or running job whose heartbeat is older than
`import_stale_seconds` is reported as `interrupted` (derived when read, so no sweeper is needed).
"""

import asyncio
import contextlib
import logging
import uuid
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.models import EnterpriseImport, ImportHeartbeat
from app.models.base import utcnow
from app.services.imports.service import Parsed, Upload, process

log = logging.getLogger("app.imports")

PROGRESS: dict[uuid.UUID, int] = {}
"""Rows checked so far, per running job."""
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
) -> None:
    """Start the job and return at once; call it only after the request that created the job row committed
    (as a background task of that request: async, so it runs on the event loop, not in a thread)."""
    task = asyncio.create_task(run(sessionmaker, actor, job_id, upload, parsed, upload_dir, heartbeat_seconds))
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
) -> None:
    beating: asyncio.Task[None] | None = None
    async with sessionmaker() as session:
        try:
            job = await session.get(EnterpriseImport, job_id)
            if job is None or job.status != "pending":
                return
            job.status, job.started_at = "running", utcnow()
            session.add(job)
            await session.commit()
            PROGRESS[job_id] = 0
            beating = asyncio.create_task(_beat(sessionmaker, job_id, heartbeat_seconds))
            await process(
                session,
                actor,
                job,
                upload,
                parsed,
                upload_dir=upload_dir,
                progress=lambda n: PROGRESS.__setitem__(job_id, n),
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
            PROGRESS.pop(job_id, None)


async def _beat(sessionmaker: async_sessionmaker[AsyncSession], job_id: uuid.UUID, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            async with sessionmaker() as session:
                beat = await session.get(ImportHeartbeat, job_id) or ImportHeartbeat(job_id=job_id, beat_at=utcnow())
                beat.beat_at, beat.rows_processed = utcnow(), PROGRESS.get(job_id, 0)
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
    rows = max(PROGRESS.get(job.id, 0), beat.rows_processed if beat else 0)
    return job.status, rows, job.detail


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
