"""The job engine on a committed PostgreSQL database with real procrastinate workers started by the tests."""

import asyncio
import uuid

import httpx
import pytest
from sqlalchemy import func, text
from sqlmodel import select

from app.core import jobs
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.domain.permissions import Role
from app.main import create_app
from app.models import Enterprise, EnterpriseImport, ImportHeartbeat
from app.seed.jurisdictions import seed_jurisdictions
from app.services.imports import RUN_IMPORT, submit
from app.worker.engine import run_worker
from tests.api.conftest import BACKEND, TEST_SECRET
from tests.builders import TACHENG, as_role, new_credit_code
from tests.databases import scratch_database

pytestmark = [pytest.mark.anyio, pytest.mark.postgres_only]


@pytest.fixture
def committed(tmp_path):
    if BACKEND != "postgres":
        pytest.skip("the job engine runs on PostgreSQL")
    with scratch_database("zhijian_jobs") as url:
        yield Settings(
            env="test", database_url=url, secret_key=TEST_SECRET, upload_dir=tmp_path, import_heartbeat_seconds=0.2
        )


@pytest.fixture
async def world(committed: Settings):
    engine = make_engine(committed.database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session:
        await seed_jurisdictions(session)
        await session.commit()
    app = create_app(committed)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield committed, client, sessionmaker
    await app.state.engine.dispose()
    await engine.dispose()


async def _count(sessionmaker, stmt) -> int:  # noqa: ANN001
    async with sessionmaker() as session:
        return (await session.exec(stmt)).one()


async def _engine_jobs(sessionmaker, import_id: str) -> list[str]:  # noqa: ANN001
    async with sessionmaker() as session:
        rows = await (await session.connection()).execute(
            text("SELECT status::text FROM procrastinate_jobs WHERE task_name = :t AND args->>'import_id' = :i"),
            {"t": RUN_IMPORT, "i": import_id},
        )
        return [r[0] for r in rows]


async def test_a_job_enqueued_in_a_write_that_rolled_back_never_exists(world):
    _, _, sessionmaker = world
    marker = str(uuid.uuid4())
    async with sessionmaker() as session:
        await jobs.enqueue(session, RUN_IMPORT, {"import_id": marker, "actor": {}, "today": "2026-11-29"})
        await session.rollback()
    assert await _engine_jobs(sessionmaker, marker) == []
    async with sessionmaker() as session:
        job_id = await jobs.enqueue(session, RUN_IMPORT, {"import_id": marker, "actor": {}, "today": "2026-11-29"})
        await session.commit()
    assert job_id is not None and await _engine_jobs(sessionmaker, marker) == ["todo"]


async def test_a_large_upload_waits_in_the_queue_and_a_worker_applies_it_exactly_once(world, monkeypatch):
    settings, client, sessionmaker = world
    monkeypatch.setattr(submit, "SYNC_ROW_LIMIT", 3)
    async with sessionmaker() as session:
        _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
        await session.commit()
    rows = [{"credit_code": new_credit_code(), "name": f"队列企业{i}", "county_code": TACHENG} for i in range(10)]
    response = await client.post("/api/v1/enterprise-imports", json=rows, headers=headers)
    assert response.status_code == 202, response.text
    import_id = response.json()["id"]
    assert (await client.get(response.headers["Location"], headers=headers)).json()["status"] == "pending"

    await asyncio.gather(run_worker(settings, wait=False, name="w1"), run_worker(settings, wait=False, name="w2"))

    job = (await client.get(response.headers["Location"], headers=headers)).json()
    assert (job["status"], job["created_count"]) == ("succeeded", 10)
    names = select(func.count()).select_from(Enterprise).where(Enterprise.name.like("队列企业%"))
    assert await _count(sessionmaker, names) == 10
    assert await _engine_jobs(sessionmaker, import_id) == ["succeeded"]


async def test_running_an_import_again_after_it_finished_applies_nothing_twice(world, monkeypatch):
    settings, client, sessionmaker = world
    monkeypatch.setattr(submit, "SYNC_ROW_LIMIT", 3)
    async with sessionmaker() as session:
        _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
        await session.commit()
    rows = [{"credit_code": new_credit_code(), "name": f"重跑企业{i}", "county_code": TACHENG} for i in range(5)]
    response = await client.post("/api/v1/enterprise-imports", json=rows, headers=headers)
    import_id = response.json()["id"]
    await run_worker(settings, wait=False)
    async with sessionmaker() as session:  # the engine hands the same job out again (a retry after a crash)
        await (await session.connection()).execute(
            text("UPDATE procrastinate_jobs SET status = 'todo' WHERE args->>'import_id' = :i"), {"i": import_id}
        )
        await session.commit()
    await run_worker(settings, wait=False)
    names = select(func.count()).select_from(Enterprise).where(Enterprise.name.like("重跑企业%"))
    assert await _count(sessionmaker, names) == 5
    job = select(EnterpriseImport.created_count).where(EnterpriseImport.id == uuid.UUID(import_id))
    assert await _count(sessionmaker, job) == 5


async def test_a_waiting_import_cancelled_never_runs_and_the_other_county_cannot_cancel_it(world, monkeypatch):
    settings, client, sessionmaker = world
    monkeypatch.setattr(submit, "SYNC_ROW_LIMIT", 3)
    async with sessionmaker() as session:
        _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
        _, other = await as_role(client, session, Role.COUNTY_ADMIN, "654202")
        await session.commit()
    rows = [{"credit_code": new_credit_code(), "name": f"取消企业{i}", "county_code": TACHENG} for i in range(5)]
    response = await client.post("/api/v1/enterprise-imports", json=rows, headers=headers)
    cancel = f"{response.headers['Location']}/cancel"
    assert (await client.post(cancel, headers=other)).status_code == 404
    cancelled = await client.post(cancel, headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    await run_worker(settings, wait=False)
    names = select(func.count()).select_from(Enterprise).where(Enterprise.name.like("取消企业%"))
    assert await _count(sessionmaker, names) == 0
    assert (await client.post(cancel, headers=headers)).status_code == 409


async def test_cancelling_an_import_a_worker_holds_asks_the_worker_to_stop(world, monkeypatch):
    _, client, sessionmaker = world
    monkeypatch.setattr(submit, "SYNC_ROW_LIMIT", 3)
    async with sessionmaker() as session:
        _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
        await session.commit()
    rows = [{"credit_code": new_credit_code(), "name": f"运行中取消{i}", "county_code": TACHENG} for i in range(5)]
    response = await client.post("/api/v1/enterprise-imports", json=rows, headers=headers)
    import_id = uuid.UUID(response.json()["id"])
    async with sessionmaker() as worker:  # a worker runs it: its transaction holds the import's row lock
        stmt = select(EnterpriseImport).where(EnterpriseImport.id == import_id).with_for_update()
        (await worker.exec(stmt)).one()
        cancelled = await client.post(f"{response.headers['Location']}/cancel", headers=headers)
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "pending"
        beat = await _count(
            sessionmaker, select(ImportHeartbeat.cancel_requested).where(ImportHeartbeat.job_id == import_id)
        )
        assert beat is True
        await worker.rollback()
