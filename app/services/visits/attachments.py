"""Attachments: size-limited, type sniffed from the bytes, stored by SHA-256 under the upload directory."""

import hashlib
import os
import tempfile
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, TypeVar

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, SessionTransaction
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import NotFound, PayloadTooLarge
from app.domain.errors import Message, Problem, raise_if_any
from app.models import Attachment, EnterpriseFile, Visit
from app.services.common import audit
from app.services.common.access import scope_visits
from app.services.visits.visits import get_visit

CHUNK = 1024 * 1024
EXTENSIONS = {
    "image/jpeg": {".jpg", ".jpeg", ".jpe"},
    "image/png": {".png"},
    "image/webp": {".webp"},
    "image/heic": {".heic", ".heif"},
    "application/pdf": {".pdf"},
}
HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}

U = TypeVar("U", Attachment, EnterpriseFile)


@dataclass(frozen=True)
class Upload:
    """A file sent to be kept (a visit's attachment, an enterprise's file): its bytes, the client's name for it and
    a description, and where it is kept, up to what size."""

    source: BinaryIO
    filename: str | None
    description: str | None
    upload_dir: Path
    max_bytes: int


def with_stored_file(row: U | None, upload_dir: Path, not_found: Message) -> tuple[U, Path]:
    """A row found and the path of its file, or 404 (`not_found`) when either is missing."""
    path = stored_path(upload_dir, row.sha256) if row else None
    if row is None or path is None or not path.is_file():
        raise NotFound(not_found)
    return row, path


def sniff(head: bytes) -> str | None:
    """The content type by magic bytes; None for anything we do not keep."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in HEIC_BRANDS:
        return "image/heic"
    return None


def _display_name(filename: str | None) -> str:
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    return "".join(c for c in name if c.isprintable())[:255] or "attachment"


def _spool(source: BinaryIO, limit: int, directory: Path) -> tuple[Path, str, int, bytes]:
    """Copy the upload to a temporary file beside the store, hashing it; refuse past `limit` bytes."""
    digest, size, head = hashlib.sha256(), 0, b""
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(Message("file_larger_than_bytes", limit=limit))
                if len(head) < 32:
                    head = (head + chunk)[:32]
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        os.unlink(tmp)
        raise
    return Path(tmp), digest.hexdigest(), size, head


def stored_path(upload_dir: Path, sha256: str) -> Path:
    """Content-addressed: the path is the hash, never anything the client sent."""
    return upload_dir / sha256[:2] / sha256[2:4] / sha256


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    content_type: str
    size: int
    filename: str  # the client's name, cleaned, for display only

    def columns(self) -> dict[str, Any]:
        """What a stored-file row (a visit's attachment, an enterprise's file) keeps of the upload."""
        return asdict(self)


def store_upload(upload: Upload) -> StoredFile:
    """Keep an upload under its SHA-256 once its bytes are a JPEG, PNG, WebP, HEIC or PDF whose name does not
    contradict them, at most `max_bytes`, not empty; every problem is a 422 at `file` (a 413 past the limit)."""
    upload_dir = upload.upload_dir
    tmp, sha256, size, head = _spool(upload.source, upload.max_bytes, upload_dir / "tmp")
    try:
        content_type = sniff(head)
        name = _display_name(upload.filename)
        suffix = PurePosixPath(name).suffix.lower()
        problems = []
        if content_type is None:
            problems.append(Problem(("file",), "attachment_type_refused"))
        elif suffix and suffix not in EXTENSIONS[content_type]:
            problems.append(Problem(("file",), "file_extension_mismatch", suffix=suffix, content_type=content_type))
        if size == 0:
            problems.append(Problem(("file",), "empty_file"))
        raise_if_any(problems)
        target = stored_path(upload_dir, sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            tmp.unlink()
        else:
            os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    assert content_type is not None
    return StoredFile(sha256, content_type, size, name)


async def keep_upload(session: AsyncSession, actor: Actor, row: U, upload: Upload) -> U:
    """`row` (whose it is already set) given the upload, once stored, with its description and uploader; added and
    audited."""
    stored = store_upload(upload)
    row.sqlmodel_update(stored.columns() | {"description": upload.description, "uploaded_by_id": actor.user_id})
    await audit.record_create(session, actor, row, county_code=row.county_code)
    return row


async def add_attachment(session: AsyncSession, actor: Actor, visit_id: uuid.UUID, upload: Upload) -> Attachment:
    """Photos, scanned signed forms and PDFs; also after archiving (the signed form is scanned later)."""
    visit = await get_visit(session, actor, visit_id)
    return await keep_upload(session, actor, Attachment(visit_id=visit.id, county_code=visit.county_code), upload)


async def list_attachments(session: AsyncSession, actor: Actor, visit_id: uuid.UUID) -> list[Attachment]:
    visit = await get_visit(session, actor, visit_id)
    stmt = select(Attachment).where(Attachment.visit_id == visit.id).order_by(col(Attachment.created_at))
    return list((await session.exec(stmt)).all())


async def get_attachment(
    session: AsyncSession, actor: Actor, attachment_id: uuid.UUID, upload_dir: Path
) -> tuple[Attachment, Path]:
    stmt = scope_visits(
        select(Attachment).join(Visit, col(Visit.id) == Attachment.visit_id).where(Attachment.id == attachment_id),
        actor,
    )
    return with_stored_file((await session.exec(stmt)).first(), upload_dir, Message("attachment_not_found"))


UNLINK_AFTER_COMMIT = "zhijian.unlink_after_commit"


def _unlink_committed(session: Session) -> None:
    for path in session.info.pop(UNLINK_AFTER_COMMIT, ()):
        path.unlink(missing_ok=True)


def _keep_on_rollback(session: Session, previous: SessionTransaction) -> None:
    if not previous.nested:
        session.info.pop(UNLINK_AFTER_COMMIT, None)


def _unlink_after_commit(session: AsyncSession, paths: list[Path]) -> None:
    """Files go once the rows that named them are gone for good: a rolled-back delete keeps them."""
    if not sa_event.contains(Session, "after_commit", _unlink_committed):
        sa_event.listen(Session, "after_commit", _unlink_committed)
        sa_event.listen(Session, "after_soft_rollback", _keep_on_rollback)
    session.sync_session.info.setdefault(UNLINK_AFTER_COMMIT, []).extend(paths)


async def delete_attachments(session: AsyncSession, actor: Actor, visit: Visit, upload_dir: Path) -> None:
    """A deleted draft's attachments, each audited; a file goes with its last attachment (files are kept by
    content, so the same photo attached to another visit stays)."""
    attachments = (await session.exec(select(Attachment).where(Attachment.visit_id == visit.id))).all()
    for attachment in attachments:
        await audit.record(
            session, actor, "attachment.delete", "attachment", attachment.id,
            county_code=attachment.county_code, before=audit.snapshot(attachment),
        )  # fmt: skip
        await session.delete(attachment)
    await session.flush()
    digests = {a.sha256 for a in attachments}
    still_used = select(Attachment.sha256).where(col(Attachment.sha256).in_(digests)).distinct()
    orphaned = digests - set((await session.exec(still_used)).all())
    _unlink_after_commit(session, [stored_path(upload_dir, sha256) for sha256 in sorted(orphaned)])
