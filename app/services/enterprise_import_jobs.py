"""Large uploads run as an in-process asyncio task with a session of their own; the whole job is one
transaction (all-or-nothing). Progress lives in memory; the final state in the job row.

Limits (documented): a job does not survive a restart of the process that runs it, and with several
workers only the worker running a job sees its live row count (others report it when it is done).
"""

import asyncio
import logging
import uuid
from pathlib import Path

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.actor import Actor
from app.models import EnterpriseImport
from app.models.base import utcnow
from app.services.enterprise_import import Parsed, Upload, process

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
) -> None:
    """Start the job and return at once; call it only after the request that created the job row committed
    (as a background task of that request: async, so it runs on the event loop, not in a thread)."""
    task = asyncio.create_task(run(sessionmaker, actor, job_id, upload, parsed, upload_dir))
    RUNNING[job_id] = task
    task.add_done_callback(lambda _: RUNNING.pop(job_id, None))


async def run(
    sessionmaker: async_sessionmaker[AsyncSession],
    actor: Actor,
    job_id: uuid.UUID,
    upload: Upload,
    parsed: Parsed,
    upload_dir: Path,
) -> None:
    async with sessionmaker() as session:
        try:
            job = await session.get(EnterpriseImport, job_id)
            if job is None or job.status != "pending":
                return
            job.status, job.started_at = "running", utcnow()
            session.add(job)
            await session.commit()
            PROGRESS[job_id] = 0
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
            PROGRESS.pop(job_id, None)


def live_progress(job: EnterpriseImport) -> int:
    return PROGRESS.get(job.id, job.rows_processed) if job.status == "running" else job.rows_processed
