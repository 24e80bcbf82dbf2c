"""Kept figures under concurrent writers (PostgreSQL, two real connections, READ COMMITTED): two inspectors
submitting at once both count, and a plan line added while a visit is being submitted counts that visit — one line
at a time (each counter held) and a whole plan at once (the counters table held); two visits to two enterprises of
a county at once both reach the county's plan figures; two steps of one finding's loop recorded at once both
count, and so do two findings found in a county on one day. A line's figures follow the line (deleted, truncated,
never orphaned, a delete waiting for a writer of its figures) as the foreign key made them do before migration
0019p."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import pytest

from tests.api.conftest import BACKEND
from tests.databases import driver_url, scratch_database

pytestmark = [pytest.mark.anyio, pytest.mark.postgres_only]

NOW = datetime(2026, 7, 1, tzinfo=UTC)
COUNTY = "654201"
VERIFY = """
SELECT (SELECT coalesce(sum(visits), 0) FROM enterprise_visit_figure WHERE enterprise_id = $1),
       (SELECT coalesce(sum(visits), 0) FROM visit_day_figure),
       (SELECT visits_done FROM plan_line_figure WHERE enterprise_id = $1)
"""


@pytest.fixture(scope="module")
def database() -> Any:
    if BACKEND != "postgres":
        pytest.skip("figures are kept on PostgreSQL")
    with scratch_database("zhijian_kept_race") as url:
        yield driver_url(url)


@pytest.fixture
async def connections(database: str) -> AsyncIterator[tuple[asyncpg.Connection, asyncpg.Connection, uuid.UUID]]:
    first, second = await asyncpg.connect(database), await asyncpg.connect(database)
    enterprise = uuid.uuid4()
    await first.execute(
        "INSERT INTO jurisdiction (code, name, level, path) VALUES ('654200', '塔城地区', 'prefecture', '654200/'),"
        " ($1, '塔城市', 'county', $2) ON CONFLICT DO NOTHING",
        COUNTY,
        f"654200/{COUNTY}/",
    )
    await new_enterprise(first, enterprise)
    yield first, second, enterprise
    await first.close()
    await second.close()


async def new_enterprise(conn: asyncpg.Connection, enterprise: uuid.UUID) -> None:
    await conn.execute(
        "INSERT INTO enterprise (id, credit_code, name, county_code, risk_class, status, key_industry, key_region, "
        "key_enterprise, key_product, version, created_at, updated_at) "
        "VALUES ($1, $2, '企业', $3, 'B', 'operating', false, false, false, false, 1, $4, $4)",
        enterprise, uuid.uuid4().hex[:18].upper(), COUNTY, NOW,
    )  # fmt: skip


async def archived_visit(conn: asyncpg.Connection, enterprise: uuid.UUID) -> None:
    await conn.execute(
        "INSERT INTO visit (id, enterprise_id, county_code, visit_type, visit_date, status, covers_full_checklist, "
        "supervisory_functions, checklist, version, created_at, updated_at) "
        "VALUES ($1, $2, $3, 'routine_patrol', $4, 'archived', true, '[]', '{}', 1, $5, $5)",
        uuid.uuid4(), enterprise, COUNTY, date(2026, 6, 30), NOW,
    )  # fmt: skip


async def plan_line(conn: asyncpg.Connection, enterprise: uuid.UUID) -> None:
    plan = await conn.fetchval("SELECT id FROM plan WHERE year = 2026")
    if plan is None:
        plan = uuid.uuid4()
        await conn.execute(
            "INSERT INTO plan (id, prefecture_code, year, status, as_of, ruleset_year, created_at, refreshed_at) "
            "VALUES ($1, '654200', 2026, 'issued', $2, 2022, $3, $3)",
            plan, date(2026, 1, 1), NOW,
        )  # fmt: skip
    await conn.execute(
        "INSERT INTO plan_item (id, plan_id, enterprise_id, county_code, risk_class, rule_minimum, required_visits, "
        "reasons, due_dates, source, version, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, 'B', 1, 2, '[]', '[]', 'added', 1, $5, $5)",
        uuid.uuid4(), plan, enterprise, COUNTY, NOW,
    )  # fmt: skip


async def waits(task: asyncio.Task, blocked: asyncpg.Connection, watcher: asyncpg.Connection) -> bool:
    """True once the server says `blocked` waits for a lock; False if its statement finishes first."""
    pid = blocked.get_server_pid()
    for _ in range(500):
        if task.done():
            return False
        state = await watcher.fetchval("SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1", pid)
        if state == "Lock":
            return True
        await asyncio.sleep(0.01)
    return False


async def in_turn(
    first: asyncpg.Connection, second: asyncpg.Connection, holding: Awaitable[Any], waiting: Awaitable[Any], why: str
) -> None:
    """Both connections in a transaction; `holding` writes on `first`, `waiting` on `second` must wait for the lock
    `first` holds (asserted, with `why`); then `first` commits, `waiting` finishes, and `second` commits."""
    one, two = first.transaction(), second.transaction()
    await one.start()
    await two.start()
    await holding
    task = asyncio.ensure_future(waiting)
    assert await waits(task, second, first), why
    await one.commit()
    await task
    await two.commit()


async def test_two_inspectors_submitting_at_once_both_count(connections) -> None:
    first, second, enterprise = connections
    await plan_line(first, enterprise)
    before = await first.fetchrow(VERIFY, enterprise)
    await in_turn(
        first,
        second,
        archived_visit(first, enterprise),
        archived_visit(second, enterprise),
        "the second waits for the first's counter row",
    )
    after = await first.fetchrow(VERIFY, enterprise)
    assert [after[i] - before[i] for i in range(3)] == [2, 2, 2]


async def test_a_line_added_while_a_visit_is_submitted_counts_the_visit(connections) -> None:
    first, second, enterprise = connections
    # the enterprise's first visit of the year: its counter is new
    await in_turn(
        first,
        second,
        archived_visit(first, enterprise),
        plan_line(second, enterprise),
        "the line waits for the visit's counter",
    )
    assert (await first.fetchrow(VERIFY, enterprise))[2] == 1


async def test_a_visit_submitted_while_a_line_is_added_counts_on_the_line(connections) -> None:
    first, second, enterprise = connections
    await in_turn(
        first,
        second,
        plan_line(first, enterprise),
        archived_visit(second, enterprise),
        "the visit waits for the line's hold on the counter",
    )
    assert (await first.fetchrow(VERIFY, enterprise))[2] == 1


PLAN_COUNTY = """
SELECT (SELECT coalesce(sum(plan_visits_done), 0) FROM plan_county_figure),
       (SELECT coalesce(sum(least(visits_done_here, required_visits)), 0) FROM plan_line_figure)
