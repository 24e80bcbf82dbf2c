"""Idempotency-Key kept on the created row, for an enterprise import: its replay is the job as it stands now,
and a job that ends without writing (cancelled, interrupted) frees its key for the retry. Every other write
answers a keyed retry with its first answer through `app.core.idempotency`, with the same scope and messages.

The key is scoped to the caller, with a SHA-256 of the request: the same key with another request is 422 at
["header", "Idempotency-Key"]; two requests racing with one key meet the unique constraint and the second is 409.
"""

import hashlib
import json
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.idempotency import claim, reused, scope

__all__ = ["claim", "digest", "find_replay", "scope", "stamp"]

Row = TypeVar("Row", bound=SQLModel)


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
        raise reused()
    return row


def stamp(row: Any, actor: Actor, key: str | None, request_digest: str, digest_field: str) -> None:
    row.idempotency_scope = scope(actor) if key else None
    row.idempotency_key = key
    setattr(row, digest_field, request_digest)
