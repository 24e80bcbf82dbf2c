import uuid
from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, uuid_pk


class Notification(SQLModel, table=True):
    """A message in one user's inbox (站内通知): what time alone brought up — a deadline, a report date, a plan
    behind schedule — with the record it points at.

    `dedupe_key` is unique per recipient: a reminder sent twice (a daily job run again) is stored once.
    """

    __table_args__ = (
        UniqueConstraint("user_id", "dedupe_key"),
        Index("ix_notification_user_id_created_at", "user_id", "created_at"),
    )

    id: uuid.UUID = uuid_pk()
    user_id: uuid.UUID = Field(foreign_key="user.id")  # the recipient
    county_code: str | None = Field(default=None, foreign_key="jurisdiction.code", max_length=12)  # None: prefecture
    kind: str = Field(max_length=32)  # NotificationKind
    title: str = Field(max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    ref_type: str = Field(max_length=32)  # finding | plan | report
    ref_id: uuid.UUID | None = None  # None: nothing to point at yet (a report not submitted)
    link: str = Field(max_length=300)  # the API path that opens the record
    dedupe_key: str = Field(max_length=200)
    created_at: datetime = created_at_field()
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
