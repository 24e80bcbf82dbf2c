"""A list's filters in SQL."""

from collections.abc import Iterable
from datetime import date
from typing import Any, TypeVar

from sqlmodel.sql.expression import SelectOfScalar

S = TypeVar("S", bound=SelectOfScalar[Any])


def where_equal(stmt: S, filters: Iterable[tuple[Any, Any]]) -> S:
    """`stmt` narrowed to the rows whose column equals the value given for it; a value of None filters nothing."""
    for column, value in filters:
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def within(stmt: S, column: Any, first: date | None, last: date | None) -> S:
    """`stmt` narrowed to the rows whose date in `column` falls between `first` and `last`, both included; a bound
    left out does not narrow."""
    if first is not None:
        stmt = stmt.where(column >= first)
    if last is not None:
        stmt = stmt.where(column <= last)
    return stmt


def is_set(column: Any, wanted: bool) -> Any:
    """The condition that `column` holds a value (`wanted`) or is empty."""
    return column.is_not(None) if wanted else column.is_(None)
