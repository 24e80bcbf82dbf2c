"""Evidence an enterprise account uploads (rectification photos, self-check sheets): the same sniffing, limits and
content-addressed store as a visit's attachments. The enterprise and the bureau over it read them back."""

import uuid
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import NotFound
from app.domain.errors import Message, Problem, raise_if_any
from app.models import Enterprise, EnterpriseFile
from app.services.common.access import scope_enterprises
from app.services.ledger import get_enterprise
from app.services.visits import Upload, keep_upload, with_stored_file


async def upload_file(session: AsyncSession, actor: Actor, upload: Upload) -> EnterpriseFile:
    if actor.enterprise_id is None:
        raise NotFound(Message("enterprise_not_found"))
    enterprise = await get_enterprise(session, actor, actor.enterprise_id)
    row = EnterpriseFile(enterprise_id=enterprise.id, county_code=enterprise.county_code)
    return await keep_upload(session, actor, row, upload)


async def get_file(
    session: AsyncSession, actor: Actor, file_id: uuid.UUID, upload_dir: Path
) -> tuple[EnterpriseFile, Path]:
    """A file of an enterprise the caller may see (an enterprise account: its own)."""
    stmt = scope_enterprises(
        select(EnterpriseFile)
        .join(Enterprise, col(Enterprise.id) == EnterpriseFile.enterprise_id)
        .where(EnterpriseFile.id == file_id),
        actor,
    )
    return with_stored_file((await session.exec(stmt)).first(), upload_dir, Message("file_not_found"))


async def files_of_enterprise(
    session: AsyncSession, enterprise_id: uuid.UUID, file_ids: list[uuid.UUID], loc: str = "file_ids"
) -> list[str]:
    """The ids as stored, once every one names a file this enterprise uploaded (422 at each one that does not)."""
    found: set[uuid.UUID] = set()
    if file_ids:
        stmt = select(EnterpriseFile.id).where(
            col(EnterpriseFile.id).in_(file_ids), EnterpriseFile.enterprise_id == enterprise_id
        )
        found = set((await session.exec(stmt)).all())
    raise_if_any(
        [Problem(("body", loc, i), "file_not_found") for i, file_id in enumerate(file_ids) if file_id not in found]
    )
    return [str(f) for f in file_ids]
