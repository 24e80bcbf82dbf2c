"""Large uploads run as jobs on the job engine (app/core/jobs.py): any worker on any machine runs them.

`enqueue_import` keeps the upload's bytes in the database and enqueues the job in the request's transaction, so
an upload the request did not commit never runs, and a committed one always does. `run_import` runs one import
as one transaction that holds the import's row lock from start to end:
- two workers never run the same import (the second waits for the lock, then finds it finished);
- a worker killed mid-run takes its transaction with it: nothing is written, the import is still `pending`, and
  the engine's retry of the stalled job runs it again — all-or-nothing holds and nothing is applied twice;
- a finished, failed or cancelled import is never run again.
Progress is written every few seconds to an `ImportHeartbeat` row from outside that transaction, so any API
process sees it; the same row carries a cancel request to the running worker.
"""

import asyncio
import contextlib
import logging
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import anyio
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core import jobs as engine
from app.core.actor import Actor
from app.core.config import Settings
from app.core.errors import AppError, Conflict, sqlstate
from app.domain.errors import Message
from app.domain.statuses import ImportStatus
from app.models import EnterpriseImport, ImportHeartbeat, ImportUpload
from app.models.base import utcnow
from app.schemas.enterprise_import import kept_message
from app.services.common import audit
from app.services.imports.service import Upload, parse, process

log = logging.getLogger("app.imports")

RUN_IMPORT = "imports.run_import"
LOCK_NOT_AVAILABLE = "55P03"
INTERRUPTED = "import_interrupted"
CANCELLED = "import_cancelled"
FAILED = "import_failed"
"""The details a job keeps, as message codes (worded in the reader's language)."""


class _CancelRequested(Exception):
    pass


async def enqueue_import(
    session: AsyncSession, actor: Actor, job: EnterpriseImport, upload: Upload, today: date
) -> None:
    """Keep the bytes and enqueue the run in the caller's transaction (the job exists only if it commits)."""
    session.add(ImportUpload(import_id=job.id, content=upload.content))
    await session.flush()
    args = {"import_id": str(job.id), "actor": actor.to_job(), "today": today.isoformat()}
    await engine.enqueue(session, RUN_IMPORT, args, queueing_lock=f"import:{job.id}")


async def run_import(
    sessionmaker: async_sessionmaker[AsyncSession],
    import_id: uuid.UUID,
    actor: Actor,
    *,
    today: date,
    upload_dir: Path,
    max_upload_bytes: int,
    heartbeat_seconds: float = 5.0,
) -> str:
    """Run a pending import once (see the module's docstring); returns its status afterwards."""
    async with sessionmaker() as session:
        stmt = select(EnterpriseImport).where(EnterpriseImport.id == import_id).with_for_update()
        job = (await session.exec(stmt)).first()
        if job is None or job.status != "pending":
            return job.status if job else "missing"
        stored = await session.get(ImportUpload, import_id)
        if stored is None:
            return await _finish(session, job, "failed", FAILED)
        upload = Upload(job.source, job.filename, stored.content)
        checked = [0]
        work = asyncio.current_task()
        beating = asyncio.create_task(_beat(sessionmaker, import_id, heartbeat_seconds, checked, work))
        try:
            try:
                parsed = await anyio.to_thread.run_sync(
                    lambda: parse(upload, max_upload_bytes=max_upload_bytes, scanned=True)
                )
            except AppError as exc:  # a large workbook is first read here: its headers may be wrong
                return await _refuse(session, job, exc)
            job.rows_total = len(parsed.rows)  # the request counted the sheet's rows; these are the data rows
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
            await session.delete(stored)
            session.add(job)
            await session.commit()
            return job.status
        except asyncio.CancelledError:
            if not beating.done() or not isinstance(beating.exception(), _CancelRequested):
                raise
            if work is not None:
                work.uncancel()  # the cancel was ours, asked for by the cancel request: the run ends normally
            await session.rollback()
            return await _finish_fresh(sessionmaker, import_id, "cancelled", CANCELLED)
        except Exception:
            log.exception("enterprise import %s failed", import_id)
            await session.rollback()
            return await _finish_fresh(sessionmaker, import_id, "failed", FAILED)
        finally:
            beating.cancel()
            with contextlib.suppress(BaseException):
                await beating


async def run_queued_import(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, args: dict[str, Any]
) -> str:
    """`run_import` for the arguments `enqueue_import` queued (what a worker, or the SQLite app, runs)."""
    return await run_import(
        sessionmaker,
        uuid.UUID(args["import_id"]),
        Actor.from_job(args["actor"]),
        today=date.fromisoformat(args["today"]),
        upload_dir=settings.upload_dir,
        max_upload_bytes=settings.max_upload_bytes,
        heartbeat_seconds=settings.import_heartbeat_seconds,
    )


async def _refuse(session: AsyncSession, job: EnterpriseImport, exc: AppError) -> str:
    """The workbook is not a ledger sheet (the answer `parse` gives a small upload as 4xx): failed, its errors
    kept on the job as problems of the header row (1), nothing written."""
    job.errors = [
        {"sheet_row": 1, "index": None, "column": "row", "header": None, "code": msg.code, "params": dict(msg.params)}
        for _, msg in exc.errors
    ]
    job.error_count = len(job.errors)
    await _finish(session, job, "failed", kept_message(exc.detail) if isinstance(exc.detail, Message) else exc.code)
    job.http_status = exc.status
    session.add(job)
    await session.commit()
    return "failed"


