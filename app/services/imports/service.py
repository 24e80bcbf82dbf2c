"""Bulk upload of enterprises: parse safely, check every row, upsert by credit code, all-or-nothing by default.

Small uploads are processed inside the request; large ones become a job (see imports.jobs; imports.submit chooses).
An `Idempotency-Key` is stored with the job: the same key and the same upload return the first job, the same
key with a different upload is refused.
"""

import asyncio
import contextlib
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import anyio
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import FieldError, Located, PayloadTooLarge, Unprocessable
from app.domain.errors import Message
from app.models import EnterpriseImport, Jurisdiction, User
from app.models.base import utcnow
from app.models.personal import cipher
from app.schemas.enterprise_import import EnterpriseImportRead, stored_row_error
from app.services import events
from app.services.common import audit, idempotency
from app.services.common.access import in_scope, in_scope_or_shared, one_or_404
from app.services.imports.apply import (
    PLAN_KEYS,
    Applied,
    analyze_after_bulk,
    defer_secondary_indexes,
    existing_by_code,
    rebuild_indexes,
    upsert,
)
from app.services.imports.rows import I_CODE, I_RISK, ROW, RowCheck, Vocabulary, check_rows
from app.services.ledger import DEFAULT_RISK_CLASS, RISK_CLASS_IS_THE_PREFECTURES
from app.services.plans import recompute_for_enterprise
from app.xlsx.enterprise_columns import COLUMNS, INDEX
from app.xlsx.enterprise_sheet import count_enterprise_rows, read_enterprise_rows
from app.xlsx.safety import WorkbookRejected

MAX_ROWS = 200_000
MAX_STORED_ERRORS = 10_000
IMPORT_ROWS_REJECTED = "import_rows_rejected"
"""The detail a rejected job keeps (worded with its error count when read)."""
CHECK_CHUNK = 10_000
UNCOMPRESSED_FACTOR = 16
"""A workbook may inflate to this many times the upload limit (worksheet XML compresses 10–15×)."""
_PLAN_INDEXES = tuple(INDEX[k] for k in PLAN_KEYS)


class ImportRejected(Unprocessable, code="import_rejected"):
    """All-or-nothing upload with bad rows: nothing written, the job (with its errors) is kept. Each error item
    also says the row's `sheet_row` (xlsx; null for JSON) and `index`."""

    def __init__(self, detail: Message, *, errors: list[Located], rows: list[tuple[int | None, int | None]]) -> None:
        super().__init__(detail, errors=errors)
        self.rows = rows

    def items(self) -> list[FieldError]:
        return [
            item.model_copy(update={"sheet_row": sheet_row, "index": index})
            for item, (sheet_row, index) in zip(super().items(), self.rows, strict=True)
        ]

    keep_changes = True


@dataclass(frozen=True)
class Upload:
    source: str  # xlsx | json
    filename: str | None
    content: bytes

    def digest(self, *, dry_run: bool, all_or_nothing: bool) -> str:
        h = hashlib.sha256(f"{self.source}|{dry_run}|{all_or_nothing}|".encode())
        h.update(self.content)
        return h.hexdigest()


@dataclass(frozen=True)
class Parsed:
    rows: list[Any]
    numbers: range
    """Row numbers as the user sees them: sheet rows for xlsx, array indexes for JSON."""
    first_row: int | None = None
    """The sheet row of the first data row (xlsx); None for JSON, whose rows have no sheet row."""


def max_uncompressed(max_upload_bytes: int) -> int:
    return UNCOMPRESSED_FACTOR * max_upload_bytes


def _workbook_rejected(exc: WorkbookRejected) -> Exception:
    if exc.too_large:
        return PayloadTooLarge(exc.message)
    return Unprocessable(exc.message, errors=exc.errors or [(["body", "file"], exc.message)])


