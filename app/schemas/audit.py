import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.core.deps import Instant
from app.domain.statuses import ActorKind
from app.schemas.common import ListFilter, Output


class AuditEventRead(Output):
    id: int
    at: datetime
    actor_kind: ActorKind
    actor_id: uuid.UUID | None
    actor_name: str | None
    action: str
    entity: str
    entity_id: str | None
    county_code: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    client_addr: str | None
    seq: int = Field(description="position in the hash chain (events are chained in the order they commit)")
    prev_hash: str
    hash: str
    seal: str | None = Field(description="hmac-sha256 | hmac-sm3 under the key `key_id`; null: unkeyed SHA-256 (old)")
    key_id: str | None


class AuditCheckpointRead(Output):
    """A signed statement of the chain's length and head at a time; keep copies off the machine."""

    id: int
    at: datetime
    position: int = Field(description="the chain had this many positions (the head's seq)")
    head_hash: str = Field(description="the hash of the event at `position`")
    legacy_until: int = Field(description="the last position sealed by the old unkeyed rule (0: none)")
    seal: str
    key_id: str
    signature: str = Field(description="HMAC of at, position, head_hash, legacy_until under the key `key_id`")


class AuditChainReport(BaseModel):
    events_checked: int
    intact: bool
    first_break_id: int | None = None
    first_break_seq: int | None = Field(
        default=None, description="the position where the chain breaks (removed events have no id, only a position)"
    )
    detail: str = Field(description="what was found, in the caller's language (Accept-Language)")
    code: str = Field(
        description="what was found as a stable code (docs/errors.md): audit_chain_intact when intact, else the first "
        "break's, e.g. audit_link_broken, audit_event_altered, audit_chain_truncated"
    )
    checkpoints_checked: int = 0
    latest_checkpoint: AuditCheckpointRead | None = Field(
        default=None, description="the newest checkpoint: the chain must reach its position with its head hash"
    )
    events_after_checkpoint: int = Field(
        default=0, description="events newer than the latest checkpoint: not yet pinned against truncation"
    )
    unkeyed_events: int = Field(default=0, description="events sealed before the chain was keyed (unkeyed SHA-256)")


Short = Field(default=None, max_length=64)


class AuditEventFilter(ListFilter):
    action: str | None = Short
    entity: str | None = Short
    entity_id: str | None = Short
    actor_name: str | None = Short
    county_code: str | None = Short
    since: Instant | None = None
    until: Instant | None = None