async def _finish(session: AsyncSession, job: EnterpriseImport, status: str, detail: str) -> str:
    job.status, job.detail, job.finished_at = status, detail, utcnow()
    job.http_status = 500 if status == "failed" else 200
    job.idempotency_key = None if status == "cancelled" else job.idempotency_key
    session.add(job)
    stored = await session.get(ImportUpload, job.id)
    if stored is not None:
        await session.delete(stored)
    await session.commit()
    return status


async def _finish_fresh(
    sessionmaker: async_sessionmaker[AsyncSession], import_id: uuid.UUID, status: str, detail: str
) -> str:
    async with sessionmaker() as session:
        stmt = select(EnterpriseImport).where(EnterpriseImport.id == import_id).with_for_update()
        job = (await session.exec(stmt)).one()
        return await _finish(session, job, status, detail)


async def _beat(
    sessionmaker: async_sessionmaker[AsyncSession],
    job_id: uuid.UUID,
    every: float,
    checked: list[int],
    work: asyncio.Task | None,
) -> None:
    """Proof of life and progress, outside the import's transaction; stops the work when a cancel is asked."""
    while True:
        await asyncio.sleep(every)
        cancel = False
        try:
            async with sessionmaker() as session:
                beat = await session.get(ImportHeartbeat, job_id) or ImportHeartbeat(job_id=job_id, beat_at=utcnow())
                beat.beat_at, beat.rows_processed = utcnow(), checked[0]
                cancel = beat.cancel_requested
                session.add(beat)
                await session.commit()
        except Exception:  # a missed beat is not a failed import
            log.warning("heartbeat of import %s not written", job_id, exc_info=True)
        if cancel and work is not None:
            work.cancel()
            raise _CancelRequested


async def current_state(
    session: AsyncSession, job: EnterpriseImport, stale_after: float
) -> tuple[ImportStatus, int, str | None]:
    """Status, rows processed and detail as they are now, for any API process that reads the job. A pending job
    with a fresh heartbeat is running; one whose heartbeat stopped was interrupted (the engine retries it)."""
    if job.status not in ("pending", "running"):
        return ImportStatus(job.status), job.rows_processed, job.detail
    beat = await session.get(ImportHeartbeat, job.id)
    if job.status == "pending" and beat is None:
        return ImportStatus.pending, job.rows_processed, job.detail  # waiting in the queue for a worker
    signs = [t for t in (job.started_at, beat.beat_at if beat else None) if t is not None]
    rows = beat.rows_processed if beat else job.rows_processed
    if (utcnow() - max(signs or [job.created_at])).total_seconds() > stale_after:
        return ImportStatus.interrupted, rows, INTERRUPTED
    return ImportStatus.running, rows, job.detail


async def retire_if_interrupted(session: AsyncSession, job: EnterpriseImport, stale_after: float) -> bool:
    """Record an interrupted job as such and free its Idempotency-Key, so the client's retry with the same key
    runs the upload again instead of being answered with the dead job forever."""
    status, rows, detail = await current_state(session, job, stale_after)
    if status != "interrupted":
        return False
    job.status, job.rows_processed, job.detail, job.finished_at = status.value, rows, detail, utcnow()
    job.idempotency_key = None
    session.add(job)
    await session.flush()
    return True


async def cancel_import(session: AsyncSession, actor: Actor, job: EnterpriseImport) -> EnterpriseImport:
    """A waiting import is cancelled at once; a running one is asked to stop (its worker rolls back at the next
    beat, so nothing is written). A finished one cannot be cancelled (409)."""
    if job.status not in ("pending", "running"):
        raise Conflict(Message("import_already_finished", status=job.status))
    locked = await _lock_if_idle(session, job.id)
    if locked is not None:
        locked.status, locked.detail, locked.finished_at, locked.http_status = "cancelled", CANCELLED, utcnow(), 200
        locked.idempotency_key = None
        session.add(locked)
        stored = await session.get(ImportUpload, job.id)
        if stored is not None:
            await session.delete(stored)
    else:
        beat = await session.get(ImportHeartbeat, job.id) or ImportHeartbeat(job_id=job.id, beat_at=utcnow())
        beat.cancel_requested = True
        session.add(beat)
    await session.flush()
    await audit.record(
        session, actor, "enterprise_import.cancel", "enterprise_import", job.id, county_code=job.county_code
    )
    return locked or job


async def _lock_if_idle(session: AsyncSession, import_id: uuid.UUID) -> EnterpriseImport | None:
    """The import's row, locked, if no worker holds it (on PostgreSQL: NOWAIT); None while a worker runs it."""
    stmt = select(EnterpriseImport).where(EnterpriseImport.id == import_id)
    if session.get_bind().dialect.name != "postgresql":
        return (await session.exec(stmt)).one()
    try:
        async with session.begin_nested():
            return (await session.exec(stmt.with_for_update(nowait=True))).one()
    except DBAPIError as exc:
        if sqlstate(exc) == LOCK_NOT_AVAILABLE:  # a worker holds it: the import is running
            return None
        raise
