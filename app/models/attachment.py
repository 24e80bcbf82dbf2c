import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from app.models.base import created_at_field, uuid_pk


class Attachment(SQLModel, table=True):
    """A file kept with a visit (photo, scanned signed form, PDF), stored by content hash, never by its name."""

    id: uuid.UUID = uuid_pk()
    visit_id: uuid.UUID = Field(foreign_key="visit.id", index=True)
    county_code: str = Field(foreign_key="jurisdiction.code", max_length=12, index=True)
    sha256: str = Field(max_length=64, index=True)
    content_type: str = Field(max_length=64)  # sniffed from the bytes
    size: int
    filename: str = Field(max_length=255)  # the client's name, for display only
    description: str | None = Field(default=None, max_length=255)
    uploaded_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()
