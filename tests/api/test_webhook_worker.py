"""Webhooks through the real job engine: a committed PostgreSQL database, procrastinate workers started here, and a
receiver on 127.0.0.1 that is down for a while. The engine's clock is the database's: "time passes" by moving the
waiting jobs' scheduled time to now (no test sleeps through a backoff)."""

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import select

from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.domain.permissions import Role
from app.main import create_app
from app.models import Notification, WebhookDelivery, WebhookSubscription
from app.seed.jurisdictions import seed_jurisdictions
from app.services import events, webhooks
from app.worker.engine import run_worker
from tests.api.conftest import BACKEND, TEST_SECRET
from tests.api.webhook_receiver import Receiver
from tests.builders import TACHENG, make_enterprise, make_service_account, make_user, sign_in
from tests.databases import scratch_database

pytestmark = [pytest.mark.anyio, pytest.mark.postgres_only]
SUBS = "/api/v1/webhook-subscriptions"


@pytest.fixture
def committed(tmp_path):
    if BACKEND != "postgres":
        pytest.skip("the job engine runs on PostgreSQL")
    with scratch_database("zhijian_hooks") as url:
        yield Settings(
            env="test", database_url=url, secret_key=TEST_SECRET, upload_dir=tmp_path,
            webhook_allowed_hosts=["127.0.0.1"], webhook_timeout_seconds=2,
        )  # fmt: skip


@pytest.fixture
async def world(committed: Settings):
    engine = make_engine(committed.database_url)
    sessionmaker = make_sessionmaker(engine)
    async with sessionmaker() as session:
        await seed_jurisdictions(session)
        await session.commit()
    app = create_app(committed)
    receiver = Receiver()
    await receiver.up()
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield committed, client, sessionmaker, receiver
    await receiver.down()
    await app.state.engine.dispose()
    await engine.dispose()


async def _time_passes(sessionmaker) -> None:  # noqa: ANN001
    async with sessionmaker() as session:
        await (await session.connection()).execute(
            text("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")
        )
        await session.commit()


async def _setup(client, sessionmaker, receiver):  # noqa: ANN001
    async with sessionmaker() as session:
        owner = await make_user(session, Role.PREFECTURE_ADMIN)
        _, key = await make_service_account(
            session, ["enterprises:read", "webhooks:manage"], county_code=TACHENG, created_by_id=owner.id
        )
        enterprise = await make_enterprise(session)
        admin = await make_user(session, Role.COUNTY_ADMIN, county_code=TACHENG)
    body = {"url": receiver.url, "event_types": ["cn.zhijian.enterprise.updated"]}
    sub = (await client.post(SUBS, json=body, headers={"X-API-Key": key})).json()
    return owner, sub, enterprise, await sign_in(client, admin)


async def test_a_receiver_down_for_a_while_gets_every_event_once_verified_and_in_order_when_it_returns(world):
    settings, client, sessionmaker, receiver = world
    _, sub, enterprise, admin = await _setup(client, sessionmaker, receiver)
    await receiver.down()
    names = [f"塔城第{i}厂" for i in range(6)]
    for name in names:
        response = await client.patch(f"/api/v1/enterprises/{enterprise.id}", json={"name": name}, headers=admin)
        assert response.status_code == 200
    await run_worker(settings, wait=False)  # the first attempt fails: connection refused
    assert receiver.received == []
    async with sessionmaker() as session:
        [first] = [d for d in (await session.exec(select(WebhookDelivery))).all() if d.attempts]
        assert first.status == "pending" and "ConnectError" in first.last_error
    await receiver.up()
    for _ in range(len(names) + 1):  # each retry frees the next delivery of the record (the engine's lock)
        await _time_passes(sessionmaker)
        await run_worker(settings, wait=False)
    messages = receiver.verified(sub["secret"])  # every one verified with standardwebhooks
    assert [m["data"]["name"] for m in messages] == names  # in position order, none twice
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(ids) == len(set(ids)) == len(names)
    async with sessionmaker() as session:
        statuses = {d.status for d in (await session.exec(select(WebhookDelivery))).all()}
    assert statuses == {"delivered"}


async def test_the_last_attempt_failing_disables_the_subscription_and_tells_its_owner(world):
    settings, client, sessionmaker, receiver = world
    owner, sub, enterprise, admin = await _setup(client, sessionmaker, receiver)
    receiver.status = 500
    await client.patch(f"/api/v1/enterprises/{enterprise.id}", json={"name": "失败厂"}, headers=admin)
    async with sessionmaker() as session:  # as if the first ten attempts had failed over the last day
        await (await session.connection()).execute(
            text("UPDATE procrastinate_jobs SET attempts = :n WHERE status = 'todo'"),
            {"n": webhooks.RETRY.max_attempts},
        )
        await session.commit()
    await run_worker(settings, wait=False)
    async with sessionmaker() as session:
        subscription = (await session.exec(select(WebhookSubscription))).one()
        [delivery] = (await session.exec(select(WebhookDelivery))).all()
        notes = (await session.exec(select(Notification).where(Notification.user_id == owner.id))).all()
        # the deliveries' jobs only: a worker started on the minute of a calendar entry also runs that entry
        deliveries = text("SELECT status::text FROM procrastinate_jobs WHERE task_name = :t")
        jobs = (await (await session.connection()).execute(deliveries, {"t": events.DELIVER})).all()
    assert not subscription.is_active and delivery.status == "failed" and delivery.last_status_code == 500
    assert [n.kind for n in notes] == ["webhook_disabled"]
    assert [j[0] for j in jobs] == ["succeeded"]  # failed for good: not retried again
    assert len(receiver.verified(sub["secret"])) == 1


async def test_a_delivery_that_gets_through_brings_the_subscriptions_waiting_retries_forward(world):
    settings, client, sessionmaker, receiver = world
    _, sub, enterprise, admin = await _setup(client, sessionmaker, receiver)
    async with sessionmaker() as session:
        other = await make_enterprise(session)
    await receiver.down()
    for target, name in ((enterprise, "甲厂"), (other, "乙厂")):
        await client.patch(f"/api/v1/enterprises/{target.id}", json={"name": name}, headers=admin)
    await run_worker(settings, wait=False)  # both refused: each waits out its backoff
    await receiver.up()
    async with sessionmaker() as session:  # a third record's first delivery, with no backoff to wait out
        third = await make_enterprise(session)
    await client.patch(f"/api/v1/enterprises/{third.id}", json={"name": "丙厂"}, headers=admin)
    await run_worker(settings, wait=False)  # no clock moved: the success brought the two retries forward
    names = sorted(m["data"]["name"] for m in receiver.verified(sub["secret"]))
    assert names == sorted(["甲厂", "乙厂", "丙厂"])
