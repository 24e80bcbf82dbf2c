"""A fresh database per run (unique name, migrated by Alembic, dropped at the end); each test isolated.

PostgreSQL (default): every test runs inside one outer transaction that is rolled back; the app's
sessions and the builders use savepoints on that connection, so their commits never leave the test.
SQLite (TEST_BACKEND=sqlite): every test gets a copy of the migrated template file.
"""

import asyncio
import os
import shutil
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.cli import migrate
from app.core import personal_data
from app.core.config import Settings
from app.core.db import make_engine
from app.main import create_app
from app.seed.jurisdictions import seed_jurisdictions
from tests.api.declared_headers import DeclaredHeaders
from tests.databases import scratch_database

BACKEND = os.environ.get("TEST_BACKEND", "postgres")
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


async def _seed(url: str) -> None:
    engine = make_engine(url)
    async with AsyncSession(engine) as session:
        await seed_jurisdictions(session)
        await session.commit()
    await engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def personal_data_cipher() -> personal_data.Sm4GcmCipher:
    """What the app installs at start-up, for the builders and migrations that run without an app."""
    return personal_data.install(Settings(env="test", secret_key=TEST_SECRET))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory):
    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "template.db"
        url = f"sqlite+aiosqlite:///{path}"
        migrate(url)
        asyncio.run(_seed(url))
        yield url
        return
    with scratch_database("zhijian_test") as url:
        asyncio.run(_seed(url))
        yield url


@pytest.fixture
def settings(database_url: str, tmp_path) -> Settings:  # noqa: ANN001
    return Settings(
        env="test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        upload_dir=tmp_path / "uploads",
        import_heartbeat_seconds=3600,  # tests share one connection: no beat may run beside a job
        # the suite signs in as every role many times a minute; two-factor sign-in, with the default roles, is
        # proven in test_two_factor.py (and the access matrix runs with the default settings)
        two_factor_roles=[],
    )


@pytest.fixture(scope="session")
async def pg_engine(database_url: str) -> AsyncIterator[AsyncEngine | None]:
    if BACKEND == "sqlite":
        yield None
        return
    engine = make_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def sessionmaker(
    pg_engine: AsyncEngine | None, database_url: str, tmp_path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:  # noqa: ANN001
    if pg_engine is None:
        copy = tmp_path / "test.db"
        shutil.copy(database_url.split("///", 1)[1], copy)
        engine = make_engine(f"sqlite+aiosqlite:///{copy}")
        yield async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
        await engine.dispose()
        return
    async with pg_engine.connect() as conn:
        outer = await conn.begin()
        yield async_sessionmaker(
            bind=conn, class_=AsyncSession, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        await outer.rollback()


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as s:
        yield s


@pytest.fixture
async def app(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]):  # noqa: ANN201
    application = create_app(settings)
    application.state.sessionmaker = sessionmaker
    yield application
    await application.state.engine.dispose()


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # noqa: ANN001
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=("203.0.113.7", 50000))
    hooks = {"response": [DeclaredHeaders(app)]}
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver", event_hooks=hooks) as c:
        yield c
