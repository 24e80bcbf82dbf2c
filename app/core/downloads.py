"""A stored file over HTTP: the evidence upload a route declares (a visit's attachment, an enterprise's file), and
the file sent back with its sniffed type and the client's name for display, never sniffed again by the browser."""

from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from fastapi.responses import FileResponse

from app.core.errors import Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unprocessable, error_responses
from app.core.openapi import multipart_upload

FILE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "the file"}
}
DOWNLOAD_RESPONSES = {**FILE_RESPONSE, **error_responses(Unauthorized, Forbidden, NotFound)}
"""`responses=` of a download: the file, or not signed in, not permitted, not found (or not yours)."""

EVIDENCE_UPLOAD = multipart_upload(
    "JPEG, PNG, WebP, HEIC or PDF; the type is read from the bytes",
    extra={"description": {"type": "string", "maxLength": 255}},
)
"""`openapi_extra` of a route that takes one evidence file and its description (`read_file_form`)."""
UPLOAD_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, PayloadTooLarge, Unprocessable)
"""`responses=` of an evidence upload: besides the usual refusals, 413 past the size limit."""


class StoredFileRow(Protocol):
    """A row that keeps an upload (`StoredFile.columns`)."""

    content_type: str
    filename: str
    sha256: str


def stored_file(row: StoredFileRow, path: Path) -> FileResponse:
    """The file of `row`, kept at `path`."""
    return FileResponse(
        path,
        media_type=row.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{row.sha256}"',
        },
    )
