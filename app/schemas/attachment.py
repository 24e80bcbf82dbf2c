import uuid
from datetime import datetime

from app.schemas.common import Output


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
