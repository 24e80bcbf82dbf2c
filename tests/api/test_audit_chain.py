"""The audit trail cannot be cut short or rewritten unnoticed: a keyed chain (HMAC under a key from the settings),
signed checkpoints kept outside the audit table, append-only on every backend, six months' retention."""

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from app.core.audit_keys import AuditKeys
from app.core.config import Settings
from app.domain.permissions import Role
from app.main import create_app
from app.models import AuditCheckpoint, AuditEvent
from app.models.base import utcnow
from app.services.accounts.audit_chain import verify_chain
from app.services.common import audit
from app.worker.calendar import BY_NAME, run_entry
from tests.builders import as_role

pytestmark = pytest.mark.anyio
EVENTS = "/api/v1/audit-events"
KEY_1 = "first-audit-key-of-the-bureau-0123456789"
KEY_2 = "second-audit-key-of-the-bureau-0123456789"
TRIGGERS = (
    "audit_event_no_update",
    "audit_event_retention",
    "audit_checkpoint_no_update",
    "audit_checkpoint_no_delete",
)


@pytest.fixture(autouse=True)
def keys(settings: Settings):
    """The keys the test's app seals with; put back after a test that rotates them."""
    keys = AuditKeys.from_settings(settings)
    audit.install(keys)
    yield keys
    audit.install(keys)


async def _bypassing_the_triggers(session) -> None:  # noqa: ANN001
    """What tampering takes: a PostgreSQL superuser disabling triggers, or anyone who can write the SQLite file."""
    if session.bind.dialect.name == "postgresql":
        await session.exec(text("SET LOCAL session_replication_role = replica"))
    else:
        for trigger in TRIGGERS:
            await session.exec(text(f"DROP TRIGGER IF EXISTS {trigger}"))


async def _failed_logins(client, n: int) -> None:  # noqa: ANN001
    for _ in range(n):
        await client.post("/api/v1/auth/token", data={"username": "nobody", "password": "x"})


async def _checkpoint(session) -> AuditCheckpoint:  # noqa: ANN001
    """The hourly job, run now (`python -m app.cli run-job seal-audit-checkpoint`)."""
    await run_entry(session, BY_NAME["seal-audit-checkpoint"], utcnow().date())
    await session.commit()
    return (await session.exec(select(AuditCheckpoint).order_by(col(AuditCheckpoint.id).desc()))).first()


async def _seqs(session) -> list[int]:  # noqa: ANN001
    return list((await session.exec(select(AuditEvent.seq).order_by(col(AuditEvent.seq)))).all())


async def _verify(client, headers, language: str = "zh-CN") -> dict:  # noqa: ANN001
    response = await client.get(f"{EVENTS}/verify", headers=headers | {"Accept-Language": language})
    assert response.status_code == 200, response.text
    return response.json()


# --- cut short ---------------------------------------------------------------------------------------------------


async def test_removing_the_newest_three_events_is_reported_as_truncation_where_it_happened(client, session):
    _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
    await _failed_logins(client, 4)
    checkpoint = await _checkpoint(session)
    seqs = await _seqs(session)
    assert checkpoint.position == seqs[-2]  # the job's own `job.run` event comes after the checkpoint
    assert (await _verify(client, headers))["intact"] is True
    await _bypassing_the_triggers(session)
    await session.exec(text("DELETE FROM audit_event WHERE seq > :s").bindparams(s=seqs[-4]))
    await session.commit()

    report = await _verify(client, headers)
    assert report["intact"] is False
    assert report["first_break_seq"] == seqs[-3]
    assert report["first_break_id"] is None  # removed events have no id left, only their position
    assert report["code"] == "audit_chain_truncated" and "最新的事件已被删除" in report["detail"]
    assert report["latest_checkpoint"]["position"] == checkpoint.position


async def test_an_untouched_chain_with_checkpoints_verifies_and_says_against_which(client, session):
    _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
    await _failed_logins(client, 2)
    checkpoint = await _checkpoint(session)
    report = await _verify(client, headers)
    assert (report["intact"], report["code"], report["detail"]) == (True, "audit_chain_intact", "审计链完整")
    assert report["latest_checkpoint"]["id"] == checkpoint.id
    assert report["events_after_checkpoint"] == 1  # the job's own `job.run`, sealed after its checkpoint
    assert report["checkpoints_checked"] >= 2  # the one written when the chain became keyed, and the job's
    assert report["unkeyed_events"] == 0


