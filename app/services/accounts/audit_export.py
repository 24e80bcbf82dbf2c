"""An archive of the audit trail for a time range, streamed as JSON Lines, and its check.

Lines, each a JSON object with a `kind`:
- `header`: format, range [since, until), when and by whom it was exported;
- `event`: every event recorded in the range (`since <= at < until`), in chain order (seq), with its seal;
- `checkpoint`: the signed checkpoints at positions inside the exported span (and the one just before it);
- `manifest` (last): counts, the span of positions, `gaps` (positions inside the span not exported because their
  event was recorded outside the range — a transaction that committed across the boundary), the SHA-256 of every
  line before it, and an HMAC of the manifest under the audit key.
Anyone can check the SHA-256 and the links between consecutive events; with the audit key, `verify_export` (CLI:
`python -m app.cli verify-audit-export FILE`) checks every seal and signature too.
"""

import hashlib
import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.audit_keys import AuditKeys
from app.core.errors import Unprocessable
from app.domain.errors import Message
from app.models import AuditCheckpoint, AuditEvent
from app.schemas.audit import AuditCheckpointRead, AuditEventRead
from app.services.common import audit
from app.services.common.audit import canonical, check_checkpoint, check_event

FORMAT = "zhijian-audit-export/1"
BATCH = 1000


@dataclass(frozen=True)
class ExportRange:
    since: datetime
    until: datetime
    exported_at: datetime
    exported_by: str | None

    @property
    def filename(self) -> str:
        return f"audit-{self.since:%Y%m%d%H%M}-{self.until:%Y%m%d%H%M}.jsonl"


async def start_export(
    session: AsyncSession, *, actor: Actor, since: datetime, until: datetime, max_days: int, now: datetime
) -> ExportRange:
    """Check the range and audit the export (who took which range) before a line is sent."""
    if until <= since:
        message = Message("until_must_be_after_since")
        raise Unprocessable(message, errors=[(["query", "until"], message)])
    if until - since > timedelta(days=max_days):
        message = Message("at_most_days_per_export", max_days=max_days)
        raise Unprocessable(message, errors=[(["query", "until"], message)])
    span = {"since": since.isoformat(), "until": until.isoformat()}
    await audit.record(session, actor, "audit.export", "audit_event", None, after=span)
    return ExportRange(since=since, until=until, exported_at=now, exported_by=actor.name)


def _line(value: dict[str, Any]) -> bytes:
    return (canonical(value) + "\n").encode()


async def export_lines(
    sessionmaker: async_sessionmaker[AsyncSession], keys: AuditKeys, export: ExportRange
) -> AsyncIterator[bytes]:
    """The archive, line by line, read in batches in a session of its own (the request's has committed)."""
    header = {
        "since": export.since.isoformat(),
        "until": export.until.isoformat(),
        "exported_at": export.exported_at.isoformat(),
        "exported_by": export.exported_by,
    }
    in_range = (col(AuditEvent.at) >= export.since) & (col(AuditEvent.at) < export.until)
    async with sessionmaker() as session:
        async for line in archive_lines(session, keys, header, in_range):
            yield line


async def archive_lines(
    session: AsyncSession, keys: AuditKeys, header: dict[str, Any], events_where: ColumnElement[bool]
) -> AsyncIterator[bytes]:
    """header, the events `events_where` selects in chain order, the checkpoints of their span, the manifest."""
    digest = hashlib.sha256()

    def emit(value: dict[str, Any]) -> bytes:
        line = _line(value)
        digest.update(line)
        return line

    yield emit({"kind": "header", "format": FORMAT} | header)
    first = last = None
    events = checkpoints = 0
    gaps: list[list[int]] = []
    after = -1
    while True:
        stmt = select(AuditEvent).where(events_where, col(AuditEvent.seq) > after).order_by(col(AuditEvent.seq))
        batch = list((await session.exec(stmt.limit(BATCH))).all())
        if not batch:
            break
        for event in batch:
            if last is not None and event.seq != last + 1:
                gaps.append([last + 1, event.seq - 1])
            first = event.seq if first is None else first
            last = after = event.seq
            events += 1
            yield emit({"kind": "event"} | AuditEventRead.model_validate(event).model_dump(mode="json"))
            session.expunge(event)
    if first is not None and last is not None:
        stmt = (
            select(AuditCheckpoint)
            .where(col(AuditCheckpoint.position).between(first - 1, last))
            .order_by(col(AuditCheckpoint.id))
        )
        for checkpoint in (await session.exec(stmt)).all():
            checkpoints += 1
            yield emit({"kind": "checkpoint"} | AuditCheckpointRead.model_validate(checkpoint).model_dump(mode="json"))
    manifest: dict[str, Any] = {
        "kind": "manifest",
        "events": events,
        "checkpoints": checkpoints,
        "first_seq": first,
        "last_seq": last,
        "gaps": gaps,
        "sha256": digest.hexdigest(),
    }
    manifest["seal"], manifest["key_id"], manifest["signature"] = keys.mac(canonical(manifest).encode())
    yield _line(manifest)


