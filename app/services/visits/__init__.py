"""On-site visits (附件2). Other areas reach them through these names."""

from app.services.visits.attachments import Upload, keep_upload, with_stored_file
from app.services.visits.views import present_visit
from app.services.visits.visits import get_visit

__all__ = ["Upload", "get_visit", "keep_upload", "present_visit", "with_stored_file"]
