"""The "errors" workbook of an upload: the rows as uploaded, each bad cell marked red with a comment."""

import json
from functools import partial
from pathlib import Path
from typing import Any

import anyio
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.errors import NotFound
from app.core.i18n import text as worded
from app.domain.errors import Message
from app.models import EnterpriseImport
from app.schemas.enterprise_import import stored_row_error
from app.services.imports.rows import ROW, text
from app.services.imports.service import max_uncompressed, read_kept_source, source_path
from app.services.ledger import county_names
from app.xlsx.enterprise_columns import INDEX, KEYS
from app.xlsx.enterprise_sheet import errors_workbook, read_enterprise_rows


async def errors_xlsx(
    session: AsyncSession, job: EnterpriseImport, *, upload_dir: Path, max_upload_bytes: int
) -> bytes:
    path = source_path(upload_dir, job.id, job.source)
    if not job.error_count or not path.exists():
        raise NotFound(Message("import_has_no_errors"))
    problems: dict[int, dict[int, list[str]]] = {}
    for e in job.errors or []:
        _, index, message = stored_row_error(e)
        if index is None:  # a problem of the header row, or one kept before rows had an index
            continue
        problems.setdefault(index, {}).setdefault(INDEX.get(e["column"], ROW), []).append(worded(message))
    names = sorted(set((await county_names(session)).values()))
    build = partial(_build, path, job.source, problems, names, max_upload_bytes)
    return await anyio.to_thread.run_sync(build)


def _build(path: Path, source: str, problems: dict[int, dict[int, list[str]]], names: list[str], limit: int) -> bytes:
    content = read_kept_source(path)
    if source == "xlsx":
        sheet = read_enterprise_rows(content, max_uncompressed=max_uncompressed(limit))
        return errors_workbook(sheet.rows, sheet.first_row, problems, names)
    body: Any = json.loads(content)
    if isinstance(body, dict):
        body = body.get("rows", [])
    rows = [[text(r.get(k)) for k in KEYS] if isinstance(r, dict) else [] for r in body]
    return errors_workbook(rows, None, problems, names)
