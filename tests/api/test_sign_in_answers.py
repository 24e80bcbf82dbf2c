"""One answer for every refused sign-in (issue #17 item 8): a wrong password, an unknown username and a locked
account are indistinguishable to the caller; the owner hears of the lock in their inbox, administrators in the
audit trail."""

from datetime import timedelta

import pytest
from sqlmodel import select

from app.domain.permissions import Role
from app.models import AuditEvent, User
from app.models.base import utcnow
from tests.builders import PASSWORD, make_user, sign_in

pytestmark = pytest.mark.anyio
TOKEN = "/api/v1/auth/token"
WRONG = "Wrong-pass-123"


async def _login(client, username, password):
    return await client.post(TOKEN, data={"username": username, "password": password})


def _answer(response):
    return response.status_code, response.headers.get("WWW-Authenticate"), response.json()


async def _lock(client, user):
    for _ in range(5):
        await _login(client, user.username, WRONG)


async def test_a_wrong_password_an_unknown_user_and_a_locked_account_get_the_same_answer(client, session):
    known = await make_user(session)
    locked = await make_user(session)
    await _lock(client, locked)
    wrong_password = await _login(client, known.username, WRONG)
    unknown_user = await _login(client, "nobody-by-this-name", WRONG)
    locked_right_password = await _login(client, locked.username, PASSWORD)
    locked_wrong_password = await _login(client, locked.username, WRONG)
    answers = [_answer(r) for r in (wrong_password, unknown_user, locked_right_password, locked_wrong_password)]
    assert answers[0][0] == 401 and answers[0][2]["type"].endswith("/invalid-credentials")
    assert all(answer == answers[0] for answer in answers), answers


async def test_the_fifth_failure_itself_answers_like_the_four_before_it(client, session):
    user = await make_user(session)
    answers = [_answer(await _login(client, user.username, WRONG)) for _ in range(5)]
    assert all(answer == answers[0] for answer in answers)


async def test_a_deactivated_account_gets_that_same_answer(client, session):
    active = await make_user(session)
    inactive = await make_user(session, is_active=False)
    assert _answer(await _login(client, inactive.username, PASSWORD)) == _answer(
        await _login(client, active.username, WRONG)
    )


async def test_the_owner_finds_the_lock_in_their_inbox_once_they_are_back_in(client, session):
    user = await make_user(session)
    await _lock(client, user)
    stored = await session.get(User, user.id, populate_existing=True)
    stored.locked_until = utcnow() - timedelta(seconds=1)  # the lockout has run out
    session.add(stored)
    await session.commit()
    headers = await sign_in(client, user)
    inbox = (await client.get("/api/v1/me/notifications", headers=headers)).json()
    locks = [n for n in inbox["items"] if n["kind"] == "account_locked"]
    assert len(locks) == 1
    assert "5次登录失败" in locks[0]["title"] and locks[0]["kind_label"] == "账户已锁定"
    assert locks[0]["ref_type"] == "user" and locks[0]["ref_id"] == str(user.id)


async def test_administrators_find_the_lock_in_the_audit_trail(client, session):
    user = await make_user(session)
    await _lock(client, user)
    _, admin = await _admin(client, session)
    response = await client.get("/api/v1/audit-events", params={"action": "auth.account_locked"}, headers=admin)
    assert response.status_code == 200
    [event] = [e for e in response.json()["items"] if e["entity_id"] == str(user.id)]
    assert event["after"]["failures"] == 5 and event["after"]["locked_until"]


async def test_a_sign_in_refused_while_locked_is_audited_as_such(client, session):
    user = await make_user(session)
    await _lock(client, user)
    await _login(client, user.username, PASSWORD)
    refused = (
        await session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "auth.login_refused_locked", AuditEvent.entity_id == str(user.id)
            )
        )
    ).all()
    assert len(refused) == 1


async def _admin(client, session):
    admin = await make_user(session, Role.AUDIT_ADMIN)
    return admin, await sign_in(client, admin)
