"""Kept figures (migrations 0013k, 0017f) equal a full recount after any sequence of writes through the API: visits
drafted, submitted and amended, findings reported on, extended, re-inspected (passed or failed), refused, cases
filed, the overdue sweep, plan lines adjusted and added, enterprises reclassified, moved to another county and
closed, lines raised by the calendar — the summary and plan progress read from them say what the recount says,
prefecture-wide and for one county, as of days before, inside and after the year."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from app.core.actor import SYSTEM, Actor
from app.core.clock import today_in_china
from app.domain.permissions import Role
from app.domain.ruleset import ruleset_for
from app.services.findings import sweep_overdue_findings
from app.services.plans import plan_progress, raise_lines_by_time, rebuild_figures, verify_figures
from app.services.reports.figures import county_figures
from tests.api.conftest import BACKEND
from tests.api.plan_helpers import freeze_today, generate, issue
from tests.builders import (
    TACHENG,
    WUSU,
    as_role,
    full_checklist,
    make_enterprise,
    make_inspectors,
    sign_in,
    visit_body,
)

pytestmark = [pytest.mark.anyio, pytest.mark.postgres_only]

TODAY = date(2026, 7, 1)
COUNTIES = (TACHENG, WUSU)
DAYS = (date(2025, 12, 31), date(2026, 1, 1), date(2026, 3, 15), date(2026, 6, 25), date(2026, 6, 26), TODAY)
# as of: before the year, its first day, the days the visits and findings are dated on and after, the year's end
# and past it; the loop's steps are dated by the clock, so its day and the next are added when checking
AS_OF = (date(2025, 12, 31), date(2026, 1, 1), date(2026, 6, 25), date(2026, 6, 26), TODAY, date(2026, 7, 15))
AS_OF += (date(2026, 8, 1), date(2026, 12, 31), date(2027, 1, 20))
TYPES = ("routine_patrol", "double_random", "reinspection")
NOTHING_CHECKED = {item: {"result": "not_applicable", "note": "停产"} for item in full_checklist()}


def county_actor(county: str) -> Actor:
    return Actor(kind="system", id=None, name="test", role=Role.COUNTY_ADMIN, county_code=county)


class People:
    """Signed in once per test (the login rate limit): the prefecture admin and two inspectors per county."""

    def __init__(self) -> None:
        self.headers: dict[str, dict[str, str]] = {}
        self.teams: dict[str, list[Any]] = {}

    async def sign_in(self, client: Any, session: Any) -> "People":
        _, self.headers["prefecture"] = await as_role(client, session, Role.PREFECTURE_ADMIN)
        for county in COUNTIES:
            team = await make_inspectors(session, 2, county_code=county)
            self.headers[county] = await sign_in(client, team[0])
            self.teams[county] = [SimpleNamespace(id=user.id) for user in team]  # outlives the examples' rollback
        return self


class World:
    """Two counties, four enterprises each, an issued plan of 2026; the visits and findings made."""

    def __init__(self, people: People) -> None:
        self.headers, self.teams = people.headers, people.teams
        self.enterprises: list[Any] = []
        self.visits: list[dict[str, Any]] = []  # {"id", "status", "county"}
        self.findings: list[str] = []
        self.plan_id = ""

    async def build(self, client: Any, session: Any) -> "World":
        for county in COUNTIES:
            for risk_class in "ABCD":
                self.enterprises.append(await make_enterprise(session, county_code=county, risk_class=risk_class))
        plan = await generate(client, self.headers["prefecture"])
        self.plan_id = plan["id"]
        await issue(client, self.headers["prefecture"], self.plan_id)
        self.enterprises.append(await make_enterprise(session, county_code=TACHENG))  # not on the plan yet
        return self


class Move:
    """One write's choices, drawn in one fixed shape so a failing sequence replays the same."""

    def __init__(self, pick: int, flags: tuple[bool, bool, bool], day: date, visit_type: str, n: int) -> None:
        self.pick, self.flags, self.day, self.visit_type, self.n = pick, flags, day, visit_type, n

    def of(self, things: list[Any]) -> Any:
        return things[self.pick % len(things)]