async def test_removing_the_checkpoints_too_is_reported(client, session):
    _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
    await _failed_logins(client, 2)
    await _bypassing_the_triggers(session)
    await session.exec(text("DELETE FROM audit_checkpoint"))
    await session.commit()
    report = await _verify(client, headers)
    assert report["intact"] is False and report["code"] == "audit_no_checkpoint"
    assert report["detail"] == "没有签名检查点为审计链作证：检查点是否已被删除？"
    in_english = await _verify(client, headers, "en")
    assert in_english["detail"] == "no signed checkpoint vouches for the chain: removed?"


# --- rewritten ---------------------------------------------------------------------------------------------------


async def _rewrite_unkeyed(session, change: str) -> None:  # noqa: ANN001
    """Change the first event and recompute every hash by the old, unkeyed rule — all a forger without the key
    can do."""
    await _bypassing_the_triggers(session)
    events = list((await session.exec(select(AuditEvent).order_by(col(AuditEvent.seq)))).all())
    events[0].actor_name = change
    prev = audit.GENESIS_HASH
    for event in events:
        event.prev_hash, event.seal, event.key_id = prev, None, None
        event.hash = prev = audit.unkeyed_hash(prev, event)
        await session.exec(
            text("UPDATE audit_event SET actor_name = :a, prev_hash = :p, hash = :h, seal = NULL, key_id = NULL "
                 "WHERE id = :id").bindparams(a=event.actor_name, p=event.prev_hash, h=event.hash, id=event.id)
        )  # fmt: skip
    await session.commit()


async def test_a_chain_rewritten_with_recomputed_unkeyed_hashes_is_reported(client, session):
    _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
    await _failed_logins(client, 3)
    first = (await _seqs(session))[0]
    await _rewrite_unkeyed(session, "someone-else")
    report = await _verify(client, headers)
    assert report["intact"] is False
    assert report["first_break_seq"] == first
    assert report["code"] == "audit_unkeyed_after_keyed" and "未用密钥封印" in report["detail"]


async def test_a_chain_rewritten_with_the_checkpoints_removed_is_reported(client, session):
    _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
    await _failed_logins(client, 3)
    await _rewrite_unkeyed(session, "someone-else")
    await session.exec(text("DELETE FROM audit_checkpoint"))
    await session.commit()
    assert (await _verify(client, headers))["intact"] is False


async def test_an_edited_event_with_a_recomputed_hmac_under_another_key_is_reported(client, session, keys):
    _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
    await _failed_logins(client, 2)
    forger = AuditKeys(current_id=keys.current_id, keys={keys.current_id: b"a-key-the-forger-made-up-0123456789"})
    await _bypassing_the_triggers(session)
    events = list((await session.exec(select(AuditEvent).order_by(col(AuditEvent.seq)))).all())
    events[-1].actor_name = "someone-else"
    audit.seal_event(forger, events[-1].prev_hash, events[-1])
    await session.exec(
        text("UPDATE audit_event SET actor_name = :a, hash = :h WHERE id = :id").bindparams(
            a=events[-1].actor_name, h=events[-1].hash, id=events[-1].id
        )
    )
    await session.commit()
    report = await _verify(client, headers)
    assert report["intact"] is False and report["first_break_id"] == events[-1].id


# --- keys --------------------------------------------------------------------------------------------------------


async def test_a_wrong_key_fails_verification(client, session, keys):
    await _failed_logins(client, 2)
    await _checkpoint(session)
    assert (await verify_chain(session, keys=keys)).intact
    wrong = AuditKeys(current_id=keys.current_id, keys={keys.current_id: b"not-the-bureau-audit-key-0123456789"})
    report = await verify_chain(session, keys=wrong)
    assert report.intact is False and "签名与内容不符" in report.detail


def _app_with(settings: Settings, sessionmaker, **audit_settings):  # noqa: ANN001, ANN202
    application = create_app(settings.model_copy(update=audit_settings))
    application.state.sessionmaker = sessionmaker
    return application


