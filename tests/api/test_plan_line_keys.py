"""A plan line names an existing plan, enterprise and county (PostgreSQL, real connections, READ COMMITTED): the
three foreign keys of `plan_item` are checked once per statement by triggers since migration 0021p, and everything
the keys guaranteed still holds — a line naming a missing parent is refused, written or changed, one line or many;
a parent named by lines cannot be deleted, change its key or be truncated; a parent deleted while lines naming it
are written waits for them and is refused, and lines written while their parent is deleted wait and are refused."""

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import pytest

from tests.api.conftest import BACKEND
from tests.api.test_kept_figures_concurrency import in_turn, new_enterprise, waits
from tests.databases import driver_url, scratch_database

pytestmark = [pytest.mark.anyio, pytest.mark.postgres_only]

NOW = datetime(2026, 7, 1, tzinfo=UTC)
COUNTY, EMPTY_COUNTY = "654201", "654202"  # the enterprises' county; a county no enterprise is in
PLAN_KEY = "fk_plan_item_plan_id_plan"
ENTERPRISE_KEY = "fk_plan_item_enterprise_id_enterprise"
COUNTY_KEY = "fk_plan_item_county_code_jurisdiction"
YEARS = itertools.count(3000)  # one plan per prefecture and year: each test's own year
LINE = (
    "INSERT INTO plan_item (plan_id, enterprise_id, county_code, risk_class, rule_minimum, required_visits, reasons, "
    "due_dates, source, version, created_at, updated_at) "
    "SELECT p, e, c, 'B', 1, 1, '[]', '[]', 'added', 1, $4, $4 "
    "FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS l(p, e, c)"
)


@pytest.fixture(scope="module")
def database() -> Any:
    if BACKEND != "postgres":
        pytest.skip("the lines' keys are checked by triggers on PostgreSQL")
    with scratch_database("zhijian_line_keys") as url:
        yield driver_url(url)


@pytest.fixture
async def connections(database: str) -> AsyncIterator[tuple[asyncpg.Connection, asyncpg.Connection]]:
    first, second = await asyncpg.connect(database), await asyncpg.connect(database)
    await first.execute(
        "INSERT INTO jurisdiction (code, name, level, path) VALUES ('654200', '塔城地区', 'prefecture', '654200/'),"
        " ($1, '塔城市', 'county', $3), ($2, '乌苏市', 'county', $4) ON CONFLICT DO NOTHING",
        COUNTY, EMPTY_COUNTY, f"654200/{COUNTY}/", f"654200/{EMPTY_COUNTY}/",
    )  # fmt: skip
    yield first, second
    await first.close()
    await second.close()


async def enterprise(conn: asyncpg.Connection) -> uuid.UUID:
    made = uuid.uuid4()
    await new_enterprise(conn, made)
    return made


async def plan(conn: asyncpg.Connection) -> uuid.UUID:
    made = uuid.uuid4()
    await conn.execute(
        "INSERT INTO plan (id, prefecture_code, year, status, as_of, ruleset_year, created_at, refreshed_at) "
        "VALUES ($1, '654200', $2, 'draft', $3, 2022, $4, $4)",
        made, next(YEARS), date(2026, 1, 1), NOW,
    )  # fmt: skip
    return made


async def lines(conn: asyncpg.Connection, *named: tuple[uuid.UUID, uuid.UUID, str]) -> None:
    """One statement writing a line per (plan, enterprise, county)."""
    plans, enterprises, counties = (list(column) for column in zip(*named, strict=True))
    await conn.execute(LINE, plans, enterprises, counties, NOW)


async def refused(key: str, statement: Any) -> None:
    with pytest.raises(asyncpg.ForeignKeyViolationError) as raised:
        await statement
    assert raised.value.constraint_name == key


async def test_a_line_of_a_plan_an_enterprise_or_a_county_that_does_not_exist_is_refused(connections) -> None:
    first, _ = connections
    the_plan, the_enterprise = await plan(first), await enterprise(first)
    await refused(PLAN_KEY, lines(first, (uuid.uuid4(), the_enterprise, COUNTY)))
    await refused(ENTERPRISE_KEY, lines(first, (the_plan, uuid.uuid4(), COUNTY)))
    await refused(COUNTY_KEY, lines(first, (the_plan, the_enterprise, "659999")))
    assert await first.fetchval("SELECT count(*) FROM plan_item WHERE plan_id = $1", the_plan) == 0


async def test_many_lines_at_once_are_refused_for_one_missing_enterprise_among_them(connections) -> None:
    first, _ = connections
    the_plan, other_plan = await plan(first), await plan(first)
    enterprises = [await enterprise(first) for _ in range(30)]
    many = [(the_plan, e, COUNTY) for e in enterprises]
    twice = [*many, (other_plan, enterprises[0], COUNTY)]  # one enterprise in two plans: named twice, still there
    await refused(ENTERPRISE_KEY, lines(first, *twice, (the_plan, uuid.uuid4(), COUNTY)))
    assert await first.fetchval("SELECT count(*) FROM plan_item WHERE plan_id = ANY($1)", [the_plan, other_plan]) == 0
    await lines(first, *twice)
    assert await first.fetchval("SELECT count(*) FROM plan_item WHERE plan_id = ANY($1)", [the_plan, other_plan]) == 31


