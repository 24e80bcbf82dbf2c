"""Which enterprises and visits a caller may see: their county's, plus what an assignment grants them; an
enterprise account (`actor.enterprise_id`) its own enterprise and its archived visits, nothing else.

Jurisdiction is a WHERE, never an `if`: every service that loads an enterprise or a visit goes through
these two functions, so a record outside them is simply not found (404). `one_or_404` loads the one row a
scoped query finds.
"""

from typing import TypeVar

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from app.core.actor import Actor
from app.core.errors import NotFound
from app.models import Assignment, AssignmentInspector, Enterprise, Visit

T = TypeVar("T")


def _cross_assignments(actor: Actor):  # noqa: ANN202
    """The cross-inspection assignments (交叉互查) the actor is an inspector on."""
    return (
        select(Assignment.id, Assignment.enterprise_id)
        .join(AssignmentInspector, col(AssignmentInspector.assignment_id) == Assignment.id)
        .where(AssignmentInspector.user_id == actor.id, col(Assignment.cross_inspection).is_(True))
    )


def scope_enterprises(stmt: SelectOfScalar[T], actor: Actor) -> SelectOfScalar[T]:
    """Restrict a query that involves `Enterprise` to the enterprises the actor may see: the actor's county,
    plus the enterprises of cross-inspection assignments they are an inspector on — only those."""
    if actor.enterprise_id is not None:
        return stmt.where(Enterprise.id == actor.enterprise_id)
    if actor.county_code is None:
        return stmt
    assigned = _cross_assignments(actor).with_only_columns(Assignment.enterprise_id)
    return stmt.where(or_(Enterprise.county_code == actor.county_code, col(Enterprise.id).in_(assigned)))


def scope_visits(stmt: SelectOfScalar[T], actor: Actor) -> SelectOfScalar[T]:
    """Restrict a query that involves `Visit` to the visits the actor may see: the actor's county, plus the
    visits that fulfil a cross-inspection assignment they are an inspector on (that enterprise's, only)."""
    if actor.enterprise_id is not None:
        return stmt.where(Visit.enterprise_id == actor.enterprise_id, Visit.status == "archived")
    if actor.county_code is None:
        return stmt
    assignments = _cross_assignments(actor)
    granted = and_(
        col(Visit.assignment_id).in_(assignments.with_only_columns(Assignment.id)),
        col(Visit.enterprise_id).in_(assignments.with_only_columns(Assignment.enterprise_id)),
    )
    return stmt.where(or_(Visit.county_code == actor.county_code, granted))


async def one_or_404(session: AsyncSession, stmt: SelectOfScalar[T], not_found: str) -> T:
    """The row a jurisdiction-scoped query finds, or 404 with `not_found`: a record outside the caller's
    jurisdiction is simply not there (never 403, which would tell that it exists)."""
    row = (await session.exec(stmt)).first()
    if row is None:
        raise NotFound(not_found)
    return row
