"""Finding enterprises: the filters of the list, sorting, delta sync, and the rows of an export."""

import uuid
from collections.abc import Hashable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, Select, asc, bindparam, desc, exists
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from app.core.actor import Actor
from app.core.paging import PageQuery, Window
from app.domain.licence import is_valid_licence_number, licence_lookup_key, normalise_licence_number
from app.domain.statuses import EnterpriseStatus, LicenceStatus
from app.models import Enterprise, Licence, RiskSignal
from app.models.enterprise import PLAN_INPUTS
from app.schemas.enterprise import EnterpriseFilter, EnterpriseSort
from app.services.common.access import bound_scope, scope_enterprises, scope_placeholder
from app.services.common.paging import keyset_once
from app.services.ledger.encoding import COLUMNS
from app.xlsx.enterprise_columns import NO, YES

MAX_EXPORT_ROWS = 200_000


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(
    stmt: SelectOfScalar[Any], actor: Actor, f: EnterpriseFilter
) -> tuple[SelectOfScalar[Any], dict[str, Any]]:
    shape, values = filter_shape(f)
    return scope_enterprises(stmt, actor).where(*_conditions(shape)), values


_SCOPED: dict[Hashable, SelectOfScalar[Any]] = {}
"""Every column of the enterprises an actor may see, built once per shape of scope (`bound_scope`)."""


def _scoped_columns(actor: Actor) -> tuple[Hashable, SelectOfScalar[Any], dict[str, Any]]:
    shape, params = bound_scope(actor)
    stmt = _SCOPED.get(shape)
    if stmt is None:
        stmt = _SCOPED[shape] = scope_enterprises(select(*COLUMNS), scope_placeholder(actor))  # type: ignore[call-overload]
    return shape, stmt, params


def filter_shape(f: EnterpriseFilter) -> tuple[tuple[Hashable, ...], dict[str, Any]]:
    """The filters asked for, as the shape of their conditions (which ones, in which form: `_conditions` builds
    them from it alone) and the values of their bound parameters."""
    shape: list[Hashable] = []
    values: dict[str, Any] = {}
    if f.county_code:
        shape.append("county_code")
        values["f_county_code"] = f.county_code
    if f.risk_class:
        shape.append("risk_class")
        values["f_risk_class"] = f.risk_class.value
    if f.status:
        shape.append("status")
        values["f_status"] = f.status.value
    if f.q and f.q.strip():
        q = f.q.strip()
        licence = is_valid_licence_number(normalise_licence_number(q))  # a licence number, in any printed form
        shape.append(("q", q.isascii(), licence))
        values["f_name"] = _like(q)
        if q.isascii():
            values["f_credit_code"] = _like(q.upper())
        if licence:
            values["f_licence"] = licence_lookup_key(q)
    if f.key_flag:
        shape.append(("key_flag", f.key_flag.value))
    if f.licence_expiring_before:
        shape.append("licence_expiring_before")
        values["f_licence_expiring_before"] = f.licence_expiring_before
    if f.has_open_signals is not None:
        shape.append(("has_open_signals", f.has_open_signals))
    if f.updated_since:
        shape.append("updated_since")
        values["f_updated_since"] = f.updated_since
    return tuple(shape), values


def _conditions(shape: tuple[Hashable, ...]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for part in shape:
        name, *form = part if isinstance(part, tuple) else (part,)
        if name in ("county_code", "risk_class", "status"):
            conditions.append(getattr(Enterprise, name) == bindparam(f"f_{name}"))
        elif name == "q":
            ascii_only, licence = form
            matches = col(Enterprise.name).ilike(bindparam("f_name"), escape="\\")
            if ascii_only:  # a credit code is ASCII: 水泥 searches the names alone, on their trigram index
                matches |= col(Enterprise.credit_code).like(bindparam("f_credit_code"), escape="\\")
            if licence:
                matches |= exists().where(
                    Licence.enterprise_id == Enterprise.id, Licence.lookup_key == bindparam("f_licence")
                )
            conditions.append(matches)
        elif name == "key_flag":
            conditions.append(getattr(Enterprise, f"key_{form[0]}") == True)  # noqa: E712
        elif name == "licence_expiring_before":
            conditions.append(
                exists().where(
                    Licence.enterprise_id == Enterprise.id,
                    Licence.status == LicenceStatus.valid.value,
                    col(Licence.expires_on) < bindparam("f_licence_expiring_before"),
                )
            )
        elif name == "has_open_signals":
            open_signal = exists().where(RiskSignal.enterprise_id == Enterprise.id, RiskSignal.is_open == True)  # noqa: E712
            conditions.append(open_signal if form[0] else ~open_signal)
        elif name == "updated_since":
            conditions.append(col(Enterprise.updated_at) >= bindparam("f_updated_since"))
    return conditions


def _sort_keys(sort: EnterpriseSort) -> tuple[list[Any], bool]:
    """The sort column and the id after it (a total order), and whether it runs downwards."""
    return [col(getattr(Enterprise, sort.value.lstrip("-"))), col(Enterprise.id)], sort.value.startswith("-")


def _ordered(stmt: SelectOfScalar[Any], sort: EnterpriseSort) -> SelectOfScalar[Any]:
    keys, descending = _sort_keys(sort)
    return stmt.order_by(*(desc(k) if descending else asc(k) for k in keys))


async def list_enterprises(
    session: AsyncSession, actor: Actor, f: EnterpriseFilter, *, sort: EnterpriseSort, page: PageQuery
) -> tuple[Window[Mapping[str, Any]], list[uuid.UUID] | None]:
    """One page of the filtered enterprises as mappings of every column (see `encoding`) in the sort's order, the
    statement built once per shape of scope and filters (`keyset_once`), and with `updated_since` the ids closed
    since then."""
    keys, descending = _sort_keys(sort)
    scope, scoped, params = _scoped_columns(actor)
    shape, values = filter_shape(f)
    window = await keyset_once(
        session,
        (scope, shape, sort),
        lambda: scoped.where(*_conditions(shape)),
        page,
        keys,
        descending=descending,
        tag=sort.value,
        params={**params, **values},
    )
    closed_ids = None
    if f.updated_since:
        closed = scope_enterprises(select(Enterprise.id), actor).where(col(Enterprise.closed_at) >= f.updated_since)
        if f.county_code:
            closed = closed.where(Enterprise.county_code == f.county_code)
        closed_ids = list((await session.exec(closed)).all())
    return window, closed_ids


def export_select(actor: Actor, f: EnterpriseFilter, sort: EnterpriseSort) -> tuple[Select[Any], dict[str, Any]]:
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
    stmt, values = _filtered(select(*columns), actor, f)  # type: ignore[call-overload]
    return _ordered(stmt, sort).limit(MAX_EXPORT_ROWS), values


async def export_rows(
    session: AsyncSession, actor: Actor, f: EnterpriseFilter, sort: EnterpriseSort, names: dict[str, str]
) -> list[list[Any]]:
    """The filtered enterprises in sheet form (COLUMNS order): county name, status label, 是/否."""
    stmt, values = export_select(actor, f, sort)
    rows = (await session.exec(stmt, params=values)).all()  # type: ignore[call-overload]
    out = []
    for r in rows:
        row = list(r)
        row[2] = names.get(row[2], row[2])
        row[8] = EnterpriseStatus(row[8]).label
        for i in (9, 10, 11, 12):
            row[i] = YES if row[i] else NO
        out.append(row)
    return out
