"""The audit trail: every mutation, login and failed login, chained by hash so tampering shows."""

import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.actor import Actor
from app.context import request_context
from app.models import AuditEvent
from app.models.base import utcnow

GENESIS_HASH = "0" * 64
SECRET_FIELDS = frozenset({"password_hash", "key_hash", "token_hash"})
_CHAIN_LOCK_ID = 727_274_001


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
    """A JSON-safe copy of a record's columns, secrets left out."""
    names = fields if fields is not None else type(obj).model_fields.keys()
    return {n: _plain(getattr(obj, n)) for n in names if n not in SECRET_FIELDS}


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    body = {
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
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


async def _last_hash(session: AsyncSession) -> str:
    if session.bind.dialect.name == "postgresql":
        await session.exec(text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=_CHAIN_LOCK_ID))
    last = (await session.exec(select(AuditEvent.hash).order_by(col(AuditEvent.id).desc()).limit(1))).first()
    return last or GENESIS_HASH


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
        prev_hash="",
        hash="",
    )
    event.prev_hash = await _last_hash(session)
    event.hash = event_hash(event.prev_hash, event)
    session.add(event)
    await session.flush()
    return event


async def record_update(
    session: AsyncSession, actor: Actor | None, row: Any, before: dict[str, Any], *, county_code: str | None
) -> dict[str, Any]:
    """After `row` was changed in place: if any field in `before` differs, bump its version and updated_at, flush,
    and audit "<table>.update" with the before/after of what changed. Returns the changed fields ({} if none)."""
    old, new = diff(before, snapshot(row, before.keys()))
    if not new:
        return new
    row.version += 1
    row.updated_at = utcnow()
    session.add(row)
    await session.flush()
    entity = type(row).__tablename__
    await record(session, actor, f"{entity}.update", entity, row.id, county_code=county_code, before=old, after=new)
    return new
