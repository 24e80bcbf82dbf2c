"""The audit trail: every mutation, login and failed login, chained by a keyed hash so tampering shows.

`record` only queues an event on the session; the chain is sealed when the transaction commits (`_seal`, a
before-commit hook): under one PostgreSQL advisory lock the queued events take the next chain positions and the
hash of the last sealed event. The lock is held for the commit alone, not for the request, so writes in different
requests no longer queue behind each other. Events queued inside a savepoint that rolls back are dropped with it.

The seal is an HMAC (SHA-256 or SM3) of the previous hash, the position and the event under the current audit key
from the settings (`app.core.audit_keys`), so rewriting the chain takes the key, not just the database. Events
sealed before migration 0013a keep their unkeyed SHA-256 (`unkeyed_hash`) and verify by it.
"""

import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.orm import Session
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.audit_keys import AuditKeys
from app.core.config import get_settings
from app.core.context import request_context
from app.domain.errors import Message
from app.models import AuditCheckpoint, AuditEvent
from app.models.base import utcnow
from app.models.personal import EncryptedText, digest
from app.services.common.commit_queue import CommitQueue

GENESIS_HASH = "0" * 64
SECRET_FIELDS = frozenset({"password_hash", "key_hash", "token_hash", "contact_phone_digest"})
_CHAIN_LOCK_ID = 727_274_001
"""session.info key: [(event, the innermost transaction it was recorded in)] not sealed yet."""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return value


