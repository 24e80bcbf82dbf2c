"""The audit chain is sealed at commit: writers do not queue behind each other, and the chain still verifies.

Events take their chain position (seq) and the previous hash when their transaction commits, under one lock
held for the commit alone; events of a rolled-back transaction or savepoint are never sealed.
"""

import asyncio

import pytest
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.audit_keys import AuditKeys
from app.models import AuditEvent
from app.seed.jurisdictions import seed_jurisdictions
from app.services.accounts.audit_chain import verify_chain
from app.services.common import audit
from tests.api.conftest import BACKEND
from tests.databases import scratch_database

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def keys(settings) -> AuditKeys:  # noqa: ANN001
    """The hooks and keys the app installs at start-up (these tests seal without an app)."""
    audit.install(AuditKeys.from_settings(settings))
    return audit.installed_keys()


async def _actions(session: AsyncSession) -> list[str]:
    return list((await session.exec(select(AuditEvent.action).order_by(col(AuditEvent.seq)))).all())


async def test_an_event_is_sealed_with_the_next_position_and_the_previous_hash_when_it_commits(session, keys):
    await audit.record(session, None, "test.first", "thing", 1)
    await audit.record(session, None, "test.second", "thing", 2)
    assert (await session.exec(select(AuditEvent).where(AuditEvent.action == "test.first"))).first() is None
    await session.commit()
    first, second = (
        await session.exec(select(AuditEvent).where(col(AuditEvent.action).like("test.%")).order_by(AuditEvent.seq))
    ).all()
    assert second.seq == first.seq + 1
    assert second.prev_hash == first.hash
    assert (await verify_chain(session, keys=keys)).intact


async def test_events_of_a_rolled_back_savepoint_are_never_sealed_and_the_others_are(session):
    await audit.record(session, None, "test.kept_before", "thing")
    savepoint = await session.begin_nested()
    await audit.record(session, None, "test.undone", "thing")
    await savepoint.rollback()
    async with session.begin_nested():
        await audit.record(session, None, "test.kept_in_savepoint", "thing")
    await session.commit()
    assert [a for a in await _actions(session) if a.startswith("test.")] == [
        "test.kept_before",
        "test.kept_in_savepoint",
    ]


async def test_events_of_a_rolled_back_transaction_are_never_sealed(session):
    await audit.record(session, None, "test.undone", "thing")
    await session.rollback()
    await audit.record(session, None, "test.kept", "thing")
    await session.commit()
    assert [a for a in await _actions(session) if a.startswith("test.")] == ["test.kept"]


@pytest.fixture
def committed_database():
    if BACKEND != "postgres":
        pytest.skip("concurrent commits need PostgreSQL")
    with scratch_database("zhijian_audit") as url:
        yield url


@pytest.mark.postgres_only
async def test_two_writers_interleaved_are_chained_in_commit_order_and_the_chain_verifies(committed_database, keys):
    engine = create_async_engine(committed_database, poolclass=NullPool)
    try:
        async with AsyncSession(engine) as seeding:
            await seed_jurisdictions(seeding)
            await seeding.commit()
        async with AsyncSession(engine) as slow, AsyncSession(engine) as fast:
            await audit.record(slow, None, "test.slow_recorded_first", "thing")
            await slow.flush()
            await audit.record(fast, None, "test.fast", "thing")
            await fast.commit()  # does not wait for `slow`, which has written but not committed
            await audit.record(slow, None, "test.slow_second", "thing")
            await slow.commit()
        async with AsyncSession(engine) as reader:
            assert [a for a in await _actions(reader) if a.startswith("test.")] == [
                "test.fast",
                "test.slow_recorded_first",
                "test.slow_second",
            ]
            assert (await verify_chain(reader, keys=keys)).intact
    finally:
        await engine.dispose()


@pytest.mark.postgres_only
async def test_many_concurrent_writers_leave_one_unbroken_chain(committed_database, keys):
    engine = create_async_engine(committed_database, pool_size=10)

    async def writer(n: int) -> None:
        async with AsyncSession(engine) as session:
            for i in range(5):
                await audit.record(session, None, f"test.writer{n}", "thing", i)
                await asyncio.sleep(0)
            await session.commit()

    try:
        await asyncio.gather(*(writer(n) for n in range(10)))
        async with AsyncSession(engine) as reader:
            seqs = list((await reader.exec(select(AuditEvent.seq).order_by(col(AuditEvent.seq)))).all())
            assert seqs == list(range(1, len(seqs) + 1))  # no gap, no position taken twice
            assert sum(a.startswith("test.writer") for a in await _actions(reader)) == 50
            report = await verify_chain(reader, keys=keys)
            assert report.intact and report.events_checked == len(seqs)
    finally:
        await engine.dispose()
