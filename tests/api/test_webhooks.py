"""Webhooks: a service account subscribes its own URL; the outbox turns each event it may see into a delivery in
the write's transaction; deliveries reach a real HTTP receiver on 127.0.0.1 signed per Standard Webhooks (every
one verified here with the `standardwebhooks` library), in position order per record, the same webhook-id on
every attempt; failures retry, the last one disables the subscription and tells its owner."""

import ipaddress
import uuid

import pytest
from sqlalchemy import Uuid, bindparam, text
from sqlmodel import col, select

from app.core.config import Settings
from app.domain.permissions import Role
from app.models import Notification, WebhookDelivery, WebhookSubscription
from app.services import events, webhooks
from app.services.webhooks import targets
from app.services.webhooks.targets import TargetRefused, check_target
from app.worker import embedded
from tests.api.conftest import BACKEND, TEST_SECRET
from tests.api.test_enterprises import body as enterprise_body
from tests.api.webhook_receiver import Receiver
from tests.builders import TACHENG, WUSU, as_role, make_enterprise, make_service_account, make_user

pytestmark = pytest.mark.anyio
SUBS = "/api/v1/webhook-subscriptions"
ENTERPRISE_TYPES = ["cn.zhijian.enterprise.created", "cn.zhijian.enterprise.updated"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhook_allowed_hosts": ["127.0.0.1"]})


@pytest.fixture
async def receiver():
    r = Receiver()
    await r.up()
    yield r
    await r.down()


async def _service(session, county: str | None = TACHENG, scopes=("enterprises:read", "webhooks:manage")):  # noqa: ANN001
    owner = await make_user(session, Role.PREFECTURE_ADMIN)
    account, key = await make_service_account(session, scopes=list(scopes), county_code=county, created_by_id=owner.id)
    return account, {"X-API-Key": key}, owner


async def _subscribe(client, headers, url: str, types=ENTERPRISE_TYPES) -> dict:  # noqa: ANN001
    response = await client.post(
        SUBS, json={"url": url, "event_types": types, "description": "台账同步"}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _run_deliveries(app, session, *, final: bool = False) -> int:  # noqa: ANN001
    """Run the queued delivery jobs as a worker would, oldest first (on SQLite the app ran them after commit)."""
    if BACKEND != "postgres":
        await embedded.drain()
        return -1
    connection = await session.connection()
    rows = (await connection.execute(text(
        "SELECT id, args FROM procrastinate_jobs WHERE task_name = :t AND status = 'todo' ORDER BY id"
    ), {"t": events.DELIVER})).all()  # fmt: skip
    for job_id, args in rows:
        try:
            await webhooks.run_delivery(app.state.sessionmaker, app.state.settings, args["delivery_id"], final=final)
            status = "succeeded"
        except webhooks.DeliveryFailed:
            status = "failed"
        await connection.execute(text("UPDATE procrastinate_jobs SET status = :s WHERE id = :i"),
                                 {"s": status, "i": job_id})  # fmt: skip
    return len(rows)


async def test_a_service_account_subscribes_and_sees_its_secret_once(client, session, receiver):
    _, headers, _ = await _service(session)
    created = await _subscribe(client, headers, receiver.url)
    assert created["secret"].startswith("whsec_") and created["county_code"] == TACHENG
    read = (await client.get(f"{SUBS}/{created['id']}", headers=headers)).json()
    assert "secret" not in read and read["event_types"] == ENTERPRISE_TYPES
    assert [s["id"] for s in (await client.get(SUBS, headers=headers)).json()["items"]] == [created["id"]]


async def test_the_signing_secret_is_stored_encrypted_and_signs_deliveries_in_the_clear(client, session, receiver):
    _, headers, _ = await _service(session)
    created = await _subscribe(client, headers, receiver.url)
    query = text("SELECT secret FROM webhook_subscription WHERE id = :id").bindparams(bindparam("id", type_=Uuid))
    raw = (await session.execute(query, {"id": uuid.UUID(created["id"])})).scalar_one()  # as stored, not decrypted
    assert raw.startswith("sm4gcm$") and created["secret"] not in raw
    assert (await session.get(WebhookSubscription, uuid.UUID(created["id"]))).secret == created["secret"]


async def test_a_county_bound_account_receives_its_countys_events_signed_and_in_position_order(
    app, client, session, receiver
):
    _, headers, _ = await _service(session)
    sub = await _subscribe(client, headers, receiver.url)
    _, admin = await as_role(client, session, Role.PREFECTURE_ADMIN)
    ours = (await client.post("/api/v1/enterprises", json=enterprise_body(), headers=admin)).json()
    theirs = await client.post("/api/v1/enterprises", json=enterprise_body(county_code=WUSU), headers=admin)
    assert theirs.status_code == 201
    for name in ("甲", "乙"):
        patched = await client.patch(f"/api/v1/enterprises/{ours['id']}", json={"name": f"塔城{name}厂"}, headers=admin)
        assert patched.status_code == 200
    await _run_deliveries(app, session)
    messages = receiver.verified(sub["secret"])  # every delivery verified with standardwebhooks
    assert [m["type"] for m in messages] == [ENTERPRISE_TYPES[0], ENTERPRISE_TYPES[1], ENTERPRISE_TYPES[1]]
    assert [m["data"]["name"] for m in messages] == [ours["name"], "塔城甲厂", "塔城乙厂"]
    assert all(m["subject"] == f"/api/v1/enterprises/{ours['id']}" for m in messages)
    positions = [m["position"] for m in messages]
    assert positions == sorted(positions)
    ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(set(ids)) == 3 and ids == [f"msg_{uuid.UUID(m['id']).hex}" for m in messages]


@pytest.mark.postgres_only
async def test_deliveries_of_one_record_share_the_engines_lock_so_they_run_in_order(app, client, session, receiver):
    if BACKEND != "postgres":
        pytest.skip("the job engine runs on PostgreSQL")
    _, headers, _ = await _service(session)
    sub = await _subscribe(client, headers, receiver.url)
    enterprise = await make_enterprise(session)
    _, admin = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    await client.patch(f"/api/v1/enterprises/{enterprise.id}", json={"name": "锁一"}, headers=admin)
    await client.patch(f"/api/v1/enterprises/{enterprise.id}", json={"name": "锁二"}, headers=admin)
    rows = (await (await session.connection()).execute(text(
        "SELECT lock, queue_name FROM procrastinate_jobs WHERE task_name = :t ORDER BY id"), {"t": events.DELIVER}
    )).all()  # fmt: skip
    assert rows == [(f"webhook:{sub['id']}:/api/v1/enterprises/{enterprise.id}", "webhooks")] * 2


async def test_a_failing_receiver_is_retried_with_the_same_webhook_id_and_the_last_failure_disables_and_notifies(
    app, client, session, receiver
):
    _, headers, owner = await _service(session)
    sub = await _subscribe(client, headers, receiver.url)
    enterprise = await make_enterprise(session)
    _, admin = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    receiver.status = 503
    await client.patch(f"/api/v1/enterprises/{enterprise.id}", json={"name": "失败厂"}, headers=admin)
    await _run_deliveries(app, session)  # the first attempt: refused, to be retried
    [delivery] = (await session.exec(select(WebhookDelivery))).all()
    await session.refresh(delivery)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    last = await webhooks.attempt(session, delivery.id, app.state.settings, final=True)
    await session.commit()
    assert last.status == "failed"
    await session.refresh(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("failed", 2, 503)
    subscription = await session.get(WebhookSubscription, uuid.UUID(sub["id"]))
    await session.refresh(subscription)
    assert not subscription.is_active and "503" in subscription.disabled_reason
    [note] = (await session.exec(select(Notification).where(Notification.user_id == owner.id))).all()
    assert note.kind == "webhook_disabled" and note.link == f"{SUBS}/{sub['id']}"
    assert {r.headers["webhook-id"] for r in receiver.received} == {delivery.message_id}
    receiver.verified(sub["secret"])

    # mended: re-enable and retry the failed delivery by hand
    receiver.status = 204
    enabled = await client.patch(f"{SUBS}/{sub['id']}", json={"is_active": True}, headers=headers)
    assert enabled.json()["is_active"] and enabled.json()["disabled_reason"] is None
    retried = await client.post(f"{SUBS}/deliveries/{delivery.id}/retry", headers=headers)
    assert retried.status_code == 202 and retried.json()["status"] == "pending"
    await _run_deliveries(app, session)
    listed = (await client.get(f"{SUBS}/{sub['id']}/deliveries", headers=headers)).json()
    assert [(d["status"], d["attempts"]) for d in listed["items"]] == [("delivered", 3)]
    assert len(receiver.verified(sub["secret"])) == 3


async def test_a_delivery_to_a_disabled_subscription_is_skipped(app, client, session, receiver):
    if BACKEND != "postgres":
        pytest.skip("the embedded runner sends at once: nothing waits in a queue to be skipped")
    _, headers, _ = await _service(session)
    sub = await _subscribe(client, headers, receiver.url)
    enterprise = await make_enterprise(session)
    _, admin = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    await client.patch(f"/api/v1/enterprises/{enterprise.id}", json={"name": "跳过厂"}, headers=admin)
    await client.patch(f"{SUBS}/{sub['id']}", json={"is_active": False}, headers=headers)
    await _run_deliveries(app, session)
    assert receiver.received == []
    listed = (await client.get(f"{SUBS}/{sub['id']}/deliveries", headers=headers)).json()
    assert [d["status"] for d in listed["items"]] == ["skipped"]


async def test_an_owner_whose_key_lost_the_scope_is_no_longer_sent_that_type(app, client, session, receiver):
    account, headers, _ = await _service(session)
    sub = await _subscribe(client, headers, receiver.url)
    account.scopes = ["webhooks:manage"]
    session.add(account)
    await session.commit()
    _, admin = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    created = await client.post("/api/v1/enterprises", json=enterprise_body(), headers=admin)
    assert created.status_code == 201
    await _run_deliveries(app, session)
    assert receiver.received == []
    [delivery] = (await session.exec(select(WebhookDelivery))).all()
    await session.refresh(delivery)
    assert delivery.status == "skipped" and delivery.subscription_id == uuid.UUID(sub["id"])


async def test_the_test_message_is_signed_and_verifies(app, client, session, receiver):
    _, headers, _ = await _service(session)
    sub = await _subscribe(client, headers, receiver.url)
    response = await client.post(f"{SUBS}/{sub['id']}/test", headers=headers)
    assert response.status_code == 202, response.text
    await _run_deliveries(app, session)
    [message] = receiver.verified(sub["secret"])
    assert message["type"] == "cn.zhijian.webhook.test" and message["data"]["subscription_id"] == sub["id"]


async def test_a_delivery_connects_to_the_address_it_checked_never_looking_the_name_up_again(
    app, client, session, receiver, monkeypatch
):
    """DNS rebinding: a name that resolved to an allowed address for the check must not be looked up again for the
    connection (where it could now point inside). `hooks.zhijian.test` resolves only through the checked lookup:
    the delivery reaches the receiver at that address, with the name as its Host."""
    lookups: list[str] = []

    async def checked_lookup(host: str, port: int) -> list:  # noqa: ARG001
        lookups.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(targets, "_resolve", checked_lookup)
    _, headers, _ = await _service(session)
    named = receiver.url.replace("127.0.0.1", "hooks.zhijian.test")
    sub = await _subscribe(client, headers, named)
    assert (await client.post(f"{SUBS}/{sub['id']}/test", headers=headers)).status_code == 202
    await _run_deliveries(app, session)
    [message] = receiver.verified(sub["secret"])
    assert message["type"] == "cn.zhijian.webhook.test"
    assert receiver.received[0].headers["host"] == f"hooks.zhijian.test:{receiver.port}"
    assert lookups == ["hooks.zhijian.test", "hooks.zhijian.test"]  # at subscription, and once before the delivery


def test_a_pinned_url_keeps_path_query_and_port_and_brackets_an_ipv6_address():
    to, host, tls = targets.pinned("https://hooks.example.cn:8443/in?x=1", ipaddress.ip_address("2001:db8::1"))
    assert (to, host, tls) == (
        "https://[2001:db8::1]:8443/in?x=1",
        {"host": "hooks.example.cn:8443"},
        {"sni_hostname": "hooks.example.cn"},
    )
    assert targets.pinned("https://hooks.example.cn/in", ipaddress.ip_address("203.0.113.7"))[:2] == (
        "https://203.0.113.7/in",
        {"host": "hooks.example.cn"},
    )


async def test_a_rolled_back_write_delivers_nothing(app, client, session, receiver):
    _, headers, _ = await _service(session)
    await _subscribe(client, headers, receiver.url)
    await events.emit(session, "enterprise.updated", "/api/v1/enterprises/undone", {"name": "撤销"}, TACHENG)
    await session.flush()
    await session.rollback()
    assert await _run_deliveries(app, session) in (0, -1)
    assert (await session.exec(select(WebhookDelivery))).all() == [] and receiver.received == []


async def test_subscribing_to_types_the_account_may_not_read_is_422_at_the_index(client, session, receiver):
    _, headers, _ = await _service(session)
    response = await client.post(
        SUBS, json={"url": receiver.url, "event_types": [ENTERPRISE_TYPES[0], "cn.zhijian.visit.submitted"]},
        headers=headers,
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "event_types", 1]


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:8080/hooks",
        "http://192.168.1.1/",
        "http://[::ffff:127.0.0.2]/",
        "ftp://127.0.0.1/hooks",
        "http://user:pw@127.0.0.1/",
    ],
)
async def test_internal_targets_not_on_the_allow_list_are_refused(client, session, url):
    _, headers, _ = await _service(session)
    response = await client.post(SUBS, json={"url": url, "event_types": ENTERPRISE_TYPES}, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "url"]


async def test_outside_development_and_test_only_https_is_accepted():
    production = Settings(
        env="production",
        secret_key="x" * 40,
        audit_key="a" * 40,
        pii_keys={"2026a": "cHJvZHVjdGlvbi1rZXktb2YtdGhlLWJ1cmVhdS0wMTI="},
        webhook_allowed_hosts=["127.0.0.1"],
    )
    with pytest.raises(TargetRefused, match="https"):
        await check_target("http://127.0.0.1:9/hooks", production)
    await check_target("https://127.0.0.1:9/hooks", production)  # allow-listed
    with pytest.raises(TargetRefused, match="internal"):
        await check_target("https://127.0.0.1:9/hooks", production.model_copy(update={"webhook_allowed_hosts": []}))


async def test_another_owners_subscription_is_not_found_even_in_the_same_county(client, session, receiver):
    _, headers, _ = await _service(session)
    sub = await _subscribe(client, headers, receiver.url)
    _, other, _ = await _service(session, county=WUSU)
    _, same_county, _ = await _service(session)
    for caller in (other, same_county):
        assert (await client.get(f"{SUBS}/{sub['id']}", headers=caller)).status_code == 404
        assert (await client.patch(f"{SUBS}/{sub['id']}", json={"description": "x"}, headers=caller)).status_code == 404
        assert (await client.post(f"{SUBS}/{sub['id']}/test", headers=caller)).status_code == 404
        assert (await client.get(f"{SUBS}/{sub['id']}/deliveries", headers=caller)).status_code == 404
        assert (await client.delete(f"{SUBS}/{sub['id']}", headers=caller)).status_code == 404
        assert (await client.get(SUBS, headers=caller)).json()["items"] == []
    assert (await client.delete(f"{SUBS}/{sub['id']}", headers=headers)).status_code == 204
    assert (
        await session.exec(select(WebhookSubscription).where(col(WebhookSubscription.id) == uuid.UUID(sub["id"])))
    ).all() == []


async def test_a_key_without_the_webhooks_scope_is_forbidden(client, session):
    _, headers, _ = await _service(session, scopes=("enterprises:read",))
    assert (await client.get(SUBS, headers=headers)).status_code == 403


def test_the_retry_schedule_spans_at_least_a_day():
    waits = [webhooks.RETRY.exponential_wait ** (n + 1) for n in range(webhooks.RETRY.max_attempts)]
    assert sum(waits) >= 24 * 3600
    assert TEST_SECRET  # the module's settings are the test ones
