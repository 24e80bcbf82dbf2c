"""Finding enterprises: the filters of the list, sorting, delta sync, and the rows of an export."""

import uuid
from collections.abc import Hashable
from typing import Any

from sqlalchemy import RowMapping, Select, asc, desc, exists
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from app.core.actor import Actor
from app.core.paging import PageQuery, Window
from app.domain.ledger import EnterpriseStatus, LicenceStatus
from app.domain.licence import is_valid_licence_number, licence_lookup_key, normalise_licence_number
from app.models import Enterprise, Licence, RiskSignal
from app.models.enterprise import PLAN_INPUTS
from app.schemas.enterprise import EnterpriseFilter, EnterpriseSort
from app.services.common.access import bound_scope, scope_enterprises, scope_placeholder
from app.services.common.paging import keyset
from app.services.ledger.encoding import COLUMNS
from app.xlsx.enterprise_columns import NO, YES

MAX_EXPORT_ROWS = 200_000


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(stmt: SelectOfScalar[Any], actor: Actor, f: EnterpriseFilter) -> SelectOfScalar[Any]:
    return _filters(scope_enterprises(stmt, actor), f)


_SCOPED: dict[Hashable, SelectOfScalar[Any]] = {}
"""Every column of the enterprises an actor may see, built once per shape of scope (`bound_scope`)."""


def _scoped_columns(actor: Actor) -> tuple[SelectOfScalar[Any], dict[str, Any]]:
    shape, params = bound_scope(actor)
    stmt = _SCOPED.get(shape)
    if stmt is None:
        stmt = _SCOPED[shape] = scope_enterprises(select(*COLUMNS), scope_placeholder(actor))  # type: ignore[call-overload]
    return stmt, params


def _filters(stmt: SelectOfScalar[Any], f: EnterpriseFilter) -> SelectOfScalar[Any]:
    if f.county_code:
        stmt = stmt.where(Enterprise.county_code == f.county_code)
    if f.risk_class:
        stmt = stmt.where(Enterprise.risk_class == f.risk_class.value)
    if f.status:
        stmt = stmt.where(Enterprise.status == f.status.value)
    if f.q and f.q.strip():
        q = f.q.strip()
        matches = col(Enterprise.name).ilike(_like(q), escape="\\")
        if q.isascii():  # a credit code is ASCII: 水泥 searches the names alone, on their trigram index
            matches |= col(Enterprise.credit_code).like(_like(q.upper()), escape="\\")
        if is_valid_licence_number(normalise_licence_number(q)):  # a licence number, in any printed form
            matches |= exists().where(
                Licence.enterprise_id == Enterprise.id, Licence.lookup_key == licence_lookup_key(q)
            )
        stmt = stmt.where(matches)
    if f.key_flag:
        stmt = stmt.where(getattr(Enterprise, f"key_{f.key_flag.value}") == True)  # noqa: E712
    if f.licence_expiring_before:
        stmt = stmt.where(
            exists().where(
                Licence.enterprise_id == Enterprise.id,
                Licence.status == LicenceStatus.valid.value,
                col(Licence.expires_on) < f.licence_expiring_before,
            )
        )
    if f.has_open_signals is not None:
        open_signal = exists().where(RiskSignal.enterprise_id == Enterprise.id, RiskSignal.is_open == True)  # noqa: E712
        stmt = stmt.where(open_signal if f.has_open_signals else ~open_signal)
    if f.updated_since:
        stmt = stmt.where(col(Enterprise.updated_at) >= f.updated_since)
    return stmt


def _sort_keys(sort: EnterpriseSort) -> tuple[list[Any], bool]:
    """The sort column and the id after it (a total order), and whether it runs downwards."""
    return [col(getattr(Enterprise, sort.value.lstrip("-"))), col(Enterprise.id)], sort.value.startswith("-")


def _ordered(stmt: SelectOfScalar[Any], sort: EnterpriseSort) -> SelectOfScalar[Any]:
    keys, descending = _sort_keys(sort)
    return stmt.order_by(*(desc(k) if descending else asc(k) for k in keys))


async def list_enterprises(
    session: AsyncSession, actor: Actor, f: EnterpriseFilter, *, sort: EnterpriseSort, page: PageQuery
) -> tuple[Window[RowMapping], list[uuid.UUID] | None]:
    """One page of the filtered enterprises as Core rows (every column; see `encoding`) in the sort's order, and
    with `updated_since` the ids closed since then."""
    keys, descending = _sort_keys(sort)
    scoped, params = _scoped_columns(actor)
    window = await keyset(
        session, _filters(scoped, f), page, keys, descending=descending, tag=sort.value, params=params
    )
    closed_ids = None
    if f.updated_since:
        closed = scope_enterprises(select(Enterprise.id), actor).where(col(Enterprise.closed_at) >= f.updated_since)
        if f.county_code:
            closed = closed.where(Enterprise.county_code == f.county_code)
        closed_ids = list((await session.exec(closed)).all())
    return window.map(lambda row: row._mapping), closed_ids


def export_select(actor: Actor, f: EnterpriseFilter, sort: EnterpriseSort) -> Select[Any]:
    columns = (
        Enterprise.credit_code,
        Enterprise.name,
        Enterprise.county_code,
        Enterprise.address,
        Enterprise.legal_representative,
        Enterprise.industry,
        Enterprise.main_products,
        *(getattr(Enterprise, name) for name in PLAN_INPUTS),
        Enterprise.contact_person,
        Enterprise.contact_phone,
    )
    stmt = _ordered(_filtered(select(*columns), actor, f), sort)  # type: ignore[call-overload]
    return stmt.limit(MAX_EXPORT_ROWS)


async def export_rows(
    session: AsyncSession, actor: Actor, f: EnterpriseFilter, sort: EnterpriseSort, names: dict[str, str]
) -> list[list[Any]]:
    """The filtered enterprises in sheet form (COLUMNS order): county name, status label, 是/否."""
    rows = (await session.exec(export_select(actor, f, sort))).all()  # type: ignore[call-overload]
    out = []
    for r in rows:
        row = list(r)
        row[2] = names.get(row[2], row[2])
        row[8] = EnterpriseStatus(row[8]).label
        for i in (9, 10, 11, 12):
            row[i] = YES if row[i] else NO
        out.append(row)
    return out
