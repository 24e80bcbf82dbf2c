import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from app.domain.statuses import TimelineKind


class TimelineItem(BaseModel):
    on: date
    at: datetime | None
    kind: TimelineKind
    title: str
    ref_id: str
    detail: dict[str, Any] = {}


class EnterpriseTimeline(BaseModel):
    enterprise_id: uuid.UUID
    enterprise_name: str
    items: list[TimelineItem]
