import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel

from app.models.base import created_at_field, uuid_pk


class PublicityActivity(SQLModel, table=True):
    """A county's publicity campaign (宣传) and whether the media took it up (媒体采纳), with screenshots."""

    __tablename__ = "publicity_activity"

    id: uuid.UUID = uuid_pk()
    county_code: str = Field(foreign_key="jurisdiction.code", max_length=12, index=True)
    campaign: str = Field(max_length=32)
    title: str = Field(max_length=200)
    held_on: date = Field(index=True)
    description: str | None = Field(default=None, sa_column=Column(Text))
    media_adopted: bool = False
    media_outlet: str | None = Field(default=None, max_length=128)
    media_level: str | None = Field(default=None, max_length=16)  # national | province | prefecture | county
    media_url: str | None = Field(default=None, max_length=512)
    screenshot_refs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_by_name: str = Field(max_length=64)
    created_at: datetime = created_at_field()
