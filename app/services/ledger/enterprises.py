"""Enterprise records: scoped load, create, update with optimistic concurrency, history from the audit trail."""

import uuid
from collections.abc import Hashable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, bindparam, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.db import read_rows
from app.core.errors import Conflict, NotFound
from app.core.paging import PageQuery, Window
from app.domain.credit_code import credit_code_problems, normalise_credit_code
from app.domain.errors import Message, Problem, RuleViolation
from app.domain.risk import RiskClass
from app.domain.statuses import EnterpriseStatus
from app.models import AuditEvent, Enterprise, Jurisdiction, Licence, RiskSignal
from app.models.base import utcnow
from app.models.enterprise import PLAN_INPUTS
from app.schemas.enterprise import EnterpriseCreate, EnterpriseRead, EnterpriseUpdate
from app.services import events
from app.services.common import audit
from app.services.common.access import (
    bound_scope,
    in_scope,
    one_or_404,
    require_in_reach,
    scope_enterprises,
    scope_placeholder,
)
from app.services.common.concurrency import check_if_match
from app.services.common.jurisdictions import jurisdiction_names
from app.services.common.paging import paginate
from app.services.ledger.encoding import COLUMNS
from app.services.plans import recompute_for_enterprise

DEFAULT_RISK_CLASS = RiskClass.B
"""A new enterprise is class B until the prefecture classifies it."""

"""Changes to these may change the visits the plan requires."""
RISK_CLASS_IS_THE_PREFECTURES = Message("risk_class_is_set_by_prefecture")


async def county_names(session: AsyncSession) -> dict[str, str]:
    return await jurisdiction_names(session)


async def county_options(session: AsyncSession, actor: Actor) -> list[str]:
    """Names of the counties the actor may put enterprises in (the template's drop-down)."""
    stmt = select(Jurisdiction.name).where(Jurisdiction.level == "county")
    stmt = in_scope(stmt, Jurisdiction.code, actor).order_by(Jurisdiction.code)
    return list((await session.exec(stmt)).all())


def to_read(enterprise: Enterprise, names: dict[str, str]) -> EnterpriseRead:
    read = EnterpriseRead.model_validate(enterprise)
    read.county_name = names.get(enterprise.county_code)
    return read


def _path(enterprise: Enterprise) -> str:
    return f"/api/v1/enterprises/{enterprise.id}"


async def _read(session: AsyncSession, enterprise: Enterprise) -> EnterpriseRead:
    return to_read(enterprise, await county_names(session))


_READS: dict[Hashable, Select[Any]] = {}
"""The read of one enterprise, scoped, built once per shape of scope (`bound_scope`): building and keying the
statement cost more than running it."""


async def enterprise_row(session: AsyncSession, actor: Actor, enterprise_id: uuid.UUID) -> Mapping[str, Any]:
    """One enterprise's columns for reading: no ORM object (see `encoding`), no SQLAlchemy execution (`read_rows`)."""
    shape, params = bound_scope(actor)
    stmt = _READS.get(shape)
    if stmt is None:
        stmt = _READS[shape] = scope_enterprises(
            select(*COLUMNS).where(Enterprise.id == bindparam("enterprise_id")),  # type: ignore[call-overload]
            scope_placeholder(actor),
        )
    rows = await read_rows(session, stmt, {**params, "enterprise_id": enterprise_id})
    if not rows:
        raise NotFound(Message("enterprise_not_found"))
    return rows[0]


async def get_enterprise(
    session: AsyncSession, actor: Actor, enterprise_id: uuid.UUID, *, for_update: bool = False
) -> Enterprise:
    stmt = scope_enterprises(select(Enterprise).where(Enterprise.id == enterprise_id), actor)
    if for_update:
        stmt = stmt.with_for_update()
    return await one_or_404(session, stmt, Message("enterprise_not_found"))


async def _check_county(session: AsyncSession, actor: Actor, county_code: str) -> None:
    await require_in_reach(session, actor, county_code)


async def _credit_code_free(session: AsyncSession, code: str, exclude: uuid.UUID | None = None) -> None:
    stmt = select(Enterprise.id).where(Enterprise.credit_code == code)
    if exclude is not None:
        stmt = stmt.where(Enterprise.id != exclude)
    if (await session.exec(stmt)).first() is not None:
        raise Conflict(Message("credit_code_already_on_ledger", code=code))


