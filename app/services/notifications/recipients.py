"""Who is told: active users by role and county, and the inspectors on a visit (VisitInspector)."""

import uuid
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import or_
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.permissions import Role
from app.models import Jurisdiction, User, VisitInspector


async def county_admins(session: AsyncSession, county_codes: Iterable[str]) -> dict[str, list[uuid.UUID]]:
    """county → the active county admins of that county."""
    codes = sorted(set(county_codes))
    if not codes:
        return {}
    stmt = select(User.county_code, User.id).where(
        User.role == Role.COUNTY_ADMIN.value, col(User.is_active).is_(True), col(User.county_code).in_(codes)
    )
    found: dict[str, list[uuid.UUID]] = defaultdict(list)
    for county_code, user_id in (await session.exec(stmt.order_by(col(User.id)))).all():
        found[county_code].append(user_id)
    return found


async def prefecture_admins(session: AsyncSession, county_codes: Iterable[str]) -> dict[str, list[uuid.UUID]]:
    """county → the active prefecture admins of its prefecture (an account of before the tree, bound to no node,
    is every prefecture's)."""
    codes = sorted(set(county_codes))
    if not codes:
        return {}
    county = aliased(Jurisdiction)
    stmt = (
        select(county.code, User.id)
        .join(User, or_(col(User.jurisdiction_code) == county.parent_code, col(User.jurisdiction_code).is_(None)))
        .where(User.role == Role.PREFECTURE_ADMIN.value, col(User.is_active).is_(True), col(county.code).in_(codes))
    )
    found: dict[str, list[uuid.UUID]] = defaultdict(list)
    for county_code, user_id in (await session.exec(stmt.order_by(col(User.id)))).all():
        found[county_code].append(user_id)
    return found


async def visit_inspectors(session: AsyncSession, visit_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    """visit → its active inspectors (those who did it, whatever their county: a cross-inspection's too)."""
    ids = sorted(set(visit_ids))
    if not ids:
        return {}
    stmt = (
        select(VisitInspector.visit_id, VisitInspector.user_id)
        .join(User, col(User.id) == VisitInspector.user_id)
        .where(col(VisitInspector.visit_id).in_(ids), col(User.is_active).is_(True))
        .order_by(col(VisitInspector.visit_id), col(VisitInspector.position))
    )
    found: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for visit_id, user_id in (await session.exec(stmt)).all():
        found[visit_id].append(user_id)
    return found
