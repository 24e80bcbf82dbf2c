"""Bulk upload of enterprises (xlsx or JSON), its jobs and their error workbooks."""

import uuid
from typing import Annotated, Any

from fastapi import Header, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from app.core import idempotency
from app.core.db import SessionDep
from app.core.deps import Allowed, SettingsDep, Today
from app.core.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    Unprocessable,
    UnsupportedMediaType,
    error_responses,
)
from app.core.openapi import multipart_upload
from app.core.routing import resource_router
from app.domain.errors import Message
from app.domain.permissions import Permission
from app.schemas.enterprise_import import EnterpriseImportRead, EnterpriseImportRow, worded_detail
from app.services.imports import error_file as error_file
from app.services.imports import jobs as jobs
from app.services.imports import service as service
from app.services.imports import submit
from app.services.imports.service import Upload
from app.xlsx.enterprise_sheet import XLSX_MEDIA_TYPE

REJECTED_JOB = {
    "description": "a rejected upload's job (its errors, worded in your language, at `/errors`)",
    "schema": {"type": "string"},
}


def with_job_location(responses: dict[int | str, dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    """A rejected upload (422) still names its job in `Location`: its errors are read there."""
    return responses | {422: responses[422] | {"headers": {"Location": REJECTED_JOB}}}


router = resource_router("enterprise-imports", "/enterprise-imports")
Importer = Allowed(Permission.ENTERPRISES_IMPORT)
ROW_SCHEMA = "#/components/schemas/EnterpriseImportRow"
UPLOAD_BODY = multipart_upload(
    "the filled template",
    also={
        "application/json": {"schema": {"type": "array", "items": {"$ref": ROW_SCHEMA}}},
        XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
    },
)


async def _read_upload(request: Request, limit: int) -> Upload:
    """The body, already held to the limit by the body-limit middleware; the file inside it is held here."""
    body = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        file = await _form_file(request, bytes(body))
        content = await file.read()
        submit.check_upload_size(len(content), limit)
        return Upload("xlsx", file.filename, content)
    submit.check_upload_size(len(body), limit)
    if content_type in ("application/json", ""):
        return Upload("json", None, bytes(body))
    if content_type in (XLSX_MEDIA_TYPE, "application/octet-stream"):
        return Upload("xlsx", None, bytes(body))
    msg = Message("unsupported_content_type", content_type=content_type)
    raise UnsupportedMediaType(msg, errors=[(["header", "Content-Type"], msg)])


async def _form_file(request: Request, body: bytes) -> UploadFile:
    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=1, max_fields=10)
    except Exception as exc:  # malformed multipart: a client error, not a 500
        msg = Message("malformed_multipart_body")
        raise Unprocessable(msg, errors=[(["body"], msg)]) from exc
    file = form.get("file")
    if not isinstance(file, UploadFile):
        msg = Message("upload_file_field_missing")
        raise Unprocessable(msg, errors=[(["body", "file"], msg)])
    return file


@router.post(
    "",
    status_code=201,
    response_model=EnterpriseImportRead,
    openapi_extra=UPLOAD_BODY,
    responses={
        200: {"model": EnterpriseImportRead, "description": "dry run, or an idempotent retry"},
        202: {"model": EnterpriseImportRead, "description": "a large upload: poll GET /{id}"},
    }
    | with_job_location(
        error_responses(Unauthorized, Forbidden, Conflict, PayloadTooLarge, UnsupportedMediaType, Unprocessable)
    ),
)
@idempotency.exempt
async def create_enterprise_import(
    request: Request,
    actor: Importer,
    session: SessionDep,
    settings: SettingsDep,
    today: Today,
    dry_run: Annotated[
        bool, Query(description="check only, keep nothing; the counts are what a real run would do")
    ] = False,
    all_or_nothing: Annotated[bool, Query(description="false: write the good rows, report the bad")] = True,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> JSONResponse:
    """Upsert enterprises by credit code from the xlsx template or a JSON array (see EnterpriseImportRow).

    Bad rows come back as problem+json `errors` at loc ["rows", n, column] (422, nothing written) and as an
    xlsx at GET /{id}/errors. Over 2,000 rows the upload runs as a job: 202, then poll GET /{id}.
    """
    upload = await _read_upload(request, settings.max_upload_bytes)
    limits = submit.Limits(settings.max_upload_bytes, settings.upload_dir, settings.import_stale_seconds)
    outcome = await submit.submit(
        session,
        actor,
        upload,
        dry_run=dry_run,
        all_or_nothing=all_or_nothing,
        idempotency_key=idempotency_key,
        limits=limits,
        today=today,
    )
    headers = {"Location": f"{router.prefix}/{outcome.job.id}"}
    return JSONResponse(outcome.read().model_dump(mode="json"), status_code=outcome.status, headers=headers)


@router.get(
    "/{import_id}", response_model=EnterpriseImportRead, responses=error_responses(Unauthorized, Forbidden, NotFound)
)
async def read_enterprise_import(
    import_id: uuid.UUID, actor: Importer, session: SessionDep, settings: SettingsDep
) -> EnterpriseImportRead:
    """Status, rows processed of total (for a progress bar), counts and row errors of one upload."""
    job = await service.get_import(session, actor, import_id)
    read = EnterpriseImportRead.model_validate(job)
    read.status, read.rows_processed, detail = await jobs.current_state(session, job, settings.import_stale_seconds)
    read.detail = worded_detail(detail, job.error_count)
    return read


@router.post(
    "/{import_id}/cancel",
    response_model=EnterpriseImportRead,
    responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict),
)
async def cancel_enterprise_import(import_id: uuid.UUID, actor: Importer, session: SessionDep) -> EnterpriseImportRead:
    """Cancel an import that runs as a job: a waiting one at once; a running one stops at its next heartbeat and
    writes nothing (poll GET /{id} for `cancelled`). A finished import cannot be cancelled (409)."""
    job = await service.get_import(session, actor, import_id)
    return EnterpriseImportRead.model_validate(await jobs.cancel_import(session, actor, job))


@router.get(
    "/{import_id}/errors",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "xlsx"}}
    | error_responses(Unauthorized, Forbidden, NotFound),
)
async def download_enterprise_import_errors(
    import_id: uuid.UUID, actor: Importer, session: SessionDep, settings: SettingsDep
) -> Response:
    """The upload again, each bad cell red with a comment and a last column listing the row's problems."""
    job = await service.get_import(session, actor, import_id)
    content = await error_file.errors_xlsx(
        session, job, upload_dir=settings.upload_dir, max_upload_bytes=settings.max_upload_bytes
    )
    disposition = f'attachment; filename="import-{job.id}-errors.xlsx"'
    return Response(content, media_type=XLSX_MEDIA_TYPE, headers={"Content-Disposition": disposition})


_ = EnterpriseImportRow  # referenced from the OpenAPI request body above