@dataclass
class ExportCheck:
    events: int = 0
    checkpoints: int = 0
    problems: list[Message] = field(default_factory=list)
    """What is wrong, as messages: worded by the reader (the command line in Chinese, a refusal in the caller's
    language)."""

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_export(lines: Iterable[bytes], keys: AuditKeys) -> ExportCheck:
    """Check an archive written by `export_lines`: its manifest, digest, every event's seal and link, every
    checkpoint's signature and head."""
    check = ExportCheck()
    raw = [line for line in lines if line.strip()]
    if not raw:
        check.problems.append(Message("audit_archive_empty"))
        return check
    try:
        records = [json.loads(line) for line in raw]
    except ValueError:
        check.problems.append(Message("audit_archive_not_json_lines"))
        return check
    manifest = records[-1]
    if (
        not all(isinstance(record, dict) for record in records)
        or records[0].get("kind") != "header"
        or records[0].get("format") != FORMAT
        or manifest.get("kind") != "manifest"
    ):
        check.problems.append(Message("audit_archive_wrong_format", format=FORMAT))
        return check
    try:
        _check_lines(check, raw, records, keys)
    except (ValueError, TypeError) as exc:  # a line that is not what the format says (pydantic's errors included)
        check.problems.append(Message("audit_archive_malformed", error=str(exc)[:200]))
    return check


def _check_lines(check: ExportCheck, raw: list[bytes], records: list[dict[str, Any]], keys: AuditKeys) -> None:
    manifest = records[-1]
    signed = {k: v for k, v in manifest.items() if k not in ("seal", "key_id", "signature")}
    problem = keys.check(
        manifest.get("seal"), manifest.get("key_id"), canonical(signed).encode(), str(manifest.get("signature"))
    )
    if problem:
        check.problems.append(Message("audit_manifest_signature_invalid", problem=problem))
    digest = hashlib.sha256(b"".join(line if line.endswith(b"\n") else line + b"\n" for line in raw[:-1]))
    if digest.hexdigest() != manifest.get("sha256"):
        check.problems.append(Message("audit_archive_digest_mismatch"))
    gaps = {tuple(gap) for gap in manifest.get("gaps", [])}
    hashes: dict[int, str] = {}
    prev_hashes: dict[int, str] = {}
    previous: AuditEvent | None = None
    for record in records[1:-1]:
        kind = record.pop("kind", None)
        if kind == "event":
            event = AuditEvent(**AuditEventRead.model_validate(record).model_dump())
            check.events += 1
            problem = check_event(keys, event.prev_hash, event)
            if problem:
                check.problems.append(
                    Message("audit_archive_event_invalid", event_id=event.id, seq=event.seq, problem=problem)
                )
            if previous is not None:
                if event.seq == previous.seq + 1 and event.prev_hash != previous.hash:
                    check.problems.append(Message("audit_archive_link_broken", seq=event.seq))
                elif event.seq != previous.seq + 1 and (previous.seq + 1, event.seq - 1) not in gaps:
                    missing = Message("audit_archive_events_missing", first=previous.seq + 1, last=event.seq - 1)
                    check.problems.append(missing)
            hashes[event.seq], prev_hashes[event.seq] = event.hash, event.prev_hash
            previous = event
        elif kind == "checkpoint":
            checkpoint = AuditCheckpoint(**AuditCheckpointRead.model_validate(record).model_dump())
            check.checkpoints += 1
            problem = check_checkpoint(keys, checkpoint)
            if problem:
                check.problems.append(
                    Message("audit_archive_checkpoint_invalid", checkpoint_id=checkpoint.id, problem=problem)
                )
            elif (
                hashes.get(checkpoint.position, checkpoint.head_hash) != checkpoint.head_hash
                or prev_hashes.get(checkpoint.position + 1, checkpoint.head_hash) != checkpoint.head_hash
            ):
                differs = Message(
                    "audit_archive_checkpoint_differs", position=checkpoint.position, checkpoint_id=checkpoint.id
                )
                check.problems.append(differs)
    if (check.events, check.checkpoints) != (manifest.get("events"), manifest.get("checkpoints")):
        check.problems.append(Message("audit_archive_counts_differ"))
