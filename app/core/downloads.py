"""A stored file sent back: its sniffed type, the client's name for display, never sniffed again by the browser."""

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi.responses import FileResponse

FILE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "the file"}
}


def stored_file(path: Path, *, content_type: str, filename: str, sha256: str) -> FileResponse:
    return FileResponse(
        path,
        media_type=content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{sha256}"',
        },
    )