MOVES = st.builds(
    Move,
    st.integers(0, 999),
    st.tuples(st.booleans(), st.booleans(), st.booleans()),
    st.sampled_from(DAYS),
    st.sampled_from(TYPES),
    st.integers(0, 6),
)


async def _ok(response: Any, *codes: int) -> dict[str, Any]:
    assert response.status_code in codes, response.text
    return response.json() if response.content else {}


async def write_visit(world: World, client: Any, session: Any, move: Move) -> None:
    enterprise = move.of(world.enterprises)
    await session.refresh(enterprise)
    county = enterprise.county_code
    counted, finding, draft = move.flags
    finding, draft = counted and finding, draft and move.n == 0
    checklist = full_checklist(labelling={"result": "nonconforming", "note": "标识不全"}) if finding else None
    body = visit_body(
        enterprise,
        world.teams[county],
        visit_type=move.visit_type,
        visit_date=move.day.isoformat(),
        checklist=checklist or (full_checklist() if counted else NOTHING_CHECKED),
        conclusion="rectification_required" if finding else "conforming",
    )
    visit = await _ok(await client.post("/api/v1/visits", json=body, headers=world.headers[county]), 201, 422)
    if "id" not in visit:
        return
    world.visits.append({"id": visit["id"], "status": "draft", "county": county, "enterprise": str(enterprise.id)})
    if not draft:
        await submit(world, client, world.visits[-1])


async def submit(world: World, client: Any, visit: dict[str, Any]) -> None:
    response = await client.post(f"/api/v1/visits/{visit['id']}/submit", headers=world.headers[visit["county"]])
    body = await _ok(response, 200, 409, 422)
    if response.status_code == 200:
        visit["status"] = "archived"
        world.findings += [f["id"] for f in body.get("findings", [])]


async def submit_a_draft(world: World, client: Any, session: Any, move: Move) -> None:
    drafts = [v for v in world.visits if v["status"] == "draft"]
    if drafts:
        await submit(world, client, move.of(drafts))


async def amend(world: World, client: Any, session: Any, move: Move) -> None:
    archived = [v for v in world.visits if v["status"] == "archived"]
    if archived:
        visit = move.of(archived)
        body = {"reason": "笔误更正", "notes": f"更正 {uuid.uuid4().hex[:6]}"}
        url = f"/api/v1/visits/{visit['id']}/amendments"
        await _ok(await client.post(url, json=body, headers=world.headers["prefecture"]), 201, 409, 422)


async def loop_step(world: World, client: Any, session: Any, move: Move) -> None:
    """A step of a finding's loop: a rectification report, a case, an extension, a re-inspection (passed or
    failed) on an archived re-inspection visit, a refusal, or a report then a passed re-inspection (closing it) —
    whichever the finding's state allows."""
    if not world.findings:
        return
    finding = move.of(world.findings)
    kinds = ("rectification", "case", "extension", "reinspection", "refusal", "rectification reinspection")
    for kind in kinds[move.n % len(kinds)].split():
        body = await _step_body(world, session, finding, kind, move)
        if body is None:
            return
        url = f"/api/v1/findings/{finding}/{kind}"
        await _ok(await client.post(url, json=body, headers=world.headers["prefecture"]), 200, 201, 409, 422)


async def _step_body(world: World, session: Any, finding: str, kind: str, move: Move) -> dict[str, Any] | None:
    if kind == "reinspection":
        enterprise = (await session.exec(text(f"SELECT enterprise_id FROM finding WHERE id = '{finding}'"))).one()[0]
        visits = [v for v in world.visits if v["status"] == "archived" and v.get("enterprise") == str(enterprise)]
        passed = move.flags[0] or move.n % 6 == 5
        return {"visit_id": move.of(visits)["id"], "result": "pass" if passed else "fail"} if visits else None
    return {
        "rectification": {"text": "已整改", "attachment_ids": []},
        "case": {
            "case_no": f"塔市监立〔2026〕{uuid.uuid4().int % 1000}号",
            "filed_on": move.day.isoformat(),
            "officer": "李",
        },
        "extension": {"days": 10 + move.n, "reason": "设备到货延迟"},
        "refusal": {"refused_on": TODAY.isoformat(), "note": "拒绝签收整改通知"},
    }[kind]


