import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field, TypeAdapter

from app.schemas.common import Output, PlainText

FileDescription = TypeAdapter(Annotated[PlainText | None, Field(max_length=255)])
"""The optional `description` field of an upload form."""


class AttachmentRead(Output):
    id: uuid.UUID
    visit_id: uuid.UUID
    sha256: str
    content_type: str
    size: int
    filename: str
    description: str | None
    uploaded_by_id: uuid.UUID | None
    created_at: datetime
    url: str = ""

    def model_post_init(self, _context: object) -> None:
        self.url = f"/api/v1/attachments/{self.id}"