"""


async def test_two_visits_to_two_enterprises_of_a_county_counted_at_once_both_reach_its_plan_figures(
    connections,
) -> None:
    first, second, enterprise = connections
    other = uuid.uuid4()
    await new_enterprise(first, other)
    await plan_line(first, enterprise)
    await plan_line(first, other)
    before = await first.fetchrow(PLAN_COUNTY)
    await in_turn(
        first,
        second,
        archived_visit(first, enterprise),
        archived_visit(second, other),
        "the second waits for the county's counters the first holds",
    )
    after = await first.fetchrow(PLAN_COUNTY)
    assert after[0] - before[0] == 2
    assert after[0] == after[1]  # the county's sums are those of its lines


FINDING_FIGURES = "findings, rectified, overdue, cases_filed, late_reinspections"
KEPT_FINDINGS = f"""
SELECT county_code, year, day, {FINDING_FIGURES} FROM finding_day_figure
 WHERE ({FINDING_FIGURES}) <> (0, 0, 0, 0, 0) ORDER BY 1, 2, 3
"""  # a day whose changes cancelled out keeps a row of zeros
RECOUNTED_FINDINGS = f"""
SELECT f.county_code, c.year, c.day, {", ".join(f"sum({n.strip()})::integer" for n in FINDING_FIGURES.split(","))}
  FROM finding f, figures_of_finding(f) c GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
