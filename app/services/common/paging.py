"""The two ways a list is paged (see `app.core.paging`): by offset with a total, or by keyset after a cursor.
Hand-rolled: a library would not know our scoping, and each is a few lines of SQL."""

import uuid
from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, TypeDecorator, and_, bindparam, func, or_
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from app.core.db import read_rows
from app.core.paging import PageQuery, Window, cursor_problem

T = TypeVar("T")


async def _count(session: AsyncSession, stmt: SelectOfScalar[Any], params: Mapping[str, Any] | None = None) -> int:
    return (await session.exec(select(func.count()).select_from(stmt.order_by(None).subquery()), params=params)).one()


async def paginate(session: AsyncSession, stmt: SelectOfScalar[T], page: PageQuery) -> Window[T]:
    """The page at the offset and the total; a page that is not full tells the total itself, without a
    `count(*)`."""
    items = list((await session.exec(stmt.limit(page.limit).offset(page.offset))).all())
    if len(items) < page.limit and (items or page.offset == 0):
        total = page.offset + len(items)
    else:
        total = await _count(session, stmt)
    return Window(items, page.offset + len(items) < total, total)


def _typed(column: ColumnElement[Any], value: Any) -> Any:
    """A key value of a cursor back in the column's type (a cursor is signed, so this fails only for one made
    before a change of the key)."""
    sql_type = column.type
    kind = (sql_type.impl if isinstance(sql_type, TypeDecorator) else sql_type).python_type
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if not isinstance(value, kind):
        raise TypeError(value)
    return value


def _after_condition(keys: Sequence[ColumnElement[Any]], bound: Sequence[Any], descending: bool) -> ColumnElement[bool]:
    condition: ColumnElement[bool] | None = None
    for key, value in reversed(list(zip(keys, bound, strict=True))):
        past = key < value if descending else key > value
        condition = past if condition is None else or_(past, and_(key == value, condition))
    assert condition is not None
    not_before = keys[0] <= bound[0] if descending else keys[0] >= bound[0]
    return and_(not_before, condition)


def _after(keys: Sequence[ColumnElement[Any]], values: list[Any], descending: bool) -> ColumnElement[bool]:
    """Rows after (k1, k2, …) in the order of the keys: k1 past, or k1 equal and the rest after — written out
    rather than as a row value, with k1 not before as a bound of its own, so an index on the first key alone
    starts the scan at the cursor on every database."""
    bound = [bindparam(None, value, type_=k.type) for k, value in zip(keys, _after_values(keys, values), strict=True)]
    return _after_condition(keys, bound, descending)


def _after_values(keys: Sequence[ColumnElement[Any]], values: list[Any]) -> list[Any]:
    if len(values) != len(keys):
        raise cursor_problem()
    try:
        return [_typed(k, v) for k, v in zip(keys, values, strict=True)]
    except (TypeError, ValueError):
        raise cursor_problem() from None


def _tagged(page: PageQuery, tag: str | None) -> tuple[list[Any], list[Any] | None]:
    """The tag a cursor starts with, and the key after it (None on a first page); a cursor made under another
    tag is refused."""
    tagged = [tag] if tag is not None else []
    if page.after is None:
        return tagged, None
    if page.after[: len(tagged)] != tagged:
        raise cursor_problem()
    return tagged, page.after[len(tagged) :]


async def keyset(
    session: AsyncSession,
    stmt: SelectOfScalar[T],
    page: PageQuery,
    keys: Sequence[ColumnElement[Any]],
    *,
    descending: bool = False,
    keep: Callable[[T], bool] | None = None,
    tag: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> Window[T]:
    """The page after the cursor's key, in the order of `keys` (unique together: the last is the id). `keep`
    filters rows by a rule SQL cannot state; the scan then goes on until the page is full. `tag` names what else
    the order depends on (a sort option): a cursor made under another is refused. `params`: the values of the
    statement's bound parameters (a statement built once, see `access.bound_scope`)."""
    ordered = stmt.order_by(None).order_by(*(k.desc() if descending else k.asc() for k in keys))
    tagged, after = _tagged(page, tag)
    if after is not None:
        ordered = ordered.where(_after(keys, after, descending))
    if keep is None:
        rows = list((await session.exec(ordered.limit(page.limit + 1), params=params)).all())
    else:
        rows = []
        for row in await session.exec(ordered, params=params):
            if keep(row):
                rows.append(row)
                if len(rows) > page.limit:
                    break
    items, has_more = rows[: page.limit], len(rows) > page.limit
    if page.want_total:
        total: int | None = (
            await _count(session, stmt, params)
            if keep is None
            else sum(1 for r in await session.exec(stmt, params=params) if keep(r))
        )
    else:
        total = len(items) if page.after is None and not has_more else None
    last = [*tagged, *(getattr(items[-1], k.key) for k in keys)] if has_more else None
    return Window(items, has_more, total, last)


_PAGES: dict[Hashable, Select[Any]] = {}


async def keyset_once(
    session: AsyncSession,
    shape: Hashable,
    build: Callable[[], Select[Any]],
    page: PageQuery,
    keys: Sequence[ColumnElement[Any]],
    *,
    descending: bool = False,
    tag: str | None = None,
    params: Mapping[str, Any],
) -> Window[Mapping[str, Any]]:
    """`keyset` for a statement built once per `shape`, its page's statement too (order, the cursor's condition
    and the limit as bound parameters), run by `read_rows`: the rows as mappings. `build()` makes the statement,
    every value in it a named bound parameter whose value is in `params`; `shape` names everything the statement
    depends on (scope, filters, keys and their order), so building and keying it are paid once."""
    tagged, after = _tagged(page, tag)
    key = (shape, tag, descending, after is not None)
    stmt = _PAGES.get(key)
    if stmt is None:
        ordered = build().order_by(None).order_by(*(k.desc() if descending else k.asc() for k in keys))
        if after is not None:
            bound = [bindparam(f"after_{n}", type_=k.type) for n, k in enumerate(keys)]
            ordered = ordered.where(_after_condition(keys, bound, descending))
        stmt = _PAGES[key] = ordered.limit(bindparam("page_limit"))
    values = {**params, "page_limit": page.limit + 1}
    if after is not None:
        values.update((f"after_{n}", value) for n, value in enumerate(_after_values(keys, after)))
    rows = await read_rows(session, stmt, values)
    items, has_more = rows[: page.limit], len(rows) > page.limit
    if page.want_total:
        total: int | None = await _count(session, build(), params)
    else:
        total = len(items) if page.after is None and not has_more else None
    last = [*tagged, *(items[-1][k.key] for k in keys)] if has_more else None
    return Window(items, has_more, total, last)