def snapshot(obj: SQLModel, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """A JSON-safe copy of a record's columns, secrets left out, personal data (encrypted columns) as its keyed
    digest: the trail shows that a phone changed and who changed it, and keeps no phone number in the clear."""
    names = fields if fields is not None else type(obj).model_fields.keys()
    columns = getattr(type(obj), "__table__", None)
    personal = {c.name for c in columns.c if isinstance(c.type, EncryptedText)} if columns is not None else set()
    return {
        n: digest(getattr(obj, n)) if n in personal else _plain(getattr(obj, n))
        for n in names
        if n not in SECRET_FIELDS
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def _body(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": _plain(event.at),
        "actor_kind": event.actor_kind,
        "actor_id": _plain(event.actor_id),
        "actor_name": event.actor_name,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "county_code": event.county_code,
        "before": event.before,
        "after": event.after,
        "request_id": event.request_id,
        "client_addr": event.client_addr,
    }


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def unkeyed_hash(prev_hash: str, event: AuditEvent) -> str:
    """The rule events were sealed by before 0013a: SHA-256 of the previous hash and the event, no key."""
    return hashlib.sha256((prev_hash + canonical(_body(event))).encode()).hexdigest()


def sealed_message(prev_hash: str, event: AuditEvent) -> bytes:
    """What the keyed seal covers: the previous hash, the position and the event."""
    return (prev_hash + canonical(_body(event) | {"seq": event.seq})).encode()


def seal_event(keys: AuditKeys, prev_hash: str, event: AuditEvent) -> None:
    event.prev_hash = prev_hash
    event.seal, event.key_id, event.hash = keys.mac(sealed_message(prev_hash, event))


def check_event(keys: AuditKeys, prev_hash: str, event: AuditEvent) -> Message | None:
    """None when the event's hash is right for its content and the previous hash; else why not."""
    if event.seal is None:
        if unkeyed_hash(prev_hash, event) == event.hash:
            return None
        return Message("audit_content_hash_mismatch")
    return keys.check(event.seal, event.key_id, sealed_message(prev_hash, event), event.hash)


def checkpoint_message(checkpoint: AuditCheckpoint) -> bytes:
    body = {
        "at": _plain(checkpoint.at),
        "position": checkpoint.position,
        "head_hash": checkpoint.head_hash,
        "legacy_until": checkpoint.legacy_until,
    }
    return canonical(body).encode()


def new_checkpoint(
    keys: AuditKeys, *, position: int, head_hash: str, legacy_until: int, at: datetime
) -> AuditCheckpoint:
    """A checkpoint of the chain at `position`, signed with the current key."""
    checkpoint = AuditCheckpoint(
        at=at, position=position, head_hash=head_hash, legacy_until=legacy_until, seal="", key_id="", signature=""
    )
    checkpoint.seal, checkpoint.key_id, checkpoint.signature = keys.mac(checkpoint_message(checkpoint))
    return checkpoint


def check_checkpoint(keys: AuditKeys, checkpoint: AuditCheckpoint) -> Message | None:
    return keys.check(checkpoint.seal, checkpoint.key_id, checkpoint_message(checkpoint), checkpoint.signature)


_keys: AuditKeys | None = None


def install(keys: AuditKeys | None = None) -> None:
    """Register the sealing hooks on every ORM session (idempotent) and the keys that seal (default: from the
    settings). Called where the engine is set up: the app, the CLI, the worker; `record` refuses to queue an event
    that nothing would seal."""
    global _keys
    _keys = keys or AuditKeys.from_settings(get_settings())
    _QUEUE.install()


def installed() -> bool:
    return _QUEUE.installed()


def installed_keys() -> AuditKeys:
    if _keys is None:
        raise RuntimeError("audit hooks not installed: call app.services.common.audit.install() at start-up")
    return _keys


def _seal(session: Session, queued: list[AuditEvent]) -> None:
    """Runs inside the commit (in the async session's greenlet, so plain synchronous SQL is allowed): the events
    the transaction recorded take the next chain positions, under a lock held for the commit alone."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_ID})
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash, AuditEvent.seal).order_by(col(AuditEvent.seq).desc()).limit(1)
    ).first()
    seq, prev = (last[0], last[1]) if last else (0, GENESIS_HASH)
    keys = installed_keys()
    if last is None or last[2] is None:  # the chain is keyed from here on: a signed checkpoint pins what came before
        session.add(new_checkpoint(keys, position=seq, head_hash=prev, legacy_until=seq, at=utcnow()))
    for audit_event in queued:
        seq += 1
        audit_event.seq = seq
        seal_event(keys, prev, audit_event)
        prev = audit_event.hash
        session.add(audit_event)


_QUEUE = CommitQueue("audit_queue", _seal)
"""Events wait on the session until their transaction commits; a rolled-back transaction or savepoint drops its own."""


async def record(
    session: AsyncSession,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: Any = None,
    *,
    county_code: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor_name: str | None = None,
) -> AuditEvent:
    if not installed():
        raise RuntimeError("audit hooks not installed: call app.services.common.audit.install() at start-up")
    ctx = request_context.get()
    event = AuditEvent(
        at=utcnow(),
        actor_kind=actor.kind if actor else "anonymous",
        actor_id=actor.id if actor else None,
        actor_name=actor.name if actor else actor_name,
        action=action,
        entity=entity,
        entity_id=str(entity_id) if entity_id is not None else None,
        county_code=county_code,
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        request_id=ctx.request_id,
        client_addr=ctx.client_addr,
        seq=0,
        prev_hash="",
        hash="",
    )
    await _QUEUE.put(session, event)
    return event


async def record_create(
    session: AsyncSession,
    actor: Actor | None,
    row: Any,
    *,
    county_code: str | None,
    action: str | None = None,
    fields: Iterable[str] | None = None,
) -> Any:
    """Add `row`, flush it (so it has its id and defaults) and audit "<table>.create" (or `action`) with all of it
    (or its `fields`)."""
    session.add(row)
    await session.flush()
    entity = type(row).__tablename__
    action = action or f"{entity}.create"
    await record(session, actor, action, entity, row.id, county_code=county_code, after=snapshot(row, fields))
    return row


async def record_update(
    session: AsyncSession,
    actor: Actor | None,
    row: Any,
    before: dict[str, Any],
    *,
    county_code: str | None,
    also_changed: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """After `row` was changed in place: if any field in `before` differs (or `also_changed` names what changed
    beside its columns), bump its version and updated_at, flush, and audit "<table>.update" with the before/after
    of what changed. Returns the changed fields ({} if none)."""
    old, new = diff(before, snapshot(row, before.keys()))
    new |= also_changed or {}
    if not new:
        return new
    row.version += 1
    row.updated_at = utcnow()
    session.add(row)
    await session.flush()
    entity = type(row).__tablename__
    await record(session, actor, f"{entity}.update", entity, row.id, county_code=county_code, before=old, after=new)
    return new
