"""On-site visits (附件2). Other areas reach them through these names."""

from app.services.visits.attachments import StoredFile, store_upload, stored_path
from app.services.visits.views import present_visit
from app.services.visits.visits import get_visit

__all__ = ["StoredFile", "get_visit", "present_visit", "store_upload", "stored_path"]
