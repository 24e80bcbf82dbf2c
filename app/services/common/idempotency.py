"""Idempotency-Key on creates (IETF draft-ietf-httpapi-idempotency-key-header): a client that lost the answer
retries with the same key and gets the record it already created, not a second one.

The key is kept on the created row, scoped to the caller (one caller's keys never meet another's), with a
SHA-256 of the request: the same key with another request is 422 at ["header", "Idempotency-Key"]; two requests
racing with one key meet the unique constraint and the second is 409.
"""

import hashlib
import json
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Conflict, Unprocessable
from app.domain.errors import Message

Row = TypeVar("Row", bound=SQLModel)
KEY_REUSED = Message("idempotency_key_reused")
IN_PROGRESS = Message("idempotency_key_in_progress")


def scope(actor: Actor) -> str:
    return f"{actor.kind}:{actor.id}"


def digest(body: BaseModel) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


async def find_replay(
    session: AsyncSession, model: type[Row], actor: Actor, key: str | None, request_digest: str, digest_field: str
) -> Row | None:
    """The row this caller created with this key, if any; 422 when the key came with another request."""
    if not key:
        return None
    stmt = select(model).where(model.idempotency_scope == scope(actor), model.idempotency_key == key)
    row = (await session.exec(stmt)).first()
    if row is not None and getattr(row, digest_field) != request_digest:
        raise Unprocessable(KEY_REUSED, errors=[(["header", "Idempotency-Key"], KEY_REUSED)])
    return row


def stamp(row: Any, actor: Actor, key: str | None, request_digest: str, digest_field: str) -> None:
    row.idempotency_scope = scope(actor) if key else None
    row.idempotency_key = key
    setattr(row, digest_field, request_digest)


async def claim(session: AsyncSession, row: SQLModel) -> None:
    """Insert the stamped row now: a concurrent request that holds the same key makes this a 409."""
    session.add(row)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(IN_PROGRESS) from exc