async def test_after_a_key_rotation_old_events_verify_with_the_old_key_listed(settings, sessionmaker, session):
    import httpx

    async def signed_in_client(application):  # noqa: ANN001, ANN202
        transport = httpx.ASGITransport(app=application, client=("203.0.113.7", 50000))
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    first = _app_with(settings, sessionmaker, audit_key=KEY_1, audit_key_id="k1", audit_old_keys={})
    async with await signed_in_client(first) as client:
        _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
        await _failed_logins(client, 2)
    rotated = _app_with(settings, sessionmaker, audit_key=KEY_2, audit_key_id="k2", audit_old_keys={"k1": KEY_1})
    async with await signed_in_client(rotated) as client:
        await _failed_logins(client, 2)
        report = await _verify(client, headers)
    assert report["intact"] is True, report["detail"]
    key_ids = set((await session.exec(select(AuditEvent.key_id))).all())
    assert key_ids == {"k1", "k2"}

    forgotten = _app_with(settings, sessionmaker, audit_key=KEY_2, audit_key_id="k2", audit_old_keys={})
    async with await signed_in_client(forgotten) as client:
        report = await _verify(client, headers)
        in_english = await _verify(client, headers, "en")
    assert report["intact"] is False and "未知的密钥 'k1'，请在 AUDIT_OLD_KEYS 中列出" in report["detail"]
    assert "unknown key id 'k1': list it in AUDIT_OLD_KEYS" in in_english["detail"]  # the reason inside in English too
    assert in_english["code"] == report["code"]


async def test_sm3_seals_new_events_and_they_verify(settings, sessionmaker, session):
    import httpx

    application = _app_with(settings, sessionmaker, audit_hash="sm3")
    transport = httpx.ASGITransport(app=application, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
        await _failed_logins(client, 2)
        assert (await _verify(client, headers))["intact"] is True
    seals = set((await session.exec(select(AuditEvent.seal))).all())
    assert seals == {"hmac-sm3"}


def test_the_sm3_in_use_is_the_one_of_gb_t_32905():
    from cryptography.hazmat.primitives import hashes

    digest = hashes.Hash(hashes.SM3())
    digest.update(b"abc")  # the standard's example 1
    assert digest.finalize().hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


# --- the old, unkeyed chain ----------------------------------------------------------------------------------------


async def _legacy_events(session, n: int) -> list[AuditEvent]:  # noqa: ANN001
    """Events as sealed before migration 0013a: unkeyed SHA-256, no seal, no key id."""
    prev, events = audit.GENESIS_HASH, []
    for i in range(1, n + 1):
        event = AuditEvent(actor_kind="system", action="test.legacy", entity="thing", entity_id=str(i), seq=i)
        event.prev_hash = prev
        event.hash = prev = audit.unkeyed_hash(prev, event)
        session.add(event)
        events.append(event)
    await session.commit()
    return events


async def test_events_sealed_before_the_switch_keep_verifying_and_the_chain_is_keyed_after_them(session, keys):
    legacy = await _legacy_events(session, 3)
    await audit.record(session, None, "test.keyed", "thing")
    await session.commit()
    report = await verify_chain(session, keys=keys)
    assert report.intact, report.detail
    assert report.unkeyed_events == 3
    switch = (await session.exec(select(AuditCheckpoint).order_by(col(AuditCheckpoint.id)))).first()
    assert (switch.position, switch.head_hash, switch.legacy_until) == (3, legacy[-1].hash, 3)


async def test_a_keyed_event_turned_into_an_unkeyed_one_after_the_switch_is_reported(session, keys):
    await _legacy_events(session, 2)
    keyed = await audit.record(session, None, "test.keyed", "thing")
    await session.commit()
    await _bypassing_the_triggers(session)
    forged = audit.unkeyed_hash(keyed.prev_hash, keyed)
    await session.exec(
        text("UPDATE audit_event SET hash = :h, seal = NULL, key_id = NULL WHERE id = :id").bindparams(
            h=forged, id=keyed.id
        )
    )
    await session.commit()
    report = await verify_chain(session, keys=keys)
    assert report.intact is False and report.first_break_id == keyed.id


# --- append-only and retention -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET actor_name = 'someone-else'",
        "DELETE FROM audit_event",
        "UPDATE audit_checkpoint SET position = 0",
        "DELETE FROM audit_checkpoint",
    ],
)
async def test_the_database_refuses_to_edit_or_delete_audit_events_and_checkpoints(client, session, statement):
    await _failed_logins(client, 1)
    assert await _seqs(session)
    assert (await session.exec(select(AuditCheckpoint))).first() is not None
    with pytest.raises(Exception, match="append-only"):
        async with session.begin_nested():
            await session.exec(text(statement))


