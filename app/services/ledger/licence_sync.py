"""Licences from the licensing system: idempotent upserts keyed by licence number, enterprise by credit code.

A number is matched by its lookup key, so "（新）XK16-204-00397" updates the licence stored as "新XK16-204-00397";
a province the push carries is added to a number stored without one, never taken away.

A county-bound key sees only its county's enterprises, so another county's credit code reads as unknown (422),
never as "exists elsewhere". Every change is audited and raises the plan line when the escalation rule asks.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.paging import PageQuery, Window
from app.domain.credit_code import normalise_credit_code
from app.domain.errors import Problem, RuleViolation
from app.domain.licence import (
    is_valid_licence_number,
    licence_lookup_key,
    licence_province,
    normalise_licence_number,
)
from app.models import Enterprise, Licence, LicenceCategory, LicenceSyncRun
from app.models.base import utcnow
from app.schemas.licence_sync import LicencePush, LicenceSyncRow, Outcome
from app.services.common import audit
from app.services.common.access import scope_enterprises
from app.services.common.paging import paginate
from app.services.ledger.licences import announce_licence
from app.services.plans import recompute_for_enterprise

SOURCE = "licensing_system"
_FIELDS = ("licence_no", "product_category", "issued_on", "expires_on", "status")


@dataclass
class Lookup:
    """What validating a set of rows needs, loaded in three queries."""

    enterprises: dict[str, Enterprise]
    categories: set[str]
    licences: dict[str, Licence]
    """By lookup key."""


async def load_lookup(session: AsyncSession, actor: Actor, rows: Sequence[LicenceSyncRow]) -> Lookup:
    codes = {normalise_credit_code(r.credit_code) for r in rows}
    keys = {licence_lookup_key(r.licence_no) for r in rows}
    enterprises = (
        await session.exec(scope_enterprises(select(Enterprise).where(col(Enterprise.credit_code).in_(codes)), actor))
    ).all()
    categories = (
        await session.exec(select(LicenceCategory.name).where(col(LicenceCategory.is_active).is_(True)))
    ).all()
    licences = (await session.exec(select(Licence).where(col(Licence.lookup_key).in_(keys)).with_for_update())).all()
    return Lookup(
        enterprises={e.credit_code: e for e in enterprises},
        categories=set(categories),
        licences={lic.lookup_key: lic for lic in licences},
    )


def row_problems(row: LicenceSyncRow, lookup: Lookup, loc: tuple[str | int, ...] = ()) -> list[Problem]:
    problems = []
    number = normalise_licence_number(row.licence_no)
    code = normalise_credit_code(row.credit_code)
    if not is_valid_licence_number(number):
        problems.append(Problem((*loc, "licence_no"), "licence_number_format", number=number))
    enterprise = lookup.enterprises.get(code)
    if enterprise is None:
        problems.append(
            Problem(
                (*loc, "credit_code"),
                "unknown_enterprise",
                code=code,
            )
        )
    if row.product_category not in lookup.categories:
        problems.append(
            Problem(
                (*loc, "product_category"),
                "licence_category_unknown",
                category=row.product_category,
            )
        )
    if row.issued_on and row.expires_on < row.issued_on:
        problems.append(Problem((*loc, "expires_on"), "expires_before_was_issued"))
    existing = lookup.licences.get(licence_lookup_key(number))
    if existing is not None and enterprise is not None and existing.enterprise_id != enterprise.id:
        problems.append(Problem((*loc, "credit_code"), "licence_of_other_enterprise", number=number))
    return problems


async def apply_row(
    session: AsyncSession, actor: Actor, row: LicenceSyncRow, lookup: Lookup
) -> tuple[Licence, Outcome]:
    """Create or update one validated row; an identical row changes nothing (idempotent)."""
    number = normalise_licence_number(row.licence_no)
    key = licence_lookup_key(number)
    enterprise = lookup.enterprises[normalise_credit_code(row.credit_code)]
    values = {
        "product_category": row.product_category,
        "issued_on": row.issued_on,
        "expires_on": row.expires_on,
        "status": row.status.value,
    }
    licence = lookup.licences.get(key)
    if licence is None:
        licence = Licence(licence_no=number, lookup_key=key, enterprise_id=enterprise.id, source=SOURCE, **values)
        lookup.licences[key] = await audit.record_create(session, actor, licence, county_code=enterprise.county_code)
        await announce_licence(session, licence, enterprise.county_code)
        return licence, "created"
    if licence_province(number) and not licence_province(licence.licence_no):
        values["licence_no"] = number
    before = audit.snapshot(licence, _FIELDS)
    for name, value in values.items():
        setattr(licence, name, value)
    if not await audit.record_update(session, actor, licence, before, county_code=enterprise.county_code):
        return licence, "unchanged"
    licence.source = SOURCE
    await announce_licence(session, licence, enterprise.county_code)
    return licence, "updated"


async def recompute(session: AsyncSession, enterprise_ids: set[uuid.UUID], *, today: date) -> None:
    for enterprise_id in sorted(enterprise_ids):
        await recompute_for_enterprise(session, enterprise_id, today=today)


async def push_licence(
    session: AsyncSession, actor: Actor, licence_no: str, data: LicencePush, *, today: date
) -> tuple[Licence, Outcome]:
    """PUT by licence number: 422 naming the problem (an unknown credit code is named), else upsert."""
    row = LicenceSyncRow(licence_no=licence_no, **data.model_dump())
    lookup = await load_lookup(session, actor, [row])
    problems = row_problems(row, lookup)
    if problems:
        raise RuleViolation(problems)
    licence, outcome = await apply_row(session, actor, row, lookup)
    if outcome != "unchanged":
        await recompute(session, {licence.enterprise_id}, today=today)
    return licence, outcome


async def sync_batch(
    session: AsyncSession, actor: Actor, rows: Sequence[LicenceSyncRow], *, today: date
) -> LicenceSyncRun:
    """All or nothing: every row is checked first; any problem → 422 with each ["rows", i, field]."""
    lookup = await load_lookup(session, actor, rows)
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows):
        problems += row_problems(row, lookup, ("rows", n))
        key = licence_lookup_key(row.licence_no)
        if key in seen:
            problems.append(Problem(("rows", n, "licence_no"), "duplicate_row", first=seen[key]))
        seen.setdefault(key, n)
    if problems:
        raise RuleViolation(problems)
    run = LicenceSyncRun(direction="push", actor_name=actor.name, fetched=len(rows))
    changed: set[uuid.UUID] = set()
    for row in rows:
        licence, outcome = await apply_row(session, actor, row, lookup)
        setattr(run, outcome, getattr(run, outcome) + 1)
        if outcome != "unchanged":
            changed.add(licence.enterprise_id)
    await recompute(session, changed, today=today)
    run.status = "succeeded"
    run.finished_at = utcnow()
    session.add(run)
    await session.flush()
    return run


async def list_runs(session: AsyncSession, *, direction: str | None, page: PageQuery) -> Window[LicenceSyncRun]:
    stmt = select(LicenceSyncRun)
    if direction:
        stmt = stmt.where(LicenceSyncRun.direction == direction)
    return await paginate(session, stmt.order_by(col(LicenceSyncRun.started_at).desc()), page)
