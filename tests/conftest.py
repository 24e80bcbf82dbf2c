"""A fresh database per run (unique name, migrated by Alembic, dropped at the end); each test isolated.

PostgreSQL (default): every test runs inside one outer transaction that is rolled back; the app's
sessions and the builders use savepoints on that connection, so their commits never leave the test.
SQLite (TEST_BACKEND=sqlite): every test gets a copy of the migrated template file.
"""

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.cli import migrate
from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.seed import seed_jurisdictions

BACKEND = os.environ.get("TEST_BACKEND", "postgres")
PG_HOST = os.environ.get("TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("TEST_PG_USER", "postgres")
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


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory):
    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "template.db"
        url = f"sqlite+aiosqlite:///{path}"
        migrate(url)
        asyncio.run(_seed(url))
        yield url
        return
    name = f"zhijian_test_{uuid.uuid4().hex[:12]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    try:
        migrate(url)
        asyncio.run(_seed(url))
        yield url
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def settings(database_url: str, tmp_path) -> Settings:  # noqa: ANN001
    return Settings(
        env="test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        upload_dir=tmp_path / "uploads",
        import_heartbeat_seconds=3600,  # tests share one connection: no beat may run beside a job
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
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
