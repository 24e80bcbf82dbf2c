"""Migration 0011l: stored licence numbers move to their canonical form and get their lookup key; the same licence
stored twice stops the upgrade, named; the downgrade drops the key and keeps the canonical numbers."""

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from alembic import command
from app.cli import alembic_config, migrate
from tests.api.conftest import BACKEND
from tests.databases import scratch_database

BEFORE, THIS = "0010", "0011l"


@pytest.fixture
def url_at_0010(tmp_path) -> Iterator[str]:  # noqa: ANN001
    if BACKEND == "postgres":
        with scratch_database("zhijian_licence_key") as url:
            command.downgrade(alembic_config(url), BEFORE)
            yield url
        return
    url = f"sqlite+aiosqlite:///{tmp_path / 'licence-key.db'}"
    migrate(url, BEFORE)
    yield url


def _run(url: str, work) -> object:  # noqa: ANN001
    async def go() -> object:
        engine = create_async_engine(url)
        try:
            async with engine.begin() as conn:
                return await conn.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _store_licences(url: str, numbers: list[str]) -> None:
    now = datetime.now(UTC)

    def table(name: str, conn: sa.Connection) -> sa.TableClause:
        """The table as it is at 0010, its uuid columns typed as such (reflection sees CHAR(32) on SQLite)."""
        names = [c["name"] for c in sa.inspect(conn).get_columns(name)]
        return sa.table(name, *(sa.column(n, sa.Uuid() if n in ("id", "enterprise_id") else None) for n in names))

    def work(conn: sa.Connection) -> None:
        conn.execute(table("jurisdiction", conn).insert(), [{"code": "654201", "name": "塔城市", "level": "county"}])
        enterprise_id = uuid.uuid4()
        conn.execute(
            table("enterprise", conn).insert(),
            [
                {
                    "id": enterprise_id,
                    "credit_code": "91654201MA0000001X",
                    "name": "塔城测试制造有限公司",
                    "county_code": "654201",
                    "risk_class": "B",
                    "status": "operating",
                    "key_industry": False,
                    "key_region": False,
                    "key_enterprise": False,
                    "key_product": False,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            ],
        )
        conn.execute(
            table("licence", conn).insert(),
            [
                {
                    "id": uuid.uuid4(),
                    "enterprise_id": enterprise_id,
                    "licence_no": number,
                    "product_category": "水泥",
                    "expires_on": date(2029, 1, 1),
                    "status": "valid",
                    "source": "manual",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for number in numbers
            ],
        )

    _run(url, work)


def _stored(url: str) -> list[tuple]:
    def work(conn: sa.Connection) -> list[tuple]:
        columns = [c["name"] for c in sa.inspect(conn).get_columns("licence")]
        names = ["licence_no", "lookup_key"] if "lookup_key" in columns else ["licence_no"]
        rows = conn.execute(sa.text(f"SELECT {', '.join(names)} FROM licence ORDER BY licence_no"))
        return [tuple(r) for r in rows]

    return _run(url, work)  # type: ignore[return-value]


def test_stored_numbers_are_canonicalised_and_keyed_and_the_downgrade_keeps_them(url_at_0010):
    _store_licences(url_at_0010, ["（新）XK16—204—00397", "XK08-001-00001", "(新)xk13 200 00002"])

    command.upgrade(alembic_config(url_at_0010), THIS)
    assert _stored(url_at_0010) == [
        ("XK08-001-00001", "XK08-001-00001"),
        ("新XK13-200-00002", "XK13-200-00002"),
        ("新XK16-204-00397", "XK16-204-00397"),
    ]

    command.downgrade(alembic_config(url_at_0010), BEFORE)
    assert _stored(url_at_0010) == [("XK08-001-00001",), ("新XK13-200-00002",), ("新XK16-204-00397",)]


def test_the_same_licence_stored_twice_stops_the_upgrade_naming_both(url_at_0010):
    _store_licences(url_at_0010, ["新XK16-204-00397", "XK16-204-00397"])
    with pytest.raises(RuntimeError, match="XK16-204-00397: XK16-204-00397 / 新XK16-204-00397"):
        command.upgrade(alembic_config(url_at_0010), THIS)
