"""A statement scoped once for a placeholder actor and run with an actor's values restricts exactly as one scoped
for that actor itself: the same SQL, whoever calls."""

import uuid

import pytest
from sqlalchemy.dialects import postgresql
from sqlmodel import select

from app.core.actor import SYSTEM, Actor
from app.domain.permissions import Role, permissions_for
from app.models import Enterprise
from app.services.common.access import bound_scope, scope_enterprises, scope_placeholder
from tests.builders import WUSU

ACTORS = {
    "a county inspector (and their cross-inspections)": Actor(
        "user", uuid.uuid4(), "i", Role.COUNTY_INSPECTOR, WUSU, permissions_for(Role.COUNTY_INSPECTOR)
    ),
    "a prefecture viewer": Actor(
        "user", uuid.uuid4(), "v", Role.PREFECTURE_VIEWER, None, permissions_for(Role.PREFECTURE_VIEWER), None, "654200"
    ),
    "an enterprise account": Actor(
        "user", uuid.uuid4(), "e", Role.ENTERPRISE_USER, None, frozenset(), None, None, uuid.uuid4()
    ),
    "the system": SYSTEM,
}


def sql(stmt) -> str:  # noqa: ANN001
    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


@pytest.mark.parametrize("who", ACTORS)
def test_a_statement_scoped_for_the_placeholder_reads_what_one_scoped_for_the_actor_reads(who):
    actor = ACTORS[who]
    shape, params = bound_scope(actor)
    built_once = scope_enterprises(select(Enterprise.id), scope_placeholder(actor))
    assert sql(built_once.params(**params)) == sql(scope_enterprises(select(Enterprise.id), actor))
    other = ACTORS["a prefecture viewer" if who != "a prefecture viewer" else "the system"]
    assert bound_scope(other)[0] != shape  # another shape of scope gets a statement of its own
