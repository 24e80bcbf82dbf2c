"""Deleting an abandoned draft (a visit started and never made): by its author or the admin of its county."""

import uuid
from pathlib import Path

from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Conflict, Forbidden
from app.domain.errors import Message
from app.domain.permissions import Role
from app.domain.visit_rules import may_delete_draft
from app.models import VisitInspector
from app.services.common import audit
from app.services.common.concurrency import check_if_match
from app.services.visits.attachments import delete_attachments
from app.services.visits.visits import get_visit, snapshot

NOT_YOURS = Message("draft_deleted_by_author_or_county_admin")


async def delete_draft(
    session: AsyncSession, actor: Actor, visit_id: uuid.UUID, *, if_match: str | None, upload_dir: Path
) -> None:
    """Delete an abandoned draft with its inspectors and attachments (files included). A submitted visit is a
    record of the bureau and is never deleted (409): correct it with an amendment."""
    visit = await get_visit(session, actor, visit_id, lock=True)
    admin_of = actor.county_code if actor.role == Role.COUNTY_ADMIN else None
    author = str(visit.created_by_id) if visit.created_by_id else None
    caller = str(actor.user_id) if actor.user_id else None
    if not may_delete_draft(
        caller_id=caller, caller_is_admin_of=admin_of, author_id=author, visit_county=visit.county_code
    ):
        raise Forbidden(NOT_YOURS)
    check_if_match(if_match, visit.version)
    if visit.status != "draft":
        raise Conflict(Message("submitted_visit_never_deleted"))
    await delete_attachments(session, actor, visit, upload_dir)
    summary = snapshot(visit) | {"enterprise_id": str(visit.enterprise_id), "county_code": visit.county_code}
    await session.exec(delete(VisitInspector).where(col(VisitInspector.visit_id) == visit.id))
    await session.delete(visit)
    await session.flush()
    await audit.record(session, actor, "visit.delete", "visit", visit.id, county_code=visit.county_code, before=summary)
