"""Scratch PostgreSQL databases for the tests: created with a unique name, migrated, always dropped."""

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg

from app.cli import migrate

PG_HOST = os.environ.get("TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("TEST_PG_USER", "postgres")


def _admin_sql(sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database="postgres")
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """A fresh database migrated to the newest schema; its URL is yielded and it is dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    _admin_sql(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    try:
        migrate(url)
        yield url
    finally:
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def driver_url(url: str) -> str:
    """The URL of a scratch database as asyncpg itself takes it (for tests that hold two raw connections)."""
    return url.replace("postgresql+asyncpg", "postgresql")