async def add_finding(world: World, client: Any, session: Any, move: Move) -> None:
    archived = [v for v in world.visits if v["status"] == "archived"]
    if archived:
        severity = ("general", "serious_hazard", "violation")[move.n % 3]
        url = f"/api/v1/visits/{move.of(archived)['id']}/findings"
        body = {"description": "另查见问题", "severity": severity}
        finding = await _ok(await client.post(url, json=body, headers=world.headers["prefecture"]), 201, 409, 422)
        if "id" in finding:
            world.findings.append(finding["id"])


async def sweep(world: World, client: Any, session: Any, move: Move) -> None:
    await sweep_overdue_findings(session, today=move.day if move.flags[1] else TODAY)
    await session.commit()


async def adjust_line(world: World, client: Any, session: Any, move: Move) -> None:
    items = (await session.exec(text("SELECT id FROM plan_item ORDER BY created_at, id"))).scalars().all()
    item = move.of(list(items))
    body = {"required_visits": move.n % 5, "reason": "举报投诉查实"}
    url = f"/api/v1/plans/{world.plan_id}/items/{item}"
    await _ok(await client.patch(url, json=body, headers=world.headers["prefecture"]), 200, 409, 422)


async def add_line(world: World, client: Any, session: Any, move: Move) -> None:
    enterprise = move.of(world.enterprises)
    body = {"enterprise_id": str(enterprise.id), "reason": "新投产企业"}
    url = f"/api/v1/plans/{world.plan_id}/items"
    await _ok(await client.post(url, json=body, headers=world.headers["prefecture"]), 201, 409, 422)


CHANGES = [{"risk_class": c} for c in "ABCD"] + [{"county_code": c} for c in COUNTIES] + [{"status": "closed"}]


async def change_enterprise(world: World, client: Any, session: Any, move: Move) -> None:
    enterprise = move.of(world.enterprises)
    change = CHANGES[move.n % len(CHANGES)]
    url = f"/api/v1/enterprises/{enterprise.id}"
    await _ok(await client.patch(url, json=change, headers=world.headers["prefecture"]), 200, 409, 422)


async def raise_by_time(world: World, client: Any, session: Any, move: Move) -> None:
    await raise_lines_by_time(session, today=TODAY)
    await session.commit()


WRITES = (write_visit, write_visit, write_visit, submit_a_draft, amend, loop_step, loop_step, adjust_line, add_line)
WRITES += (change_enterprise, raise_by_time, add_finding, sweep)


async def assert_kept_equals_recount(session: Any, plan_id: str) -> None:
    assert await verify_figures(session) == []
    for actor in (SYSTEM, *(county_actor(c) for c in COUNTIES)):
        kept = await plan_progress(session, actor, uuid.UUID(plan_id), today=TODAY)
        assert kept == await plan_progress(session, actor, uuid.UUID(plan_id), today=TODAY, recount=True)
    for as_of in (*AS_OF, today_in_china(), today_in_china() + timedelta(days=1)):
        for counties in (None, [TACHENG], [WUSU]):
            kept = await county_figures(session, year=2026, as_of=as_of, counties=counties)
            assert kept == await county_figures(session, year=2026, as_of=as_of, counties=counties, recount=True)


@asynccontextmanager
async def example_world(client: Any, session: Any, app: Any) -> AsyncIterator[World]:
    """A hypothesis example's world, its writes rolled back after it: every example starts from the same database
    (the signed-in people are made once, on the first example, and kept on the app)."""
    freeze_today(app, TODAY)
    people = getattr(app.state, "people", None) or await People().sign_in(client, session)
    app.state.people = people
    await session.commit()
    connection = session.bind
    await connection.exec_driver_sql("SAVEPOINT example")
    try:
        yield await World(people).build(client, session)
    finally:
        await session.rollback()
        await connection.exec_driver_sql("ROLLBACK TO SAVEPOINT example")


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(writes=st.lists(st.tuples(st.sampled_from(WRITES), MOVES), min_size=1, max_size=10))
async def test_after_any_sequence_of_writes_the_kept_figures_equal_a_recount(client, session, app, writes) -> None:
    if BACKEND != "postgres":
        pytest.skip("figures are kept on PostgreSQL")
    async with example_world(client, session, app) as world:
        for write, move in writes:
            await write(world, client, session, move)
        await assert_kept_equals_recount(session, world.plan_id)


async def test_rebuilding_the_figures_gives_what_the_triggers_kept(client, session, app) -> None:
    if BACKEND != "postgres":
        pytest.skip("figures are kept on PostgreSQL")
    freeze_today(app, TODAY)
    world = await World(await People().sign_in(client, session)).build(client, session)
    enterprise = world.enterprises[0]
    for day in DAYS:
        body = visit_body(enterprise, world.teams[TACHENG], visit_date=day.isoformat())
        visit = await _ok(await client.post("/api/v1/visits", json=body, headers=world.headers[TACHENG]), 201)
        world.visits.append({"id": visit["id"], "status": "draft", "county": TACHENG})
        await submit(world, client, world.visits[-1])
    before = (await session.exec(text("SELECT * FROM plan_line_figure ORDER BY plan_item_id"))).all()
    counties = text("SELECT * FROM plan_county_figure WHERE plan_lines <> 0 ORDER BY plan_id, county_code, created_on")
    counties_before = (await session.exec(counties)).all()
    assert any(row.visits_done == 5 for row in before)  # five of the six days are in 2026
    assert sum(row.plan_lines for row in counties_before) == len(before)
    await session.exec(text("UPDATE plan_line_figure SET visits_done = visits_done + 7"))
    await session.exec(text("UPDATE plan_county_figure SET plan_visits_done = plan_visits_done + 1"))
    assert {"plan_line_figure", "plan_county_figure"} <= {d.table for d in await verify_figures(session)}
    await rebuild_figures(session)
    assert await verify_figures(session) == []
    assert (await session.exec(text("SELECT * FROM plan_line_figure ORDER BY plan_item_id"))).all() == before
    assert (await session.exec(counties)).all() == counties_before


async def reinspection_visit(world: World, client: Any, session: Any, move: Move) -> None:
    await write_visit(world, client, session, Move(move.pick, (True, False, False), move.day, "reinspection", 1))


LOOP_WRITES = (loop_step, loop_step, loop_step, loop_step, add_finding, reinspection_visit, sweep, change_enterprise)
FOUND = ((0, date(2026, 3, 15)), (4, date(2026, 6, 25)), (1, date(2025, 12, 31)), (5, TODAY))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(writes=st.lists(st.tuples(st.sampled_from(LOOP_WRITES), MOVES), min_size=1, max_size=12))
async def test_after_any_sequence_of_steps_of_the_loop_the_kept_findings_figures_equal_a_recount(
    client, session, app, writes
) -> None:
    if BACKEND != "postgres":
        pytest.skip("figures are kept on PostgreSQL")
    async with example_world(client, session, app) as world:
        for pick, day in FOUND:  # findings found on four days (one the year before), each with a re-inspection visit
            await write_visit(world, client, session, Move(pick, (True, True, False), day, "routine_patrol", 1))
            await reinspection_visit(world, client, session, Move(pick, (True, False, False), TODAY, "", 1))
        assert len(world.findings) >= len(FOUND)
        for write, move in writes:
            await write(world, client, session, move)
        await assert_kept_equals_recount(session, world.plan_id)


async def test_the_kept_re_inspection_window_is_the_rulesets_of_every_year(session) -> None:
    if BACKEND != "postgres":
        pytest.skip("figures are kept on PostgreSQL")
    windows = await session.exec(text("SELECT y, figures_reinspection_window(y) FROM generate_series(2000, 2100) y"))
    assert {y: days for y, days in windows.all()} == {
        y: ruleset_for(y).reinspection_window_days for y in range(2000, 2101)
    }  # a RuleSet with another window needs a migration re-creating figures_reinspection_window (0017f)