"""


async def finding(conn: asyncpg.Connection, enterprise: uuid.UUID) -> uuid.UUID:
    """A finding found on 2026-06-30, due 2026-07-10, open."""
    visit = await conn.fetchval("SELECT id FROM visit WHERE enterprise_id = $1 LIMIT 1", enterprise)
    if visit is None:
        await archived_visit(conn, enterprise)
        visit = await conn.fetchval("SELECT id FROM visit WHERE enterprise_id = $1 LIMIT 1", enterprise)
    found = uuid.uuid4()
    await conn.execute(
        "INSERT INTO finding (id, visit_id, enterprise_id, county_code, description, severity, found_on, "
        "original_deadline, deadline, status, extensions_used, failed_reinspections, reinspection_passed, "
        "case_filed, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, '问题', 'violation', $5, $6, $6, 'open', 0, 0, false, false, $7, $7)",
        found, visit, enterprise, COUNTY, date(2026, 6, 30), date(2026, 7, 10), NOW,
    )  # fmt: skip
    return found


async def step(conn: asyncpg.Connection, finding_id: uuid.UUID, kind: str) -> None:
    await conn.execute(
        "INSERT INTO finding_step (id, finding_id, kind, at, actor_name, attachment_ids, case_filed_on) "
        "VALUES ($1, $2, $3, $4, 'test', '[]', $5)",
        uuid.uuid4(), finding_id, kind, NOW, date(2026, 7, 1) if kind == "case" else None,
    )  # fmt: skip


async def test_two_steps_of_one_findings_loop_recorded_at_once_both_count(connections) -> None:
    first, second, enterprise = connections
    found = await finding(first, enterprise)
    await in_turn(
        first,
        second,
        step(first, found, "case"),
        step(second, found, "rectification"),
        "the second step waits for the first's hold on the finding",
    )
    assert await first.fetch(KEPT_FINDINGS) == await first.fetch(RECOUNTED_FINDINGS)
    kinds = await first.fetch("SELECT kind FROM finding_step WHERE finding_id = $1 ORDER BY kind", found)
    assert [k["kind"] for k in kinds] == ["case", "rectification"]


async def test_two_findings_found_in_a_county_on_one_day_at_once_both_count(connections) -> None:
    first, second, enterprise = connections
    await finding(first, enterprise)  # the day's row exists: both writers add to it
    before = await first.fetchval("SELECT coalesce(sum(findings), 0) FROM finding_day_figure")
    await in_turn(
        first,
        second,
        finding(first, enterprise),
        finding(second, enterprise),
        "the second waits for the first's day row",
    )
    assert await first.fetchval("SELECT coalesce(sum(findings), 0) FROM finding_day_figure") == before + 2
    assert await first.fetch(KEPT_FINDINGS) == await first.fetch(RECOUNTED_FINDINGS)


BULK_LINES = 1000  # migration 0017p: a statement of this many lines holds the counters table, not each row


async def plan_of_many_lines(conn: asyncpg.Connection, enterprise: uuid.UUID, year: int) -> None:
    """A plan's worth of lines in one statement (as generating a plan COPYs them): `enterprise` and others."""
    others = [uuid.uuid4() for _ in range(BULK_LINES)]
    await conn.execute(
        "INSERT INTO enterprise (id, credit_code, name, county_code, risk_class, status, key_industry, key_region, "
        "key_enterprise, key_product, version, created_at, updated_at) "
        "SELECT id, upper(substr(md5(id::text), 1, 18)), '企业', $2, 'A', 'operating', false, false, false, false, 1, "
        "$3, $3 FROM unnest($1::uuid[]) AS id",
        others, COUNTY, NOW,
    )  # fmt: skip
    plan = uuid.uuid4()
    await conn.execute(
        "INSERT INTO plan (id, prefecture_code, year, status, as_of, ruleset_year, created_at, refreshed_at) "
        "VALUES ($1, '654200', $2, 'draft', $3, 2022, $4, $4)",
        plan, year, date(year, 1, 1), NOW,
    )  # fmt: skip
    await conn.execute(
        "INSERT INTO plan_item (plan_id, enterprise_id, county_code, risk_class, rule_minimum, required_visits, "
        "reasons, due_dates, source, version, created_at, updated_at) "
        "SELECT $1, id, $3, 'A', 1, 1, '[]', '[]', 'generated', 1, $4, $4 FROM unnest($2::uuid[]) AS id",
        plan, [enterprise, *others], COUNTY, NOW,
    )  # fmt: skip


async def visit_in(conn: asyncpg.Connection, enterprise: uuid.UUID, year: int) -> None:
    await conn.execute(
        "INSERT INTO visit (id, enterprise_id, county_code, visit_type, visit_date, status, covers_full_checklist, "
        "supervisory_functions, checklist, version, created_at, updated_at) "
        "VALUES ($1, $2, $3, 'routine_patrol', $4, 'archived', true, '[]', '{}', 1, $5, $5)",
        uuid.uuid4(), enterprise, COUNTY, date(year, 1, 5), NOW,
    )  # fmt: skip


async def test_a_whole_plan_generated_while_a_visit_is_submitted_counts_the_visit(connections) -> None:
    first, second, enterprise = connections
    await in_turn(
        first,
        second,
        visit_in(first, enterprise, 2027),
        plan_of_many_lines(second, enterprise, 2027),
        "the plan waits for the visit's counter",
    )
    done = await first.fetchval(
        "SELECT visits_done FROM plan_line_figure WHERE enterprise_id = $1 AND year = 2027", enterprise
    )
    assert done == 1


