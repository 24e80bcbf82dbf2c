"""Production licences (工业产品生产许可证) of an enterprise, checked against the licence catalogue.

A number is accepted as printed ("(新)XK16-204-00397", "（新）XK16—204—00397", "XK16-204-00397") and stored in
its canonical form; it is found, and kept unique, by its province-less lookup key."""

import uuid
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Conflict
from app.domain.errors import Message, Problem, RuleViolation
from app.domain.licence import licence_lookup_key, normalise_licence_number, validate_licence_number
from app.models import Enterprise, Licence, LicenceCategory
from app.schemas.licence import LicenceCreate, LicenceRead, LicenceUpdate
from app.services import events
from app.services.common import audit
from app.services.common.access import one_or_404, scope_enterprises
from app.services.common.concurrency import check_if_match
from app.services.ledger.enterprises import get_enterprise
from app.services.plans import recompute_for_enterprise


async def list_categories(session: AsyncSession) -> list[LicenceCategory]:
    stmt = select(LicenceCategory).where(LicenceCategory.is_active == True).order_by(LicenceCategory.position)  # noqa: E712
    return list((await session.exec(stmt)).all())


async def _category_problems(session: AsyncSession, category: str | None) -> list[Problem]:
    if category is None:
        return []
    found = await session.get(LicenceCategory, category)
    if found is None or not found.is_active:
        return [
            Problem(
                ("product_category",),
                "licence_category_unknown",
                category=category,
            )
        ]
    return []


def _licence_no_problems(raw: str | None) -> list[Problem]:
    if raw is None:
        return []
    try:
        validate_licence_number(raw)
    except RuleViolation as exc:
        return exc.problems
    return []


def _date_problems(issued_on: date | None, expires_on: date | None) -> list[Problem]:
    if issued_on and expires_on and expires_on < issued_on:
        return [Problem(("expires_on",), "expires_before_was_issued")]
    return []


async def _number_free(session: AsyncSession, number: str, exclude: uuid.UUID | None = None) -> None:
    """The same licence (same lookup key, whatever its printed form) may be on the ledger once."""
    stmt = select(Licence.licence_no).where(Licence.lookup_key == licence_lookup_key(number))
    if exclude is not None:
        stmt = stmt.where(Licence.id != exclude)
    existing = (await session.exec(stmt)).first()
    if existing is not None:
        raise Conflict(Message("licence_number_already_on_ledger", existing=existing))


async def list_licences(session: AsyncSession, actor: Actor, enterprise_id: uuid.UUID) -> list[Licence]:
    enterprise = await get_enterprise(session, actor, enterprise_id)
    stmt = select(Licence).where(Licence.enterprise_id == enterprise.id).order_by(col(Licence.expires_on).desc())
    return list((await session.exec(stmt)).all())


async def get_licence(session: AsyncSession, actor: Actor, licence_id: uuid.UUID, *, for_update: bool = False):  # noqa: ANN201
    """The licence and its enterprise, if the enterprise is in the actor's jurisdiction."""
    stmt = scope_enterprises(
        select(Licence, Enterprise).join(Enterprise, Enterprise.id == Licence.enterprise_id), actor
    ).where(Licence.id == licence_id)
    if for_update:
        stmt = stmt.with_for_update(of=Licence)
    return await one_or_404(session, stmt, Message("licence_not_found"))


async def find_licence(session: AsyncSession, actor: Actor, licence_no: str) -> Licence:
    """The licence with this number in any printed form, if its enterprise is in the actor's jurisdiction."""
    stmt = scope_enterprises(select(Licence).join(Enterprise, Enterprise.id == Licence.enterprise_id), actor).where(
        Licence.lookup_key == licence_lookup_key(licence_no)
    )
    return await one_or_404(session, stmt, Message("licence_not_found"))


async def create_licence(
    session: AsyncSession, actor: Actor, enterprise_id: uuid.UUID, data: LicenceCreate, *, today: date
) -> Licence:
    enterprise = await get_enterprise(session, actor, enterprise_id)
    problems = (
        _licence_no_problems(data.licence_no)
        + await _category_problems(session, data.product_category)
        + _date_problems(data.issued_on, data.expires_on)
    )
    if problems:
        raise RuleViolation(problems)
    number = normalise_licence_number(data.licence_no)
    await _number_free(session, number)
    licence = Licence(
        **data.model_dump(exclude={"licence_no", "status", "source"}),
        licence_no=number,
        lookup_key=licence_lookup_key(number),
        status=data.status.value,
        source=data.source.value,
        enterprise_id=enterprise.id,
    )
    await audit.record_create(session, actor, licence, county_code=enterprise.county_code)
    await announce_licence(session, licence, enterprise.county_code)
    await recompute_for_enterprise(session, enterprise.id, today=today)
    return licence


async def update_licence(
    session: AsyncSession,
    actor: Actor,
    licence_id: uuid.UUID,
    data: LicenceUpdate,
    if_match: str | None,
    *,
    today: date,
) -> Licence:
    licence, enterprise = await get_licence(session, actor, licence_id, for_update=True)
    check_if_match(if_match, licence.version)
    changes = data.model_dump(exclude_unset=True)
    problems = _licence_no_problems(changes.get("licence_no"))
    if changes.get("product_category") != licence.product_category:
        problems += await _category_problems(session, changes.get("product_category"))
    problems += _date_problems(
        changes.get("issued_on", licence.issued_on), changes.get("expires_on", licence.expires_on)
    )
    if problems:
        raise RuleViolation(problems)
    if "licence_no" in changes:
        changes["licence_no"] = normalise_licence_number(changes["licence_no"])
        changes["lookup_key"] = licence_lookup_key(changes["licence_no"])
        if changes["lookup_key"] != licence.lookup_key:
            await _number_free(session, changes["licence_no"], exclude=licence.id)
    before = audit.snapshot(licence)
    for name, value in changes.items():
        setattr(licence, name, value.value if hasattr(value, "value") else value)
    if not await audit.record_update(session, actor, licence, before, county_code=enterprise.county_code):
        return licence
    await announce_licence(session, licence, enterprise.county_code)
    await recompute_for_enterprise(session, enterprise.id, today=today)
    return licence


def licence_path(licence: Licence) -> str:
    return f"/api/v1/licences/{licence.id}"


async def announce_licence(session: AsyncSession, licence: Licence, county_code: str) -> None:
    """A licence created or changed, on the change feed."""
    await events.emit(
        session, "licence.changed", licence_path(licence), LicenceRead.model_validate(licence), county_code
    )
