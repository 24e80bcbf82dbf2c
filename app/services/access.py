"""Which enterprises and visits a caller may see: their county's, plus what an assignment grants them.

Jurisdiction is a WHERE, never an `if`: every service that loads an enterprise or a visit goes through
these two functions, so a record outside them is simply not found (404).
"""

from typing import TypeVar

from sqlmodel.sql.expression import SelectOfScalar

from app.actor import Actor
from app.models import Enterprise, Visit

T = TypeVar("T")


def scope_enterprises(stmt: SelectOfScalar[T], actor: Actor) -> SelectOfScalar[T]:
    """Restrict a query that involves `Enterprise` to the enterprises the actor may see."""
    if actor.county_code is None:
        return stmt
    return stmt.where(Enterprise.county_code == actor.county_code)


def scope_visits(stmt: SelectOfScalar[T], actor: Actor) -> SelectOfScalar[T]:
    """Restrict a query that involves `Visit` to the visits the actor may see."""
    if actor.county_code is None:
        return stmt
    return stmt.where(Visit.county_code == actor.county_code)
