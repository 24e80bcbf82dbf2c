"""One upload from receipt to answer: size limits, replay by Idempotency-Key, parse, and the choice between
checking it inside the request and running it as a job."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import anyio
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.body_limit import upload_too_large
from app.models import EnterpriseImport
from app.schemas.enterprise_import import EnterpriseImportRead
from app.services.imports import jobs
from app.services.imports.service import (
    Upload,
    count_rows,
    create_job,
    find_replay,
    parse,
    process,
    rejection,
)

SYNC_ROW_LIMIT = 2_000
"""Up to this many rows the upload is processed inside the request; above it, as a job (202)."""


@dataclass(frozen=True)
class Limits:
    max_upload_bytes: int
    upload_dir: Path
    stale_seconds: float


@dataclass(frozen=True)
class Outcome:
    job: EnterpriseImport

    @property
    def status(self) -> int:
        """201 created, 200 a dry run or a replay, 202 running as a job; a rejected upload raises its 422."""
        if self.job.status in ("pending", "running"):
            return 202
        if self.job.http_status == 422:
            raise rejection(self.job)
        return self.job.http_status if self.job.http_status in (200, 201) else 200

    def read(self) -> EnterpriseImportRead:
        return EnterpriseImportRead.model_validate(self.job)


def check_upload_size(size: int, limit: int) -> None:
    """413 when the uploaded content (the file, or the JSON array) passes the limit; the body as a whole was
    held to the limit, plus multipart framing, before anything read it (app/core/body_limit.py)."""
    if size > limit:
        raise upload_too_large(limit)


async def submit(
    session: AsyncSession,
    actor: Actor,
    upload: Upload,
    *,
    dry_run: bool,
    all_or_nothing: bool,
    idempotency_key: str | None,
    limits: Limits,
    today: date,
) -> Outcome:
    """A replay answers with the first job (unless it died: then the upload runs again); a small upload is
    checked and written now; a large one is enqueued as a job in this transaction (202)."""
    digest = upload.digest(dry_run=dry_run, all_or_nothing=all_or_nothing)
    replay = await find_replay(session, actor, idempotency_key, digest)
    if replay is not None and not await jobs.retire_if_interrupted(session, replay, limits.stale_seconds):
        return Outcome(replay)
    options = {"dry_run": dry_run, "all_or_nothing": all_or_nothing, "idempotency_key": idempotency_key}
    counted = await anyio.to_thread.run_sync(lambda: count_rows(upload, max_upload_bytes=limits.max_upload_bytes))
    if counted is not None and counted > SYNC_ROW_LIMIT:  # a large workbook is read once, by the job
        job = await create_job(session, actor, upload, counted, **options)
        await jobs.enqueue_import(session, actor, job, upload, today)
        return Outcome(job)
    parsed = await anyio.to_thread.run_sync(lambda: parse(upload, max_upload_bytes=limits.max_upload_bytes))
    job = await create_job(session, actor, upload, len(parsed.rows), **options)
    if job.rows_total <= SYNC_ROW_LIMIT:
        await process(session, actor, job, upload, parsed, upload_dir=limits.upload_dir, today=today)
    else:
        await jobs.enqueue_import(session, actor, job, upload, today)
    return Outcome(job)
