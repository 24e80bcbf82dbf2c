"""Visits (现场监督检查): drafts an inspector saves often, scoped so another county's visit is not found."""

import uuid
from enum import StrEnum
from typing import Any

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Conflict
from app.core.paging import PageQuery, Window
from app.domain.errors import Message, Problem, raise_if_any
from app.domain.visit_types import VisitType
from app.models import Assignment, Licence, User, Visit, VisitInspector
from app.schemas.visit import InspectorIn, VisitCreate, VisitFilter, VisitUpdate
from app.services import notifications
from app.services.common import audit
from app.services.common.access import one_or_404, scope_visits
from app.services.common.concurrency import check_if_match
from app.services.common.filters import where_equal, within
from app.services.common.paging import keyset
from app.services.ledger import get_enterprise

AUDITED_FIELDS = (
    "visit_type",
    "visit_date",
    "assignment_id",
    "supervisory_functions",
    "checklist",
    "conclusion",
    "representative_name",
    "representative_title",
    "notes",
    "status",
    "version",
)


async def get_visit(session: AsyncSession, actor: Actor, visit_id: uuid.UUID, *, lock: bool = False) -> Visit:
    stmt = scope_visits(select(Visit).where(Visit.id == visit_id), actor)
    if lock:
        stmt = stmt.with_for_update()
    return await one_or_404(session, stmt, Message("visit_not_found"))


async def is_licence_holder(session: AsyncSession, enterprise_id: uuid.UUID) -> bool:
    stmt = select(Licence.id).where(Licence.enterprise_id == enterprise_id, Licence.status == "valid")
    return (await session.exec(stmt.limit(1))).first() is not None


async def list_visits(session: AsyncSession, actor: Actor, f: VisitFilter, page: PageQuery) -> Window[Visit]:
    stmt = scope_visits(select(Visit), actor)
    stmt = where_equal(
        stmt,
        [
            (Visit.enterprise_id, f.enterprise_id),
            (Visit.county_code, f.county_code),
            (Visit.status, f.status),
            (Visit.visit_type, f.visit_type.value if f.visit_type else None),
        ],
    )
    if f.inspector_id is not None:
        mine = select(VisitInspector.visit_id).where(VisitInspector.user_id == f.inspector_id)
        stmt = stmt.where(col(Visit.id).in_(mine))
    stmt = within(stmt, Visit.visit_date, f.date_from, f.date_to)
    keys = (col(Visit.visit_date), col(Visit.created_at), col(Visit.id))  # newest first
    return await keyset(session, stmt, page, keys, descending=True)


async def _set_inspectors(session: AsyncSession, visit: Visit, inspectors: list[InspectorIn]) -> None:
    """Replace the inspectors, copying each one's credential (执法证) from their user record as shown."""
    problems = []
    seen: set[uuid.UUID] = set()
    users: list[User | None] = []
    for i, entry in enumerate(inspectors):
        if entry.user_id in seen:
            problems.append(Problem(("inspectors", i), "inspector_listed_twice"))
        seen.add(entry.user_id)
        user = await session.get(User, entry.user_id)
        if user is None or not user.is_active:
            problems.append(Problem(("inspectors", i, "user_id"), "unknown_inspector"))
        users.append(user)
    raise_if_any(problems)
    await session.exec(delete(VisitInspector).where(col(VisitInspector.visit_id) == visit.id))
    for position, (entry, user) in enumerate(zip(inspectors, users, strict=True)):
        assert user is not None
        session.add(
            VisitInspector(
                visit_id=visit.id,
                user_id=user.id,
                position=position,
                county_code=user.county_code or user.jurisdiction_code or "",
                credential_no=user.credential_no,
                credential_valid_from=user.credential_valid_from,
                credential_valid_until=user.credential_valid_until,
                credential_shown=entry.credential_shown,
            )
        )


async def _check_assignment(session: AsyncSession, visit: Visit) -> None:
    if visit.assignment_id is None:
        return
    assignment = await session.get(Assignment, visit.assignment_id)
    if assignment is None or assignment.enterprise_id != visit.enterprise_id:
        raise_if_any([Problem(("assignment_id",), "assignment_not_found_for_enterprise")])


def _checklist_json(entries: dict[Any, Any]) -> dict[str, Any]:
    return {str(item): entry.model_dump(mode="json") for item, entry in entries.items() if entry is not None}


def snapshot(visit: Visit) -> dict[str, Any]:
    return audit.snapshot(visit, AUDITED_FIELDS)


async def create_visit(session: AsyncSession, actor: Actor, data: VisitCreate) -> Visit:
    """A new draft."""
    enterprise = await get_enterprise(session, actor, data.enterprise_id)
    visit = Visit(
        enterprise_id=enterprise.id,
        county_code=enterprise.county_code,
        visit_type=data.visit_type.value,
        visit_date=data.visit_date,
        assignment_id=data.assignment_id,
        supervisory_functions=[f.value for f in data.supervisory_functions or []],
        checklist=_checklist_json(data.checklist),
        conclusion=data.conclusion.value if data.conclusion else None,
        representative_name=data.representative_name,
        representative_title=data.representative_title,
        notes=data.notes,
        created_by_id=actor.user_id,
    )
    await _check_assignment(session, visit)
    session.add(visit)
    await _set_inspectors(session, visit, data.inspectors)
    await session.flush()
    await audit.record(
        session, actor, "visit.create", "visit", visit.id, county_code=visit.county_code, after=snapshot(visit)
    )
    if data.visit_type is VisitType.reinspection:
        await notifications.notify_reinspection_booked(session, visit)
    return visit


async def update_visit(
    session: AsyncSession, actor: Actor, visit_id: uuid.UUID, data: VisitUpdate, *, if_match: str | None
) -> Visit:
    """Save a draft. An archived visit is read-only: corrections are amendments (409 here)."""
    visit = await get_visit(session, actor, visit_id, lock=True)
    check_if_match(if_match, visit.version)
    if visit.status != "draft":
        raise Conflict(Message("visit_archived_read_only"))
    before = snapshot(visit)
    changes = data.model_dump(exclude_unset=True, exclude={"inspectors", "checklist"})
    for name, value in changes.items():
        if name == "supervisory_functions":
            value = [str(f) for f in value or []]
        setattr(visit, name, str(value) if isinstance(value, StrEnum) else value)
    if data.checklist is not None:
        merged = dict(visit.checklist)
        for item, entry in data.checklist.items():
            if entry is None:
                merged.pop(str(item), None)
            else:
                merged[str(item)] = entry.model_dump(mode="json")
        visit.checklist = merged
    if "assignment_id" in changes:
        await _check_assignment(session, visit)
    if data.inspectors is not None:
        await _set_inspectors(session, visit, data.inspectors)
    inspectors = None if data.inspectors is None else {"inspectors": [str(i.user_id) for i in data.inspectors]}
    await audit.record_update(session, actor, visit, before, county_code=visit.county_code, also_changed=inspectors)
    return visit
