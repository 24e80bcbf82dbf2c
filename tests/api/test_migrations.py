"""Every migration has a working downgrade: up to the newest schema, down to nothing, and up again."""

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table)
from alembic import command
from app.cli import alembic_config, migrate
from tests.api.conftest import BACKEND
from tests.databases import scratch_database

MODEL_TABLES = set(SQLModel.metadata.tables)


def _tables(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                return set(await conn.run_sync(lambda c: sa.inspect(c).get_table_names()))
        finally:
            await engine.dispose()

    return asyncio.run(read()) - {"alembic_version"}


def _round_trip(url: str) -> None:
    assert _tables(url) >= MODEL_TABLES, "the newest schema holds every model's table"
    command.downgrade(alembic_config(url), "base")
    assert not (_tables(url) & MODEL_TABLES), "down to nothing: no model's table is left"
    migrate(url)
    assert _tables(url) >= MODEL_TABLES


@pytest.mark.postgres_only
def test_the_schema_goes_down_to_nothing_and_up_again_on_postgresql():
    if BACKEND != "postgres":
        pytest.skip("runs on PostgreSQL")
    with scratch_database("zhijian_migrations") as url:  # created at the newest schema
        _round_trip(url)
        command.downgrade(alembic_config(url), "0007")  # the newest steps alone, down and up
        assert "import_heartbeat" in _tables(url)
        migrate(url)
        assert _tables(url) >= MODEL_TABLES


def test_the_schema_goes_down_to_nothing_and_up_again_on_sqlite(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'round-trip.db'}"
    migrate(url)
    _round_trip(url)