@pytest.mark.postgres_only
@pytest.mark.parametrize("table", ["audit_event", "audit_checkpoint"])
async def test_postgresql_refuses_to_truncate_the_audit_tables(client, session, table):
    await _failed_logins(client, 1)
    with pytest.raises(Exception, match="append-only"):
        async with session.begin_nested():
            await session.exec(text(f"TRUNCATE {table}"))


async def _event_at(session, days_ago: int, action: str = "test.dated") -> AuditEvent:  # noqa: ANN001
    event = await audit.record(session, None, action, "thing")
    event.at = utcnow() - timedelta(days=days_ago)
    await session.commit()
    return event


async def test_an_event_younger_than_180_days_cannot_be_deleted_and_an_older_one_can(session, keys):
    old = await _event_at(session, 200)
    young = await _event_at(session, 179)
    with pytest.raises(Exception, match="younger than 180 days"):
        async with session.begin_nested():
            await session.exec(text("DELETE FROM audit_event WHERE id = :id").bindparams(id=young.id))
    async with session.begin_nested():
        await session.exec(text("DELETE FROM audit_event WHERE id = :id").bindparams(id=old.id))
    await session.commit()
    report = await verify_chain(session, keys=keys)  # no command prunes: a removed head shows as such
    assert report.intact is False and report.first_break_id == young.id


def test_retention_below_six_months_is_refused_by_the_settings():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="audit_retention_days"):
        Settings(env="development", audit_retention_days=179)


def test_production_refuses_to_run_without_its_own_audit_key():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="AUDIT_KEY"):
        Settings(env="production", secret_key="s" * 40)
    with pytest.raises(ValidationError, match="AUDIT_KEY"):
        Settings(env="production", secret_key="s" * 40, audit_key="s" * 40)
    keys = {"2026a": "cHJvZHVjdGlvbi1rZXktb2YtdGhlLWJ1cmVhdS0wMTI="}
    assert Settings(env="production", secret_key="s" * 40, audit_key="a" * 40, pii_keys=keys).audit_key_id == "k1"


async def test_a_chain_sealed_before_migration_0013a_still_verifies_after_it(tmp_path, keys):
    import asyncio

    from sqlalchemy.ext.asyncio import create_async_engine
    from sqlmodel.ext.asyncio.session import AsyncSession

    from app.cli import migrate

    url = f"sqlite+aiosqlite:///{tmp_path / 'before-0013a.db'}"
    await asyncio.to_thread(migrate, url, "0012")
    prev, rows = audit.GENESIS_HASH, []
    for seq in (1, 2, 3):
        event = AuditEvent(at=utcnow(), actor_kind="system", action="test.before", entity="thing", seq=seq)
        event.prev_hash, event.hash = prev, audit.unkeyed_hash(prev, event)
        prev = event.hash
        rows.append(
            {"at": event.at.replace(tzinfo=None).isoformat(" "), "seq": seq, "p": event.prev_hash, "h": event.hash}
        )
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            for row in rows:
                await conn.execute(
                    text("INSERT INTO audit_event (at, actor_kind, action, entity, seq, prev_hash, hash) "
                         "VALUES (:at, 'system', 'test.before', 'thing', :seq, :p, :h)"),
                    row,
                )  # fmt: skip
        await asyncio.to_thread(migrate, url)
        async with AsyncSession(engine, expire_on_commit=False) as session:
            await audit.record(session, None, "test.after", "thing")
            await session.commit()
            report = await verify_chain(session, keys=keys)
            assert report.intact, report.detail
            assert (report.events_checked, report.unkeyed_events) == (4, 3)
            assert report.latest_checkpoint.legacy_until == 3
    finally:
        await engine.dispose()
