"""Limit/offset pages with a total count (a hand-rolled 20 lines beat a library that would not know our scoping)."""

from typing import Any, TypeVar

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

T = TypeVar("T")


async def paginate(session: AsyncSession, stmt: SelectOfScalar[T], *, limit: int, offset: int) -> tuple[list[T], int]:
    total = (await session.exec(select(func.count()).select_from(stmt.order_by(None).subquery()))).one()
    items = list((await session.exec(stmt.limit(limit).offset(offset))).all())
    return items, total


def in_jurisdiction(stmt: SelectOfScalar[T], column: Any, county_code: str | None) -> SelectOfScalar[T]:
    """Jurisdiction is a WHERE, not an `if`: a county-bound caller only ever sees its own county's rows."""
    return stmt if county_code is None else stmt.where(column == county_code)