async def test_a_lines_plan_enterprise_or_county_changed_to_one_that_does_not_exist_is_refused(connections) -> None:
    first, _ = connections
    the_plan, the_enterprise, other_enterprise = await plan(first), await enterprise(first), await enterprise(first)
    await lines(first, (the_plan, the_enterprise, COUNTY))
    change = "UPDATE plan_item SET {} = $2 WHERE plan_id = $1"
    await refused(PLAN_KEY, first.execute(change.format("plan_id"), the_plan, uuid.uuid4()))
    await refused(ENTERPRISE_KEY, first.execute(change.format("enterprise_id"), the_plan, uuid.uuid4()))
    await refused(COUNTY_KEY, first.execute(change.format("county_code"), the_plan, "659999"))
    await first.execute(change.format("enterprise_id"), the_plan, other_enterprise)  # to one that exists: goes on
    await first.execute(change.format("county_code"), the_plan, EMPTY_COUNTY)
    row = await first.fetchrow("SELECT enterprise_id, county_code FROM plan_item WHERE plan_id = $1", the_plan)
    assert tuple(row) == (other_enterprise, EMPTY_COUNTY)


async def test_a_plan_an_enterprise_or_a_county_named_by_lines_cannot_be_deleted(connections) -> None:
    first, _ = connections
    the_plan, the_enterprise = await plan(first), await enterprise(first)
    await lines(first, (the_plan, the_enterprise, EMPTY_COUNTY))
    await refused(PLAN_KEY, first.execute("DELETE FROM plan WHERE id = $1", the_plan))
    await refused(ENTERPRISE_KEY, first.execute("DELETE FROM enterprise WHERE id = $1", the_enterprise))
    await refused(COUNTY_KEY, first.execute("DELETE FROM jurisdiction WHERE code = $1", EMPTY_COUNTY))
    await first.execute("DELETE FROM plan_item WHERE plan_id = $1", the_plan)
    await first.execute("DELETE FROM enterprise WHERE id = $1", the_enterprise)  # no line names it now: it goes


async def test_a_plan_an_enterprise_or_a_county_named_by_lines_keeps_its_key(connections) -> None:
    first, _ = connections
    the_plan, the_enterprise = await plan(first), await enterprise(first)
    await lines(first, (the_plan, the_enterprise, EMPTY_COUNTY))
    await refused(PLAN_KEY, first.execute("UPDATE plan SET id = $2 WHERE id = $1", the_plan, uuid.uuid4()))
    await refused(
        ENTERPRISE_KEY, first.execute("UPDATE enterprise SET id = $2 WHERE id = $1", the_enterprise, uuid.uuid4())
    )
    await refused(COUNTY_KEY, first.execute("UPDATE jurisdiction SET code = '659998' WHERE code = $1", EMPTY_COUNTY))
    await first.execute("UPDATE enterprise SET name = '改名' WHERE id = $1", the_enterprise)  # other columns change


async def tables_referencing(conn: asyncpg.Connection, table: str) -> list[str]:
    """`table` and every table whose foreign keys lead to it, but for `plan_item`: what TRUNCATE needs beside it."""
    return await conn.fetchval(
        """
        WITH RECURSIVE held(name) AS (
          SELECT $1::text
          UNION
          SELECT c.conrelid::regclass::text FROM pg_constraint c JOIN held h ON c.confrelid = h.name::regclass
           WHERE c.contype = 'f' AND c.conrelid <> 'plan_item'::regclass
        )
        SELECT array_agg(name) FROM held  -- as regclass spells them: quoted where needed
        """,
        table,
    )


@pytest.mark.parametrize("parent", ["plan", "enterprise"])
async def test_a_parent_of_lines_is_not_truncated_unless_the_lines_are_too(connections, parent: str) -> None:
    first, _ = connections
    await lines(first, (await plan(first), await enterprise(first), COUNTY))
    tables = ", ".join(await tables_referencing(first, parent))
    truncation = first.transaction()
    await truncation.start()
    try:
        with pytest.raises(asyncpg.FeatureNotSupportedError, match="cannot truncate a table referenced"):
            await first.execute(f"TRUNCATE {tables}")
    finally:
        await truncation.rollback()
    truncation = first.transaction()
    await truncation.start()
    try:
        await first.execute(f"TRUNCATE {tables}, plan_item, plan_adjustment")  # lines and all: goes
    finally:
        await truncation.rollback()  # the module's other tests keep their rows


async def test_an_enterprise_deleted_while_lines_naming_it_are_written_waits_and_is_refused(connections) -> None:
    first, second = connections
    the_plan, the_enterprise = await plan(first), await enterprise(first)
    deletion = second.execute("DELETE FROM enterprise WHERE id = $1", the_enterprise)
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await in_turn(
            first,
            second,
            lines(first, (the_plan, the_enterprise, COUNTY)),
            deletion,
            "the delete waits for the enterprise held by the writer of its lines",
        )
    await second.execute("ROLLBACK")
    assert await first.fetchval("SELECT count(*) FROM enterprise WHERE id = $1", the_enterprise) == 1
    assert await first.fetchval("SELECT count(*) FROM plan_item WHERE enterprise_id = $1", the_enterprise) == 1


async def test_lines_written_while_their_enterprise_is_deleted_wait_and_are_refused(connections) -> None:
    first, second = connections
    the_plan, the_enterprise = await plan(first), await enterprise(first)
    one, two = first.transaction(), second.transaction()
    await one.start()
    await two.start()
    await first.execute("DELETE FROM enterprise WHERE id = $1", the_enterprise)
    writing = asyncio.ensure_future(lines(second, (the_plan, the_enterprise, COUNTY)))
    assert await waits(writing, second, first), "the lines wait for the enterprise being deleted"
    await one.commit()
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await writing
    await two.rollback()
    assert await first.fetchval("SELECT count(*) FROM plan_item WHERE enterprise_id = $1", the_enterprise) == 0
