import uuid

from fastapi import Request
from fastapi.responses import FileResponse

from app.core.db import SessionDep
from app.core.deps import Allowed, SettingsDep
from app.core.downloads import DOWNLOAD_RESPONSES, EVIDENCE_UPLOAD, UPLOAD_ERRORS, stored_file
from app.core.errors import Forbidden, NotFound, Unauthorized, error_responses
from app.core.openapi import read_file_form
from app.core.paging import OffsetPaging, Window
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.schemas.attachment import AttachmentRead, FileDescription
from app.schemas.common import Page
from app.services.visits import attachments as service

router = resource_router("attachments")
Reader = Allowed(Permission.VISITS_READ)
Writer = Allowed(Permission.VISITS_WRITE)
ERRORS = error_responses(Unauthorized, Forbidden, NotFound)


@router.post(
    "/visits/{visit_id}/attachments",
    status_code=201,
    response_model=AttachmentRead,
    openapi_extra=EVIDENCE_UPLOAD,
    responses=UPLOAD_ERRORS,
)
async def upload_attachment(
    visit_id: uuid.UUID, request: Request, actor: Writer, session: SessionDep, settings: SettingsDep
) -> AttachmentRead:
    """Attach a photo, a scanned signed form or a PDF to a visit (size-limited, SHA-256 kept)."""
    file, description = await read_file_form(request, FileDescription)
    upload = service.Upload(file.file, file.filename, description, settings.upload_dir, settings.max_upload_bytes)
    try:
        attachment = await service.add_attachment(session, actor, visit_id, upload)
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


@router.get("/attachments/{attachment_id}", response_class=FileResponse, responses=DOWNLOAD_RESPONSES)
async def download_attachment(
    attachment_id: uuid.UUID, actor: Reader, session: SessionDep, settings: SettingsDep
) -> FileResponse:
    """The file itself, to whoever may see its visit."""
    attachment, path = await service.get_attachment(session, actor, attachment_id, settings.upload_dir)
    return stored_file(attachment, path)
