"""The notifications inbox: reminders of the plan's calendar, with the record each one points at."""

import uuid
from datetime import datetime

from pydantic import Field

from app.domain.reminders import NotificationKind
from app.domain.statuses import NotificationRef
from app.schemas.common import Output, label_of


class NotificationRead(Output):
    id: uuid.UUID
    kind: NotificationKind
    title: str = Field(description="one line, Chinese, with the numbers a reader needs")
    body: str
    county_code: str | None = Field(description="the county it concerns; null: the whole prefecture")
    ref_type: NotificationRef = Field(description="the kind of record it points at")
    ref_id: uuid.UUID | None = Field(description="that record's id; null when there is none yet (a report due)")
    link: str = Field(description="API path that opens the record, e.g. /api/v1/findings/{id}")
    created_at: datetime
    read_at: datetime | None

    kind_label = label_of("kind")


class NotificationsMarked(Output):
    marked: int = Field(description="how many unread notifications were marked read")
