"""What a caller may see: the records whose county lies in the caller's subtree of the jurisdiction tree (their
county; their prefecture's counties; the region's), plus what a cross-inspection assignment grants them;
an enterprise account (`actor.enterprise_id`) its own enterprise and its archived visits, nothing else.

Jurisdiction is a WHERE, never an `if`: every service that loads a record goes through `in_scope` (or, for
enterprises and visits, `scope_enterprises` / `scope_visits`), so a record outside it is simply not found (404).
`one_or_404` loads the one row a scoped query finds.

One mechanism: a county-bound caller compares the county (an index on the record's `county_code`); any other
caller's subtree is `county_code IN (the codes whose stored path starts with the node's path)`, so "my prefecture"
and "the region" are the same query over a larger subtree. The tree is small (Xinjiang: 124 nodes), so the
subquery is a hashed set built once per statement; the record side keeps its
`county_code` indexes. A literal prefix (the seed moving a subtree) uses `ix_jurisdiction_path`.
"""

from collections.abc import Hashable
from dataclasses import replace
from typing import Any, TypeVar

from sqlalchemy import and_, bindparam, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from app.core.actor import Actor
from app.core.errors import Forbidden, NotFound
from app.domain.errors import Message, Problem, RuleViolation
from app.models import Assignment, AssignmentInspector, Enterprise, Jurisdiction, Visit

T = TypeVar("T")


def subtree(node_code: str, *, level: str | None = None):  # noqa: ANN201
    """The codes of the node and every node below it (optionally of one `level`), as a subquery."""
    node_path = select(Jurisdiction.path).where(Jurisdiction.code == node_code).scalar_subquery()
    stmt = select(Jurisdiction.code).where(col(Jurisdiction.path).startswith(node_path))
    return stmt if level is None else stmt.where(Jurisdiction.level == level)


def in_scope(stmt: SelectOfScalar[T], column: Any, actor: Actor) -> SelectOfScalar[T]:
    """Restrict `stmt` to the rows whose jurisdiction `column` lies in the actor's subtree: a county-bound caller
    sees their county only; a prefecture's or the region's caller, the counties below them (and themselves)."""
    if actor.county_code is not None:
        return stmt.where(column == actor.county_code)
    if actor.node_code is None:
        return stmt
    return stmt.where(column.in_(subtree(actor.node_code)))


_PLACES = {"id": "scope_actor", "county_code": "scope_county", "node_code": "scope_node", "enterprise_id": "scope_own"}


def bound_scope(actor: Actor) -> tuple[Hashable, dict[str, Any]]:
    """The actor's scope as bound parameters, for a statement built once and run for every caller of its shape:
    (the shape, the values of the placeholders). A statement scoped for `scope_placeholder(actor)` by `in_scope` /
    `scope_enterprises` / … and run with the values restricts exactly as one scoped for `actor` itself."""
    values = {_PLACES[name]: getattr(actor, name) for name in _PLACES if getattr(actor, name) is not None}
    return (actor.kind, *(place in values for place in _PLACES.values())), values


def scope_placeholder(actor: Actor) -> Actor:
    """The actor with its ids and codes replaced by required bound parameters (run without a value, it fails)."""
    return replace(actor, **{name: bindparam(place) for name, place in _PLACES.items() if getattr(actor, name)})


def in_scope_or_shared(stmt: SelectOfScalar[T], column: Any, actor: Actor, owner: Any) -> SelectOfScalar[T]:
    """Like `in_scope` for a record whose county may be null (a prefecture-wide draw, a prefecture's own record):
    then `owner` (e.g. the plan's prefecture) decides; a county-bound caller never sees a null-county row."""
    if actor.county_code is not None or actor.node_code is None:
        return in_scope(stmt, column, actor)
    nodes = subtree(actor.node_code)
    return stmt.where(or_(column.in_(nodes), and_(column.is_(None), owner.in_(nodes))))


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
        return in_scope(stmt, Enterprise.county_code, actor)
    assigned = _cross_assignments(actor).with_only_columns(Assignment.enterprise_id)
    return stmt.where(or_(Enterprise.county_code == actor.county_code, col(Enterprise.id).in_(assigned)))


def scope_visits(stmt: SelectOfScalar[T], actor: Actor) -> SelectOfScalar[T]:
    """Restrict a query that involves `Visit` to the visits the actor may see: the actor's county, plus the
    visits that fulfil a cross-inspection assignment they are an inspector on (that enterprise's, only)."""
    if actor.enterprise_id is not None:
        return stmt.where(Visit.enterprise_id == actor.enterprise_id, Visit.status == "archived")
    if actor.county_code is None:
        return in_scope(stmt, Visit.county_code, actor)
    assignments = _cross_assignments(actor)
    granted = and_(
        col(Visit.assignment_id).in_(assignments.with_only_columns(Assignment.id)),
        col(Visit.enterprise_id).in_(assignments.with_only_columns(Assignment.enterprise_id)),
    )
    return stmt.where(or_(Visit.county_code == actor.county_code, granted))


def in_prefecture_scope(stmt: SelectOfScalar[T], column: Any, actor: Actor) -> SelectOfScalar[T]:
    """For a prefecture's own records (its plans, its disclosures), `column` naming the prefecture: a county sees
    its own prefecture's; anyone else, those of the prefectures in their subtree."""
    if actor.county_code is None:
        return in_scope(stmt, column, actor)
    own = select(Jurisdiction.parent_code).where(Jurisdiction.code == actor.county_code).scalar_subquery()
    return stmt.where(column == own)


async def own_prefecture(session: AsyncSession, actor: Actor) -> str:
    """The prefecture a caller acts for when making a prefecture's record (a plan, a disclosure): the one
    prefecture in their reach. A region's caller has many, and issues nothing to counties (403)."""
    reach = in_scope(select(Jurisdiction.code).where(Jurisdiction.level == "prefecture"), Jurisdiction.code, actor)
    found = (await session.exec(reach.limit(2))).all()
    if len(found) != 1:
        raise Forbidden(Message("drawn_up_by_one_prefecture"))
    return found[0]


async def require_in_reach(session: AsyncSession, actor: Actor, county_code: str, *, loc: str = "county_code") -> None:
    """A county named by the caller (a new enterprise's, a draw's, an account's): unknown is 422 at `loc`; one
    outside the caller's subtree is 404, as for any record there."""
    found = await session.get(Jurisdiction, county_code)
    if found is None or found.level != "county":
        raise RuleViolation([Problem((loc,), "unknown_county", county_code=county_code)])
    stmt = in_scope(select(Jurisdiction.code).where(Jurisdiction.code == county_code), Jurisdiction.code, actor)
    await one_or_404(session, stmt, Message("county_not_found_in_jurisdiction"))


async def one_or_404(session: AsyncSession, stmt: SelectOfScalar[T], not_found: Message) -> T:
    """The row a jurisdiction-scoped query finds, or 404 with `not_found`: a record outside the caller's
    jurisdiction is simply not there (never 403, which would tell that it exists)."""
    row = (await session.exec(stmt)).first()
    if row is None:
        raise NotFound(not_found)
    return row
