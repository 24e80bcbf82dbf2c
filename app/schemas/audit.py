import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.schemas.common import Output


class AuditEventRead(Output):
    id: int
    at: datetime
    actor_kind: str
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


class AuditChainReport(BaseModel):
    events_checked: int
    intact: bool
    first_break_id: int | None = None
    detail: str