async def test_a_visit_submitted_while_a_whole_plan_is_generated_counts_on_its_line(connections) -> None:
    first, second, enterprise = connections
    await in_turn(
        first,
        second,
        plan_of_many_lines(first, enterprise, 2028),
        visit_in(second, enterprise, 2028),
        "the visit waits for the plan's hold on the counters",
    )
    figures = await first.fetch(
        "SELECT visits_done, visits_done_here FROM plan_line_figure WHERE year = 2028 AND visits_done > 0"
    )
    assert [tuple(row) for row in figures] == [(1, 1)]
    assert await first.fetchval("SELECT count(*) FROM plan_line_figure WHERE year = 2028") == BULK_LINES + 1


# A line's figures follow it by triggers, not a foreign key (migration 0019p): what the key guaranteed still holds.
FIGURES_OF = "SELECT count(*) FROM plan_line_figure WHERE plan_item_id = $1"
ORPHANS = (
    "SELECT count(*) FROM plan_line_figure f WHERE NOT EXISTS (SELECT FROM plan_item i WHERE i.id = f.plan_item_id)"
)


async def line_of(conn: asyncpg.Connection, enterprise: uuid.UUID) -> uuid.UUID:
    await plan_line(conn, enterprise)
    return await conn.fetchval("SELECT id FROM plan_item WHERE enterprise_id = $1", enterprise)


async def test_deleting_a_plan_line_deletes_its_kept_figures(connections) -> None:
    first, _, enterprise = connections
    line = await line_of(first, enterprise)
    assert await first.fetchval(FIGURES_OF, line) == 1
    await first.execute("DELETE FROM plan_item WHERE id = $1", line)
    assert await first.fetchval(FIGURES_OF, line) == 0
    assert await first.fetchval(ORPHANS) == 0


async def test_truncating_the_plan_lines_deletes_all_their_kept_figures(connections) -> None:
    first, _, enterprise = connections
    await line_of(first, enterprise)
    truncation = first.transaction()
    await truncation.start()
    await first.execute("TRUNCATE plan_item, plan_adjustment")
    figures = await first.fetchval("SELECT count(*) FROM plan_line_figure")
    await truncation.rollback()  # the module's other tests keep their lines
    assert figures == 0


async def test_kept_figures_of_a_line_that_does_not_exist_are_refused(connections) -> None:
    first, _, enterprise = connections
    line = await line_of(first, enterprise)
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await first.execute(
            "INSERT INTO plan_line_figure SELECT $2, plan_id, year, enterprise_id, county_code, risk_class, "
            "required_visits, created_at, 0, 0 FROM plan_line_figure WHERE plan_item_id = $1",
            line, uuid.uuid4(),
        )  # fmt: skip
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await first.execute("UPDATE plan_line_figure SET plan_item_id = $2 WHERE plan_item_id = $1", line, uuid.uuid4())
    assert await first.fetchval(FIGURES_OF, line) == 1


async def test_a_plan_lines_id_does_not_change_under_its_kept_figures(connections) -> None:
    first, _, enterprise = connections
    line = await line_of(first, enterprise)
    with pytest.raises(asyncpg.ForeignKeyViolationError):
        await first.execute("UPDATE plan_item SET id = $2 WHERE id = $1", line, uuid.uuid4())
    await first.execute("UPDATE plan_item SET required_visits = 3 WHERE id = $1", line)  # any other change goes on
    assert await first.fetchval("SELECT required_visits FROM plan_line_figure WHERE plan_item_id = $1", line) == 3


async def test_a_line_deleted_while_its_figures_are_rewritten_waits_and_takes_them_with_it(connections) -> None:
    first, second, enterprise = connections
    line = await line_of(first, enterprise)

    async def rewrite_figures() -> None:  # as the rebuild writes them: a statement of its own, outside the trigger
        row = await first.fetchrow("DELETE FROM plan_line_figure WHERE plan_item_id = $1 RETURNING *", line)
        values = ", ".join(f"${i + 1}" for i in range(len(row)))
        await first.execute(f"INSERT INTO plan_line_figure VALUES ({values})", *row)

    await in_turn(
        first,
        second,
        rewrite_figures(),
        second.execute("DELETE FROM plan_item WHERE id = $1", line),
        "the delete waits for the line held by the figures' writer",
    )
    assert await first.fetchval(FIGURES_OF, line) == 0
    assert await first.fetchval(ORPHANS) == 0