def count_rows(upload: Upload, *, max_upload_bytes: int) -> int | None:
    """A workbook's data rows as counted by the safety scan (refusing what `parse` refuses for safety), without
    reading the cells; None for JSON, which is parsed whole anyway."""
    if upload.source != "xlsx":
        return None
    try:
        return count_enterprise_rows(
            upload.content, max_uncompressed=max_uncompressed(max_upload_bytes), max_rows=MAX_ROWS
        )
    except WorkbookRejected as exc:
        raise _workbook_rejected(exc) from exc


def parse(upload: Upload, *, max_upload_bytes: int, scanned: bool = False) -> Parsed:
    """Read the upload into raw rows; refuse (4xx) anything that is not a ledger sheet or a JSON array.

    `scanned`: a workbook the request already put through the safety checks (`count_rows` or `parse`) before it
    kept it for a job, as every kept one is."""
    if upload.source == "xlsx":
        try:
            sheet = read_enterprise_rows(
                upload.content,
                max_uncompressed=max_uncompressed(max_upload_bytes),
                max_rows=MAX_ROWS,
                scanned=scanned,
            )
        except WorkbookRejected as exc:
            raise _workbook_rejected(exc) from exc
        rows, numbers = sheet.rows, range(sheet.first_row, sheet.first_row + len(sheet.rows))
        first_row: int | None = sheet.first_row
    else:
        try:
            body = json.loads(upload.content)
        except (ValueError, RecursionError) as exc:
            msg = Message("body_is_not_valid_json")
            raise Unprocessable(msg, errors=[(["body"], msg)]) from exc
        if isinstance(body, dict) and isinstance(body.get("rows"), list):
            body = body["rows"]
        if not isinstance(body, list):
            msg = Message("json_body_not_an_array")
            raise Unprocessable(msg, errors=[(["body"], msg)])
        rows, numbers, first_row = body, range(len(body)), None
    if not rows:
        msg = Message("no_rows_to_import")
        raise Unprocessable(msg, errors=[(["rows"], msg)])
    if len(rows) > MAX_ROWS:
        raise PayloadTooLarge(Message("too_many_rows", max_rows=MAX_ROWS))
    return Parsed(rows=rows, numbers=numbers, first_row=first_row)


async def find_replay(session: AsyncSession, actor: Actor, key: str | None, digest: str) -> EnterpriseImport | None:
    return await idempotency.find_replay(session, EnterpriseImport, actor, key, digest, "body_sha256")


async def create_job(
    session: AsyncSession,
    actor: Actor,
    upload: Upload,
    rows_total: int,
    *,
    dry_run: bool,
    all_or_nothing: bool,
    idempotency_key: str | None,
) -> EnterpriseImport:
    job = EnterpriseImport(
        source=upload.source,
        filename=upload.filename,
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
        county_code=actor.county_code,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        rows_total=rows_total,
        status="pending",
        http_status=202,
    )
    digest = upload.digest(dry_run=dry_run, all_or_nothing=all_or_nothing)
    idempotency.stamp(job, actor, idempotency_key, digest, "body_sha256")
    await idempotency.claim(session, job)
    return job


async def _vocabulary(session: AsyncSession, actor: Actor) -> Vocabulary:
    reach = in_scope(select(Jurisdiction).where(Jurisdiction.level == "county"), Jurisdiction.code, actor)
    counties = (await session.exec(reach)).all()
    names = {c.name: c.code for c in counties} | {c.code: c.code for c in counties}
    return Vocabulary(counties=names, actor_county=actor.county_code)


