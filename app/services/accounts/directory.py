"""The directory of inspectors to visit with (计划 五: a visit is made by several inspectors): own county's, or an
assignment's team.

`GET /users` is for account administration; this lists only what a visit form needs — name and credential."""

import uuid
from datetime import date

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.paging import PageQuery, Window
from app.domain.errors import Message
from app.domain.permissions import Role
from app.models import Assignment, AssignmentInspector, User
from app.services.common.access import in_scope, one_or_404
from app.services.common.paging import paginate


async def _team_of(session: AsyncSession, actor: Actor, assignment_id: uuid.UUID):  # noqa: ANN202
    """The inspectors drawn for an assignment the caller may see: one of their county's, or one they are on
    (a cross-inspection in another county); any other is not found."""
    stmt = select(Assignment.id).where(Assignment.id == assignment_id)
    if actor.county_code is not None:
        mine = select(AssignmentInspector.assignment_id).where(AssignmentInspector.user_id == actor.id)
        stmt = stmt.where(or_(Assignment.county_code == actor.county_code, col(Assignment.id).in_(mine)))
    found = await one_or_404(session, stmt, Message("assignment_not_found"))
    return select(AssignmentInspector.user_id).where(AssignmentInspector.assignment_id == found)


async def list_inspectors(
    session: AsyncSession,
    actor: Actor,
    *,
    assignment_id: uuid.UUID | None,
    county_code: str | None,
    valid_on: date | None,
    page: PageQuery,
) -> Window[User]:
    """Active inspectors: of the caller's county (all counties for the prefecture, or `county_code`), or with
    `assignment_id` the team drawn for it; with `valid_on`, only those whose credential is valid that day."""
    stmt = select(User).where(User.role == Role.COUNTY_INSPECTOR.value, col(User.is_active).is_(True))
    if assignment_id is not None:
        stmt = stmt.where(col(User.id).in_(await _team_of(session, actor, assignment_id)))
    else:
        stmt = in_scope(stmt, User.county_code, actor)
    if county_code is not None:
        stmt = stmt.where(User.county_code == county_code)
    if valid_on is not None:
        stmt = stmt.where(col(User.credential_valid_from) <= valid_on, col(User.credential_valid_until) >= valid_on)
    return await paginate(session, stmt.order_by(User.full_name, User.id), page)
