"""The audit trail: complete, readable by the audit admin only (三权分立), and tamper-evident."""

import pytest
from sqlalchemy import text
from sqlmodel import col, select

from app.domain.permissions import Role
from app.models import AuditEvent
from tests.builders import as_role, make_user

pytestmark = pytest.mark.anyio
EVENTS = "/api/v1/audit-events"


async def test_logins_and_mutations_are_recorded_with_actor_request_id_and_address(client, session):
    admin, admin_headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
    target = await make_user(session)
    await client.patch(
        f"/api/v1/users/{target.id}", json={"full_name": "改名"}, headers=admin_headers | {"X-Request-ID": "req-42"}
    )
    listed = (await client.get(EVENTS, headers=headers, params={"entity_id": str(target.id)})).json()
    [update] = [e for e in listed["items"] if e["action"] == "user.update"]
    assert update["actor_name"] == admin.username
    assert update["request_id"] == "req-42" and update["client_addr"] == "203.0.113.7"
    assert update["before"] == {"full_name": "测试用户", "updated_at": update["before"]["updated_at"]}
    assert update["after"]["full_name"] == "改名"
    logins = (await client.get(EVENTS, headers=headers, params={"action": "auth.login"})).json()
    assert logins["total"] >= 1


@pytest.mark.parametrize(
    "role",
    [
        Role.PREFECTURE_ADMIN,
        Role.SYSTEM_ADMIN,
        Role.SECURITY_ADMIN,
        Role.PREFECTURE_VIEWER,
        Role.COUNTY_ADMIN,
        Role.COUNTY_INSPECTOR,
    ],
)
async def test_only_the_audit_admin_reads_the_audit_trail(client, session, role):
    _, headers = await as_role(client, session, role)
    assert (await client.get(EVENTS, headers=headers)).status_code == 403
    assert (await client.get(f"{EVENTS}/verify", headers=headers)).status_code == 403


async def test_no_route_edits_or_deletes_audit_events(app):
    for route in app.routes:
        if getattr(route, "path", "").startswith(EVENTS):
            assert route.methods <= {"GET", "HEAD"}


async def test_the_chain_verifies_when_untouched(client, session):
    _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
    await make_user(session)
    report = (await client.get(f"{EVENTS}/verify", headers=headers)).json()
    assert report["intact"] is True and report["events_checked"] >= 1


async def _as_a_superuser_bypassing_triggers(session) -> None:
    """What tampering takes where triggers refuse UPDATE and DELETE of audit events: a PostgreSQL superuser
    disabling them, or anyone who can write the SQLite file dropping them."""
    if session.bind.dialect.name == "postgresql":
        await session.exec(text("SET LOCAL session_replication_role = replica"))
    else:
        for trigger in ("audit_event_no_update", "audit_event_retention"):
            await session.exec(text(f"DROP TRIGGER IF EXISTS {trigger}"))


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_event SET actor_name = 'someone-else'", "DELETE FROM audit_event", "TRUNCATE audit_event"],
)
async def test_the_database_refuses_to_edit_or_delete_audit_events(client, session, statement):
    await client.post("/api/v1/auth/token", data={"username": "nobody", "password": "x"})
    with pytest.raises(Exception, match="append-only"):
        async with session.begin_nested():
            await session.exec(text(statement))


async def test_an_edited_event_breaks_the_chain_at_that_event(client, session):
    _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
    await client.get("/api/v1/me", headers=headers)
    await client.post("/api/v1/auth/token", data={"username": "nobody", "password": "x"})
    first = (await session.exec(select(AuditEvent).order_by(col(AuditEvent.seq)).limit(1))).one()
    await _as_a_superuser_bypassing_triggers(session)
    await session.exec(
        text("UPDATE audit_event SET actor_name = 'someone-else' WHERE id = :id").bindparams(id=first.id)
    )
    await session.commit()
    report = (await client.get(f"{EVENTS}/verify", headers=headers)).json()
    assert report["intact"] is False
    assert report["first_break_id"] == first.id


async def test_a_deleted_event_breaks_the_chain_after_the_gap(client, session):
    _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
    for _ in range(3):
        await client.post("/api/v1/auth/token", data={"username": "nobody", "password": "x"})
    ids = (await session.exec(select(AuditEvent.id).order_by(col(AuditEvent.seq)))).all()
    await _as_a_superuser_bypassing_triggers(session)
    await session.exec(text("DELETE FROM audit_event WHERE id = :id").bindparams(id=ids[1]))
    await session.commit()
    report = (await client.get(f"{EVENTS}/verify", headers=headers)).json()
    assert report["intact"] is False
    assert report["first_break_id"] == ids[2]