async def process(
    session: AsyncSession,
    actor: Actor,
    job: EnterpriseImport,
    upload: Upload,
    parsed: Parsed,
    *,
    upload_dir: Path,
    today: date,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Check every row and write the good ones, chunk by chunk, all inside one savepoint.

    Writing chunk i overlaps checking chunk i+1 (PostgreSQL works while Python checks). If any row is bad
    in all-or-nothing mode, the savepoint is rolled back: nothing is written, the job keeps the errors.
    """
    job.status, job.started_at = "running", job.started_at or utcnow()
    vocab = await _vocabulary(session, actor)
    write = not job.dry_run
    check, existing, good = RowCheck(), {}, []
    created = updated = 0
    # a dry run writes too, inside the savepoint it always rolls back: its counts are a real run's, exactly
    savepoint = await session.begin_nested()
    deferred = await defer_secondary_indexes(session, len(parsed.rows)) if write else []
    pending: asyncio.Task[Applied] | None = None
    now = utcnow()
    try:
        for start in range(0, len(parsed.rows), CHECK_CHUNK):
            stop = min(start + CHECK_CHUNK, len(parsed.rows))
            part = RowCheck(seen=check.seen)
            await anyio.to_thread.run_sync(check_rows, parsed.rows[start:stop], parsed.numbers[start:stop], vocab, part)
            if pending is not None:
                applied, pending = await pending, None
                created, updated = created + applied.created, updated + applied.updated
            found = await existing_by_code(session, [row[I_CODE] for _, row in part.rows])
            part_good = _apply_existing(actor, vocab, part, found)
            check.errors += part.errors
            existing |= found
            good += part_good
            if progress:
                progress(stop)
            if part_good and not (write and job.all_or_nothing and check.errors):
                new = not any(row[I_CODE] in found for row in part_good)
                pending = asyncio.create_task(upsert(session, part_good, now=now, county=actor.county_code, new=new))
        if pending is not None:
            applied, pending = await pending, None
            created, updated = created + applied.created, updated + applied.updated
    finally:
        if pending is not None:
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
    errors = sorted(check.errors, key=lambda e: e[:2])
    rejected = bool(errors) and job.all_or_nothing
    if not rejected:  # a rejected one rolls back below, and the dropped indexes come back with it
        await rebuild_indexes(session, deferred)
    # before touching `job`: a savepoint rollback expires what changed inside it
    await (savepoint.rollback() if rejected or not write else savepoint.commit())
    job.rows_processed = job.rows_total
    job.error_count = len(errors)
    job.errors_truncated = len(errors) > MAX_STORED_ERRORS
    job.errors = [_error_dict(n, i, msg, parsed.first_row) for n, i, msg in errors[:MAX_STORED_ERRORS]]
    if errors:
        await anyio.to_thread.run_sync(_keep_source, upload_dir, job.id, upload)
    if not (write and rejected):  # a dry run's counts are those of the real run it stands for
        job.created_count, job.updated_count = created, updated
        job.unchanged_count = len(good) - created - updated
    if not write:
        job.status, job.http_status = "validated", 200
    elif rejected:
        job.status, job.http_status = "failed", 422
        job.detail = IMPORT_ROWS_REJECTED
    else:
        job.status, job.http_status = "succeeded", 201
        await analyze_after_bulk(session, created + updated)
        await _after_write(session, actor, job, good, existing, today)
    job.finished_at = utcnow()
    session.add(job)
    await session.flush()
    await events.emit(
        session,
        "import.finished",
        f"/api/v1/enterprise-imports/{job.id}",
        EnterpriseImportRead.model_validate(job),
        job.county_code or actor.node_code,  # an import of several counties is its importer's node's
    )


def _apply_existing(
    actor: Actor, vocab: Vocabulary, check: RowCheck, existing: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """Checks that need the ledger: nobody touches an enterprise registered outside their jurisdiction (credit
    codes are unique across the region); a county importer sets no risk class; the risk class left empty keeps
    the current one (new enterprises: B)."""
    reachable = set(vocab.counties.values())
    good = []
    for number, row in check.rows:
        found = existing.get(row[I_CODE])
        given = row[I_RISK]
        if found is not None and found.county_code not in reachable:
            msg = Message("credit_code_in_other_county")
            check.errors.append((number, I_CODE, msg))
            continue
        if actor.is_county_bound:
            if given is not None and (found is None or found.risk_class != given):
                check.errors.append((number, I_RISK, RISK_CLASS_IS_THE_PREFECTURES))
                continue
        if given is None:
            row = (*row[:I_RISK], found.risk_class if found else DEFAULT_RISK_CLASS.value, *row[I_RISK + 1 :])
        good.append(row)
    return good


async def _after_write(
    session: AsyncSession,
    actor: Actor,
    job: EnterpriseImport,
    good: list[tuple[Any, ...]],
    existing: dict[str, Any],
    today: date,
) -> None:
    """One audit event per import (bounded, whatever the size), then the plan follows changed enterprises."""
    await audit.record(
        session,
        actor,
        "enterprise.import",
        "enterprise_import",
        job.id,
        county_code=actor.county_code,
        after={
            "source": job.source,
            "filename": job.filename,
            "rows": job.rows_total,
            "created": job.created_count,
            "updated": job.updated_count,
            "unchanged": job.unchanged_count,
            "errors": job.error_count,
        },
    )
    for row in good:
        found = existing.get(row[I_CODE])
        if found is not None and tuple(row[i] for i in _PLAN_INDEXES) != found.plan_inputs:
            await recompute_for_enterprise(session, found.id, today=today)


def _error_dict(number: int, column: int, msg: Message, first_row: int | None) -> dict[str, Any]:
    """A row error as the job keeps it (JSON): where (`sheet_row`, `index`, column) and what (code, parameters)."""
    return {
        "sheet_row": None if first_row is None else number,
        "index": number - (first_row or 0),
        "column": "row" if column == ROW else COLUMNS[column].key,
        "header": None if column == ROW else COLUMNS[column].header,
        "code": msg.code,
        "params": dict(msg.params),
    }


KEPT_SOURCE = "enterprise_import.source"
SEALED = b"sm4gcm$"


def source_path(upload_dir: Path, job_id: uuid.UUID, source: str) -> Path:
    return upload_dir / "enterprise-imports" / f"{job_id}.{source}"


def _keep_source(upload_dir: Path, job_id: uuid.UUID, upload: Upload) -> None:
    """Keep an upload that had errors, to hand it back with the bad cells marked; sealed, its rows carry phones."""
    path = source_path(upload_dir, job_id, upload.source)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(cipher().seal(upload.content, KEPT_SOURCE))


def read_kept_source(path: Path) -> bytes:
    """A kept upload, opened; one kept before uploads were sealed (migration 0013p) is read as it is."""
    content = path.read_bytes()
    return cipher().unseal(content, KEPT_SOURCE) if content.startswith(SEALED) else content


def reseal_kept_sources(upload_dir: Path) -> int:
    """Kept uploads under another key than the current one (or none) sealed again under it (rotate-pii-key)."""
    current = SEALED + cipher().current_key_id.encode() + b"$"
    resealed = 0
    for path in sorted((upload_dir / "enterprise-imports").glob("*")):
        content = path.read_bytes()
        if content.startswith(current):
            continue
        spare = path.with_name(path.name + ".resealing")
        spare.write_bytes(cipher().seal(read_kept_source(path), KEPT_SOURCE))
        spare.replace(path)
        resealed += 1
    return resealed


async def get_import(session: AsyncSession, actor: Actor, job_id: uuid.UUID) -> EnterpriseImport:
    stmt = (
        select(EnterpriseImport)
        .outerjoin(User, col(User.id) == EnterpriseImport.actor_id)
        .where(EnterpriseImport.id == job_id)
    )
    # an import of no county is its importer's: seen below the importer's node
    stmt = in_scope_or_shared(stmt, EnterpriseImport.county_code, actor, User.jurisdiction_code)
    return await one_or_404(session, stmt, Message("import_not_found"))


def rejection(job: EnterpriseImport) -> ImportRejected:
    """The problem+json of a rejected all-or-nothing upload: every bad cell at loc ["rows", index, column], with
    its sheet row (xlsx) and index."""
    path = f"/api/v1/enterprise-imports/{job.id}"
    kept = [(stored_row_error(e), e["column"]) for e in job.errors or []]
    exc = ImportRejected(
        Message("import_rows_rejected_see_errors", count=job.error_count, errors_file=f"{path}/errors"),
        errors=[
            (["rows", index, column] if index is not None else ["body", "header_row"], message)
            for (_, index, message), column in kept
        ],
        rows=[(sheet_row, index) for (sheet_row, index, _), _ in kept],
    )
    exc.headers = {"Location": path}
    return exc
