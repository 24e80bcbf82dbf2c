import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, uuid_pk


class LicenceSyncRun(SQLModel, table=True):
    """One exchange with the licensing system: a pushed batch or a pull, with what failed and why."""

    __tablename__ = "licence_sync_run"

    id: uuid.UUID = uuid_pk()
    direction: str = Field(max_length=8, index=True)  # push | pull
    status: str = Field(default="running", max_length=16)  # running | succeeded | partial | failed
    source_url: str | None = Field(default=None, max_length=512)
    cursor_before: str | None = Field(default=None, max_length=64)
    cursor_after: str | None = Field(default=None, max_length=64)
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    # [{"licence_no": str | None, "loc": [...], "reason": str}]
    failures: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    detail: str | None = Field(default=None, sa_column=Column(Text))
    actor_name: str = Field(max_length=64)
    started_at: datetime = created_at_field()
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class LicenceSyncCursor(SQLModel, table=True):
    """Where the last pull from a licensing system stopped: its newest `updated_at` applied."""

    __tablename__ = "licence_sync_cursor"

    source_url: str = Field(primary_key=True, max_length=512)
    changed_since: str = Field(max_length=64)
    updated_at: datetime = created_at_field()
