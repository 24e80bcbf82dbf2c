"""A list's filters in SQL."""

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlmodel.sql.expression import SelectOfScalar

S = TypeVar("S", bound=SelectOfScalar[Any])


def where_equal(stmt: S, filters: Iterable[tuple[Any, Any]]) -> S:
    """`stmt` narrowed to the rows whose column equals the value given for it; a value of None filters nothing."""
    for column, value in filters:
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt
