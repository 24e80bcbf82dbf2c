"""The outbox: changes append CloudEvents in their own transaction, numbered at commit without gaps, in commit
order; a rolled-back write emits nothing."""

import asyncio
import uuid

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.permissions import Role
from app.models import Event
from app.services import events
from tests.api.conftest import BACKEND
from tests.api.test_enterprises import body
from tests.builders import TACHENG, as_role, make_enterprise
from tests.databases import scratch_database

pytestmark = pytest.mark.anyio
ENTERPRISES = "/api/v1/enterprises"


async def _events(session: AsyncSession) -> list[Event]:
    return list((await session.exec(select(Event).order_by(col(Event.position)))).all())


async def test_creating_an_enterprise_appends_a_cloudevent_carrying_the_record_as_the_api_returns_it(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    response = await client.post(ENTERPRISES, json=body(), headers=headers)
    assert response.status_code == 201, response.text
    [event] = [e for e in await _events(session) if e.type == "cn.zhijian.enterprise.created"]
    assert event.subject == f"/api/v1/enterprises/{response.json()['id']}"
    assert event.county_code == TACHENG
    assert event.data == response.json()


async def test_closing_an_enterprise_is_a_closed_event_and_a_patch_that_changes_nothing_emits_nothing(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    enterprise = await make_enterprise(session)
    url = f"{ENTERPRISES}/{enterprise.id}"
    assert (await client.patch(url, json={"name": enterprise.name}, headers=headers)).status_code == 200
    assert (await client.patch(url, json={"status": "closed"}, headers=headers)).status_code == 200
    kinds = [e.type for e in await _events(session) if e.subject == f"/api/v1/enterprises/{enterprise.id}"]
    assert kinds == ["cn.zhijian.enterprise.closed"]


async def test_a_refused_write_emits_nothing(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    response = await client.post(ENTERPRISES, json=body(credit_code="91654201ABCDEFGH1X"), headers=headers)
    assert response.status_code == 422
    assert await _events(session) == []


async def test_an_event_emitted_in_a_rolled_back_transaction_or_savepoint_is_never_stored(session):
    await events.emit(session, "enterprise.updated", "/api/v1/enterprises/rolled-back", {}, TACHENG)
    await session.rollback()
    savepoint = await session.begin_nested()
    await events.emit(session, "enterprise.updated", "/api/v1/enterprises/in-savepoint", {}, TACHENG)
    await savepoint.rollback()
    await events.emit(session, "enterprise.updated", "/api/v1/enterprises/kept", {}, TACHENG)
    await session.commit()
    assert [e.subject for e in await _events(session)] == ["/api/v1/enterprises/kept"]


async def test_an_unknown_event_type_is_a_programming_error(session):
    with pytest.raises(ValueError, match="unknown event type"):
        await events.emit(session, "enterprise.exploded", "/x", {}, TACHENG)


@pytest.fixture
def committed_database():
    if BACKEND != "postgres":
        pytest.skip("concurrent commits need PostgreSQL")
    with scratch_database("zhijian_events") as url:
        yield url


@pytest.mark.postgres_only
async def test_a_slow_writer_that_emitted_first_takes_its_position_when_it_commits_so_readers_never_skip_one(
    committed_database,
):
    engine = create_async_engine(committed_database, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as slow, AsyncSession(engine) as fast:
            await events.emit(slow, "enterprise.updated", "/slow", {}, TACHENG)
            await slow.flush()
            await events.emit(fast, "enterprise.updated", "/fast", {}, TACHENG)
            await fast.commit()
            async with AsyncSession(engine) as reader:  # what a feed reader sees now: position 1, nothing hidden
                assert [(e.position, e.subject) for e in await _events(reader)] == [(1, "/fast")]
            await slow.commit()
        async with AsyncSession(engine) as reader:
            assert [(e.position, e.subject) for e in await _events(reader)] == [(1, "/fast"), (2, "/slow")]
    finally:
        await engine.dispose()


@pytest.mark.postgres_only
async def test_many_concurrent_writers_some_rolling_back_leave_gap_free_positions(committed_database):
    engine = create_async_engine(committed_database, pool_size=10)

    async def writer(n: int) -> None:
        async with AsyncSession(engine) as session:
            for i in range(5):
                await events.emit(session, "enterprise.updated", f"/w{n}/{i}", {"n": n}, TACHENG)
                await asyncio.sleep(0)
            await (session.rollback() if n % 3 == 0 else session.commit())

    try:
        await asyncio.gather(*(writer(n) for n in range(12)))
        async with AsyncSession(engine) as reader:
            stored = await _events(reader)
            assert [e.position for e in stored] == list(range(1, len(stored) + 1))
            assert len(stored) == 8 * 5
            assert {e.data["n"] for e in stored} == {n for n in range(12) if n % 3}
            assert len({e.id for e in stored}) == len(stored)
            assert all(isinstance(e.id, uuid.UUID) for e in stored)
    finally:
        await engine.dispose()