def _closing(enterprise: Enterprise) -> None:
    """Keep `closed_at` in step with the status: set when it closes, cleared when it reopens."""
    if enterprise.status == EnterpriseStatus.closed.value:
        enterprise.closed_at = enterprise.closed_at or utcnow()
    else:
        enterprise.closed_at = None


async def create_enterprise(session: AsyncSession, actor: Actor, data: EnterpriseCreate) -> Enterprise:
    code = normalise_credit_code(data.credit_code)
    problems = credit_code_problems(code)
    if data.risk_class is not None and actor.is_county_bound:
        problems.append(Problem(("risk_class",), RISK_CLASS_IS_THE_PREFECTURES))
    await _check_county(session, actor, data.county_code)
    if problems:
        raise RuleViolation(problems)
    await _credit_code_free(session, code)
    fields = data.model_dump(exclude={"credit_code", "risk_class", "status"})
    enterprise = Enterprise(
        **fields,
        credit_code=code,
        risk_class=(data.risk_class or DEFAULT_RISK_CLASS).value,
        status=data.status.value,
    )
    _closing(enterprise)
    await audit.record_create(session, actor, enterprise, county_code=enterprise.county_code)
    await events.emit(
        session, "enterprise.created", _path(enterprise), await _read(session, enterprise), enterprise.county_code
    )
    return enterprise


async def update_enterprise(
    session: AsyncSession,
    actor: Actor,
    enterprise_id: uuid.UUID,
    data: EnterpriseUpdate,
    if_match: str | None,
    *,
    today: date,
) -> Enterprise:
    enterprise = await get_enterprise(session, actor, enterprise_id, for_update=True)
    check_if_match(if_match, enterprise.version)
    changes = data.model_dump(exclude_unset=True)
    problems: list[Problem] = []
    if changes.get("credit_code") is not None:
        changes["credit_code"] = normalise_credit_code(changes["credit_code"])
        problems += credit_code_problems(changes["credit_code"])
    if actor.is_county_bound:
        for name, value in (("county_code", changes.get("county_code")), ("risk_class", changes.get("risk_class"))):
            if value is not None and value != getattr(enterprise, name):
                msg = (
                    RISK_CLASS_IS_THE_PREFECTURES
                    if name == "risk_class"
                    else Message("county_user_cannot_move_enterprise")
                )
                problems.append(Problem((name,), msg))
    if problems:
        raise RuleViolation(problems)
    if "county_code" in changes and changes["county_code"] != enterprise.county_code:
        await _check_county(session, actor, changes["county_code"])
    if "credit_code" in changes and changes["credit_code"] != enterprise.credit_code:
        await _credit_code_free(session, changes["credit_code"], exclude=enterprise.id)

    before = audit.snapshot(enterprise)
    for name, value in changes.items():
        setattr(enterprise, name, value.value if hasattr(value, "value") else value)
    _closing(enterprise)
    new = await audit.record_update(session, actor, enterprise, before, county_code=enterprise.county_code)
    if set(PLAN_INPUTS) & new.keys():
        await recompute_for_enterprise(session, enterprise.id, today=today)
    if new:
        kind = "enterprise.closed" if new.get("status") == EnterpriseStatus.closed.value else "enterprise.updated"
        await events.emit(session, kind, _path(enterprise), await _read(session, enterprise), enterprise.county_code)
    return enterprise


async def enterprise_history(
    session: AsyncSession, actor: Actor, enterprise_id: uuid.UUID, *, page: PageQuery
) -> Window[AuditEvent]:
    enterprise = await get_enterprise(session, actor, enterprise_id)
    licence_ids = select(Licence.id).where(Licence.enterprise_id == enterprise.id)
    signal_ids = select(RiskSignal.id).where(RiskSignal.enterprise_id == enterprise.id)
    licence_keys = [str(i) for i in (await session.exec(licence_ids)).all()]
    signal_keys = [str(i) for i in (await session.exec(signal_ids)).all()]
    stmt = select(AuditEvent).where(
        or_(
            and_(AuditEvent.entity == "enterprise", AuditEvent.entity_id == str(enterprise.id)),
            and_(AuditEvent.entity == "licence", col(AuditEvent.entity_id).in_(licence_keys)),
            and_(AuditEvent.entity == "risk_signal", col(AuditEvent.entity_id).in_(signal_keys)),
        )
    )
    return await paginate(session, stmt.order_by(col(AuditEvent.id).desc()), page)
