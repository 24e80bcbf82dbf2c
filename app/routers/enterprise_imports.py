"""Bulk upload of enterprises (xlsx or JSON), its jobs and their error workbooks."""

import uuid
from functools import partial
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, BackgroundTasks, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from app.core.db import SessionDep
from app.core.deps import Allowed, SettingsDep
from app.core.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unprocessable, error_responses
from app.domain.permissions import Permission
from app.models import EnterpriseImport
from app.schemas.enterprise_import import EnterpriseImportRead, EnterpriseImportRow
from app.services.imports import error_file as error_file
from app.services.imports import jobs as jobs
from app.services.imports import service as service
from app.xlsx.enterprise_sheet import XLSX_MEDIA_TYPE

router = APIRouter(prefix="/api/v1/enterprise-imports", tags=["enterprise-imports"])
Importer = Allowed(Permission.ENTERPRISES_IMPORT)
MULTIPART_SLACK = 64 * 1024
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "the filled template"}
                    },
                    "required": ["file"],
                }
            },
            "application/json": {
                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/EnterpriseImportRow"}}
            },
            XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


async def _read_upload(request: Request, limit: int) -> service.Upload:
    """The body, refused with 413 as soon as it passes the limit (never buffered beyond it)."""
    declared = request.headers.get("content-length", "")
    too_large = f"上传内容超过{limit // 2**20}MB上限 (upload larger than {limit} bytes)"
    if declared.isdigit() and int(declared) > limit + MULTIPART_SLACK:
        raise PayloadTooLarge(too_large)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit + MULTIPART_SLACK:
            raise PayloadTooLarge(too_large)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        file = await _form_file(request, bytes(body))
        content = await file.read()
        if len(content) > limit:
            raise PayloadTooLarge(too_large)
        return service.Upload("xlsx", file.filename, content)
    if len(body) > limit:
        raise PayloadTooLarge(too_large)
    if content_type in ("application/json", ""):
        return service.Upload("json", None, bytes(body))
    if content_type in (XLSX_MEDIA_TYPE, "application/octet-stream"):
        return service.Upload("xlsx", None, bytes(body))
    msg = f"不支持的内容类型 {content_type} (send multipart/form-data with `file`, or a JSON array)"
    raise Unprocessable(msg, errors=[(["header", "Content-Type"], msg)])


async def _form_file(request: Request, body: bytes) -> UploadFile:
    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=1, max_fields=10)
    except Exception as exc:  # malformed multipart: a client error, not a 500
        raise Unprocessable("无法解析上传表单 (malformed multipart body)", errors=[(["body"], str(exc))]) from exc
    file = form.get("file")
    if not isinstance(file, UploadFile):
        msg = "请在表单字段 file 中上传xlsx文件 (put the xlsx in the form field `file`)"
        raise Unprocessable(msg, errors=[(["body", "file"], msg)])
    return file


def _read(job: EnterpriseImport) -> EnterpriseImportRead:
    read = EnterpriseImportRead.model_validate(job)
    read.rows_processed = jobs.PROGRESS.get(job.id, job.rows_processed)
    return read


def _answer(job: EnterpriseImport) -> JSONResponse:
    """The same answer for the first request and for an idempotent retry of it."""
    if job.status in ("pending", "running"):
        status = 202
    elif job.http_status == 422:
        raise service.rejection(job)
    else:
        status = job.http_status if job.http_status in (200, 201) else 200
    location = f"{router.prefix}/{job.id}"
    return JSONResponse(_read(job).model_dump(mode="json"), status_code=status, headers={"Location": location})


@router.post(
    "",
    status_code=201,
    response_model=EnterpriseImportRead,
    openapi_extra=UPLOAD_BODY,
    responses={
        200: {"model": EnterpriseImportRead, "description": "dry run, or an idempotent retry"},
        202: {"model": EnterpriseImportRead, "description": "a large upload: poll GET /{id}"},
    }
    | error_responses(Unauthorized, Forbidden, Conflict, PayloadTooLarge, Unprocessable),
)
async def create_enterprise_import(
    request: Request,
    actor: Importer,
    session: SessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
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
    digest = upload.digest(dry_run=dry_run, all_or_nothing=all_or_nothing)
    replay = await service.find_replay(session, actor, idempotency_key, digest)
    if replay is not None and not await jobs.retire_if_interrupted(session, replay, settings.import_stale_seconds):
        return _answer(replay)
    parse = partial(service.parse, upload, max_upload_bytes=settings.max_upload_bytes)
    parsed = await anyio.to_thread.run_sync(parse)
    job = await service.create_job(
        session, actor, upload, parsed, dry_run=dry_run, all_or_nothing=all_or_nothing, idempotency_key=idempotency_key
    )
    if job.rows_total <= service.SYNC_ROW_LIMIT:
        await service.process(session, actor, job, upload, parsed, upload_dir=settings.upload_dir)
    else:
        sessionmaker = request.app.state.sessionmaker
        background.add_task(
            jobs.spawn,
            sessionmaker,
            actor,
            job.id,
            upload,
            parsed,
            settings.upload_dir,
            settings.import_heartbeat_seconds,
        )
    return _answer(job)


@router.get(
    "/{import_id}", response_model=EnterpriseImportRead, responses=error_responses(Unauthorized, Forbidden, NotFound)
)
async def read_enterprise_import(
    import_id: uuid.UUID, actor: Importer, session: SessionDep, settings: SettingsDep
) -> EnterpriseImportRead:
    """Status, rows processed of total (for a progress bar), counts and row errors of one upload."""
    job = await service.get_import(session, actor, import_id)
    read = EnterpriseImportRead.model_validate(job)
    read.status, read.rows_processed, read.detail = await jobs.current_state(
        session, job, settings.import_stale_seconds
    )
    return read


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
