"""Property-based contract test: generated requests against every operation, signed in as the prefecture admin.

No operation may answer 5xx; every response must match the documented status codes, content types and schemas.
It runs on its own database (requests here really commit), created and dropped by the fixture.
"""

import asyncio

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import make_sessionmaker
from app.domain.permissions import Role
from app.main import create_app
from app.seed import seed_jurisdictions
from tests.builders import PASSWORD, make_user
from tests.conftest import BACKEND, TEST_SECRET
from tests.databases import scratch_database

pytestmark = pytest.mark.postgres_only

# Revoking the caller's own session would end the run; they are covered by tests/api/test_auth.py.
SELF_REVOKING = r"^/api/v1/(auth/logout|me/password|users/\{user_id\}/password)$"


async def _prepare(url: str) -> str:
    engine = create_async_engine(url, poolclass=NullPool)
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await seed_jurisdictions(session)
        await session.commit()
        admin = await make_user(session, Role.PREFECTURE_ADMIN)
    await engine.dispose()
    return admin.username


# The app is built at import (schemathesis reads its schema then); the fixture points it at a fresh database.
APP = create_app(Settings(env="test", database_url="sqlite+aiosqlite://", secret_key=TEST_SECRET))


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory):
    if BACKEND != "postgres":
        pytest.skip("runs on PostgreSQL")
    with scratch_database("zhijian_fuzz") as url:
        username = asyncio.run(_prepare(url))
        APP.state.settings = Settings(
            env="test", database_url=url, secret_key=TEST_SECRET, upload_dir=tmp_path_factory.mktemp("uploads")
        )
        # every request may run on a fresh event loop: no pooled connections may outlive one
        APP.state.engine = create_async_engine(url, poolclass=NullPool)
        APP.state.sessionmaker = make_sessionmaker(APP.state.engine)
        yield APP, username


@pytest.fixture(scope="module")
def admin_headers(fuzz_target):
    from starlette.testclient import TestClient

    app, username = fuzz_target
    with TestClient(app) as client:
        response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


schema = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(path_regex=SELF_REVOKING)


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_operation_answers_5xx_or_breaks_its_contract(case, fuzz_target, admin_headers):
    case.call_and_validate(
        headers=admin_headers,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
