import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Integer
from sqlmodel import Field, SQLModel

from app.models.base import created_at_field


class AuditEvent(SQLModel, table=True):
    """Append-only audit trail. Each event carries the hash of the previous one (tamper evidence), keyed: `hash` is
    an HMAC under the key named by `key_id` (settings, not the database); events sealed before migration 0013a
    have no seal (unkeyed SHA-256)."""

    __tablename__ = "audit_event"

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    at: datetime = created_at_field()
    actor_kind: str = Field(max_length=16)  # user | service | system | anonymous
    actor_id: uuid.UUID | None = Field(default=None, index=True)
    actor_name: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=64, index=True)
    entity: str = Field(max_length=64)
    entity_id: str | None = Field(default=None, max_length=64)
    county_code: str | None = Field(default=None, max_length=12, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    request_id: str | None = Field(default=None, max_length=64)
    client_addr: str | None = Field(default=None, max_length=64)
    seq: int = Field(
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), nullable=False, unique=True),
        description="position in the hash chain: the order events were committed in",
    )
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)
    seal: str | None = Field(default=None, max_length=16, description="hmac-sha256 | hmac-sm3; none: legacy SHA-256")
    key_id: str | None = Field(default=None, max_length=16)


class AuditCheckpoint(SQLModel, table=True):
    """A signed statement "the chain had `position` events, the last one hashing to `head_hash`, at `at`" — kept
    outside the audit table and append-only, so removing the newest events (truncation) shows. `legacy_until` is
    the last position sealed by the old unkeyed rule: no unkeyed event is accepted after it."""

    __tablename__ = "audit_checkpoint"

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    )
    at: datetime = created_at_field()
    position: int = Field(sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), nullable=False, index=True))
    head_hash: str = Field(max_length=64)
    legacy_until: int = Field(sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), nullable=False))
    seal: str = Field(max_length=16)
    key_id: str = Field(max_length=16)
    signature: str = Field(max_length=64)
