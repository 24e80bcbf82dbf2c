import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from pydantic import Field, TypeAdapter, ValidationError
from starlette.datastructures import UploadFile

from app.core.db import SessionDep
from app.core.deps import Allowed, SettingsDep
from app.core.errors import Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unprocessable, error_responses
from app.core.idempotency import IdempotentRoute
from app.core.openapi import multipart_upload
from app.core.paging import OffsetPaging, Window
from app.domain.errors import Message
from app.domain.permissions import Permission
from app.schemas.attachment import AttachmentRead
from app.schemas.common import Page, PlainText
from app.services.visits import attachments as service

router = APIRouter(prefix="/api/v1", tags=["attachments"], route_class=IdempotentRoute)
Reader = Allowed(Permission.VISITS_READ)
Writer = Allowed(Permission.VISITS_WRITE)
ERRORS = error_responses(Unauthorized, Forbidden, NotFound)
FILE_DESCRIPTION = "JPEG, PNG, WebP, HEIC or PDF; the type is read from the bytes"
UPLOAD_BODY = multipart_upload(FILE_DESCRIPTION, extra={"description": {"type": "string", "maxLength": 255}})
Description = TypeAdapter(Annotated[PlainText | None, Field(max_length=255)])


async def _attachment_form(request: Request) -> tuple[UploadFile, str | None]:
    """The multipart form, read after the caller is known: a stranger's upload is never parsed or spooled."""
    try:
        form = await request.form(max_files=1, max_fields=5)
    except Exception as exc:  # malformed multipart: a client error, not a 500
        msg = Message("malformed_multipart_body")
        raise Unprocessable(msg, errors=[(["body"], msg)]) from exc
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise RequestValidationError([{"type": "missing", "loc": ("body", "file"), "msg": "Field required"}])
    try:
        return file, Description.validate_python(form.get("description"))
    except ValidationError as exc:
        raise RequestValidationError([e | {"loc": ("body", "description")} for e in exc.errors()]) from exc


@router.post(
    "/visits/{visit_id}/attachments",
    status_code=201,
    response_model=AttachmentRead,
    openapi_extra=UPLOAD_BODY,
    responses=error_responses(Unauthorized, Forbidden, NotFound, PayloadTooLarge, Unprocessable),
)
async def upload_attachment(
    visit_id: uuid.UUID, request: Request, actor: Writer, session: SessionDep, settings: SettingsDep
) -> AttachmentRead:
    """Attach a photo, a scanned signed form or a PDF to a visit (size-limited, SHA-256 kept)."""
    file, description = await _attachment_form(request)
    try:
        attachment = await service.add_attachment(
            session,
            actor,
            visit_id,
            source=file.file,
            filename=file.filename,
            description=description,
            upload_dir=settings.upload_dir,
            max_bytes=settings.max_upload_bytes,
        )
    finally:
        await file.close()
    return AttachmentRead.model_validate(attachment)


@router.get("/visits/{visit_id}/attachments", response_model=Page[AttachmentRead], responses=ERRORS)
async def list_visit_attachments(
    visit_id: uuid.UUID, actor: Reader, session: SessionDep, page: OffsetPaging
) -> Page[AttachmentRead]:
    """The files kept with a visit."""
    attachments = await service.list_attachments(session, actor, visit_id)
    return Page.of(Window.cut(attachments, page), page, AttachmentRead.model_validate)


@router.get(
    "/attachments/{attachment_id}",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the file"}, **ERRORS},
)
async def download_attachment(
    attachment_id: uuid.UUID, actor: Reader, session: SessionDep, settings: SettingsDep
) -> FileResponse:
    """The file itself, to whoever may see its visit."""
    attachment, path = await service.get_attachment(session, actor, attachment_id, settings.upload_dir)
    return FileResponse(
        path,
        media_type=attachment.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment.filename)}",
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{attachment.sha256}"',
        },
    )
