"""Dates at and past the edge, and data that breaks the contract, sent to every operation that takes a date.

Years 1–9999 are valid ISO dates, but the rules add and subtract days and months and year 1 or 9999 overflows
(`visit_date: 0001-01-01` and `updated_since=9999-12-31T23:59:59-14:00` were 500s): every date and instant is
refused with 422 outside 1900–2199. Schemathesis sends, to the operations with a date or date-time parameter or
body field, negative data (wrong types, wrong formats, missing fields) and its coverage phase's boundary values, and
every date it generates may be swapped for an edge (0001-01-01, 1899-12-31, 1900-01-01, 2199-12-31, 2200-01-01,
9999-12-31; instants with ±14:00 offsets). No answer may be a 5xx. Runs on a database of its own, like
test_schemathesis.py, and builds its app at import (schemathesis reads the schema then).
"""

import asyncio
import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.core.db import make_sessionmaker
from app.domain.permissions import Role
from app.main import create_app
from app.seed.jurisdictions import seed_jurisdictions
from tests.api.conftest import BACKEND, TEST_SECRET
from tests.builders import PASSWORD, make_user
from tests.databases import scratch_database

pytestmark = pytest.mark.postgres_only

SELF_REVOKING = r"^/api/v1/(auth/logout|me/password|users/\{user_id\}/password)$"
EDGE_DATES = ("0001-01-01", "1899-12-31", "1900-01-01", "2199-12-31", "2200-01-01", "9999-12-31")
EDGE_INSTANTS = (
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T00:00:00Z",
    "1899-12-31T23:59:59-14:00",
    "1900-01-01T00:00:00+14:00",
    "2199-12-31T23:59:59-14:00",
    "2200-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59Z",
)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")

APP = create_app(Settings(env="test", database_url="sqlite+aiosqlite://", secret_key=TEST_SECRET))


def _takes_a_date(node: Any, components: dict[str, Any], seen: frozenset[str] = frozenset()) -> bool:
    if isinstance(node, list):
        return any(_takes_a_date(item, components, seen) for item in node)
    if not isinstance(node, dict):
        return False
    if node.get("format") in ("date", "date-time"):
        return True
    if isinstance(ref := node.get("$ref"), str):
        name = ref.rsplit("/", 1)[-1]
        return name not in seen and _takes_a_date(components.get(name), components, seen | {name})
    return any(_takes_a_date(value, components, seen) for value in node.values())


def operations_with_dates(document: dict[str, Any]) -> list[str]:
    components = document.get("components", {}).get("schemas", {})
    return [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if _takes_a_date([operation.get("parameters", []), operation.get("requestBody", {})], components)
    ]


def _without_examples(node: Any) -> Any:
    """The document less its examples: this module draws its own data (`@schema.given`), which schemathesis does not
    combine with a schema's examples (the other modules and the live run use them)."""
    if isinstance(node, dict):
        return {k: _without_examples(v) for k, v in node.items() if k not in ("examples", "example")}
    if isinstance(node, list):
        return [_without_examples(item) for item in node]
    return node


APP.openapi_schema = _without_examples(APP.openapi())
DATED = operations_with_dates(APP.openapi())
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).include(name=DATED).exclude(path_regex=SELF_REVOKING)
# the caller's own credentials on every case (no generated X-API-Key), so every case reaches its dates
schema.config.generation.update(
    modes=[GenerationMode.NEGATIVE, GenerationMode.POSITIVE], with_security_parameters=False
)


def _at_the_edge(value: Any, draw: Any) -> Any:
    """`value` with each date or instant string in it replaced, or not, by an edge of its kind."""
    if isinstance(value, dict):
        return {k: _at_the_edge(v, draw) for k, v in value.items()}
    if isinstance(value, list):
        return [_at_the_edge(v, draw) for v in value]
    if isinstance(value, str) and DATE.match(value):
        return draw(st.sampled_from((value, *EDGE_DATES)))
    if isinstance(value, str) and INSTANT.match(value):
        return draw(st.sampled_from((value, *EDGE_INSTANTS)))
    return value


DUTY_OF = {  # path → the administrator whose duty it is; every other operation runs as the prefecture admin
    Role.SECURITY_ADMIN: re.compile(r"^/api/v1/users/\{user_id\}/(role|unlock)$"),
    Role.SYSTEM_ADMIN: re.compile(r"^/api/v1/(users|service-accounts)"),
    Role.AUDIT_ADMIN: re.compile(r"^/api/v1/audit-events"),
}


async def _admins(url: str) -> dict[Role, str]:
    engine = create_async_engine(url, poolclass=NullPool)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await seed_jurisdictions(session)
        await session.commit()
        admins = {role: await make_user(session, role) for role in (Role.PREFECTURE_ADMIN, *DUTY_OF)}
    await engine.dispose()
    return {role: user.username for role, user in admins.items()}


@pytest.fixture(scope="module")
def admin_headers(tmp_path_factory):
    """Signed in as the business administrator, and as the administrator whose duty an operation is (三权分立), each
    with a full session (no second factor asked here: that is tests/api/test_two_factor.py), so every operation
    reaches its date checks instead of stopping at 403."""
    if BACKEND != "postgres":
        pytest.skip("runs on PostgreSQL")
    from starlette.testclient import TestClient

    with scratch_database("zhijian_dates") as url:
        usernames = asyncio.run(_admins(url))
        APP.state.settings = Settings(
            env="test",
            database_url=url,
            secret_key=TEST_SECRET,
            upload_dir=tmp_path_factory.mktemp("uploads"),
            two_factor_roles=[],
            access_token_minutes=120,
        )
        APP.state.engine = create_async_engine(url, poolclass=NullPool)  # requests may run on fresh event loops
        APP.state.sessionmaker = make_sessionmaker(APP.state.engine)
        headers = {}
        with TestClient(APP) as client:
            for role, username in usernames.items():
                response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
                assert response.status_code == 200 and response.json()["restriction"] is None, response.text
                headers[role] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        yield headers


def _signed_in_for(path: str, headers: dict[Role, dict[str, str]]) -> dict[str, str]:
    return next((headers[role] for role, paths in DUTY_OF.items() if paths.match(path)), headers[Role.PREFECTURE_ADMIN])


def test_the_operations_with_dates_are_found() -> None:
    assert {"POST /api/v1/visits", "GET /api/v1/enterprises", "GET /api/v1/audit-events"} <= set(DATED)


@schema.parametrize()
@schema.given(data=st.data())
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
def test_dates_at_the_edge_and_negative_data_never_reach_a_server_error(case, data, admin_headers):
    draw = data.draw
    if case.query:
        case.query = _at_the_edge(case.query, draw)
    if isinstance(case.body, dict | list):
        case.body = _at_the_edge(case.body, draw)
    response = case.call_and_validate(headers=_signed_in_for(case.path, admin_headers), checks=[not_a_server_error])
    stopped_at_the_door = response.status_code == 401 or (
        response.status_code == 403
        and any(door in response.text for door in ("missing permission", "password-expired", "two-factor-enrolment"))
    )
    assert not stopped_at_the_door, f"the dates were not reached: {response.text}"
