"""Limit/offset pages with a total count (a hand-rolled 20 lines beat a library that would not know our scoping)."""

from typing import TypeVar

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

T = TypeVar("T")


async def paginate(session: AsyncSession, stmt: SelectOfScalar[T], *, limit: int, offset: int) -> tuple[list[T], int]:
    """The page and the total; a page that is not full tells the total itself, without a `count(*)`."""
    items = list((await session.exec(stmt.limit(limit).offset(offset))).all())
    if len(items) < limit and (items or offset == 0):
        return items, offset + len(items)
    total = (await session.exec(select(func.count()).select_from(stmt.order_by(None).subquery()))).one()
    return items, total
