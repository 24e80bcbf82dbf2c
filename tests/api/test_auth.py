"""Sign-in, tokens and their revocation: what 等保三级 expects of a government system."""

import uuid
from datetime import timedelta

import pytest
from jose import jwt
from sqlmodel import select

from app.domain.permissions import Role
from app.models import AuditEvent, User
from app.models.base import utcnow
from tests.api.conftest import TEST_SECRET
from tests.builders import PASSWORD, TACHENG, make_service_account, make_user, sign_in

pytestmark = pytest.mark.anyio
TOKEN = "/api/v1/auth/token"


async def _login(client, username, password):
    return await client.post(TOKEN, data={"username": username, "password": password})


async def test_a_user_signs_in_and_reads_their_profile(client, session):
    user = await make_user(session, Role.COUNTY_ADMIN)
    response = await _login(client, user.username, PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["refresh_token"] and 0 < body["expires_in"] <= 15 * 60
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == user.username
    assert me.json()["county_code"] == TACHENG
    assert me.json()["role_label"] == "县（市）局管理员"
    assert "users:write" in me.json()["permissions"]


async def test_a_wrong_password_is_refused_with_problem_json_and_audited(client, session):
    user = await make_user(session)
    response = await _login(client, user.username, "Wrong-pass-123")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/invalid-credentials")
    events = (await session.exec(select(AuditEvent).where(AuditEvent.action == "auth.login_failed"))).all()
    assert [e.entity_id for e in events] == [str(user.id)]
    assert events[0].client_addr == "203.0.113.7"


async def test_an_unknown_username_is_refused_the_same_way(client, session):
    response = await _login(client, "nobody-here", "Wrong-pass-123")
    assert response.status_code == 401
    assert response.json()["type"].endswith("/invalid-credentials")


async def test_five_failed_logins_lock_the_account_even_for_the_right_password(client, session):
    user = await make_user(session)
    statuses = [(await _login(client, user.username, "Wrong-pass-123")).status_code for _ in range(5)]
    assert statuses == [401] * 5
    locked = await _login(client, user.username, PASSWORD)
    assert locked.status_code == 401
    # the same answer as a wrong password: a lock would tell which usernames exist (test_sign_in_answers.py)
    assert locked.json()["type"].endswith("/invalid-credentials")
    assert (await session.get(User, user.id, populate_existing=True)).locked_until > utcnow()


async def test_a_lockout_ends_after_fifteen_minutes(client, session):
    user = await make_user(session, locked_until=utcnow() - timedelta(seconds=1))
    assert (await _login(client, user.username, PASSWORD)).status_code == 200


async def test_the_security_admin_unlocks_a_locked_inspector_and_a_county_admin_no_longer_may(client, session):
    county_admin = await make_user(session, Role.COUNTY_ADMIN)
    security_admin = await make_user(session, Role.SECURITY_ADMIN)
    locked = await make_user(session, locked_until=utcnow() + timedelta(minutes=10))
    county_headers = await sign_in(client, county_admin)
    assert (await client.post(f"/api/v1/users/{locked.id}/unlock", headers=county_headers)).status_code == 403
    headers = await sign_in(client, security_admin)
    assert (await client.post(f"/api/v1/users/{locked.id}/unlock", headers=headers)).status_code == 200
    assert (await _login(client, locked.username, PASSWORD)).status_code == 200


async def test_a_deactivated_user_cannot_sign_in(client, session):
    user = await make_user(session, is_active=False)
    assert (await _login(client, user.username, PASSWORD)).status_code == 401


def _token(secret=TEST_SECRET, algorithm="HS256", **claims):
    now = utcnow()
    base = {
        "sub": str(uuid.uuid4()),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=5)).timestamp()),
        "jti": str(uuid.uuid4()),
        "ver": 0,
        "typ": "access",
    }
    return jwt.encode(base | claims, secret, algorithm=algorithm)


async def _me(client, token):
    return await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


async def test_an_expired_token_is_refused(client, session):
    user = await make_user(session)
    past = utcnow() - timedelta(hours=1)
    token = _token(sub=str(user.id), iat=int(past.timestamp()), exp=int((past + timedelta(minutes=5)).timestamp()))
    assert (await _me(client, token)).status_code == 401


async def test_a_token_signed_with_another_key_is_refused(client, session):
    user = await make_user(session)
    assert (
        await _me(client, _token(secret="another-secret-key-of-sufficient-length-xx", sub=str(user.id)))
    ).status_code == 401


async def test_a_valid_token_built_by_the_test_is_accepted_so_the_refusals_above_mean_something(client, session):
    user = await make_user(session)
    assert (await _me(client, _token(sub=str(user.id)))).status_code == 200


async def test_a_tampered_token_is_refused(client, session):
    user = await make_user(session)
    header, payload, signature = _token(sub=str(user.id)).split(".")
    other = _token(sub=str(uuid.uuid4())).split(".")[1]
    assert (await _me(client, f"{header}.{other}.{signature}")).status_code == 401


async def test_an_alg_none_token_is_refused(client, session):
    import base64
    import json

    user = await make_user(session)

    def b64(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    now = int(utcnow().timestamp())
    token = (
        b64({"alg": "none", "typ": "JWT"})
        + "."
        + b64(
            {
                "sub": str(user.id),
                "iat": now,
                "exp": now + 300,
                "jti": str(uuid.uuid4()),
                "ver": 0,
                "typ": "access",
            }
        )
        + "."
    )
    assert (await _me(client, token)).status_code == 401


async def test_a_token_missing_the_expiry_claim_is_refused(client, session):
    user = await make_user(session)
    token = jwt.encode(
        {"sub": str(user.id), "iat": 1, "jti": str(uuid.uuid4()), "ver": 0, "typ": "access"},
        TEST_SECRET,
        algorithm="HS256",
    )
    assert (await _me(client, token)).status_code == 401


async def test_refresh_rotates_and_the_old_refresh_token_is_refused(client, session):
    user = await make_user(session)
    first = (await _login(client, user.username, PASSWORD)).json()
    second = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    reused = await client.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    # reuse is treated as theft: the whole family, including the newest token, is revoked
    newest = await client.post("/api/v1/auth/refresh", json={"refresh_token": second.json()["refresh_token"]})
    assert newest.status_code == 401


async def test_logout_revokes_the_access_token_and_the_refresh_token(client, session):
    user = await make_user(session)
    pair = (await _login(client, user.username, PASSWORD)).json()
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refreshed.status_code == 401


async def test_a_password_change_revokes_every_outstanding_token(client, session):
    user = await make_user(session)
    pair = (await _login(client, user.username, PASSWORD)).json()
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    changed = await client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"old_password": PASSWORD, "new_password": "Brand-new-pass-2026"},
    )
    assert changed.status_code == 204
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
    assert (await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})).status_code == 401
    assert (await _login(client, user.username, "Brand-new-pass-2026")).status_code == 200


@pytest.mark.parametrize(
    "new_password",
    ["Short-1a", "alllowercaseletters", "ALLUPPER123456", "lower-and-symbols!!"],
    ids=["too-short", "one-class", "two-classes-upper-digit", "two-classes-lower-symbol"],
)
async def test_a_weak_new_password_is_refused_with_its_location(client, session, new_password):
    user = await make_user(session)
    headers = await sign_in(client, user)
    response = await client.post(
        "/api/v1/me/password", headers=headers, json={"old_password": PASSWORD, "new_password": new_password}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "new_password"]


async def test_a_password_change_with_the_wrong_old_password_is_refused(client, session):
    user = await make_user(session)
    headers = await sign_in(client, user)
    response = await client.post(
        "/api/v1/me/password",
        headers=headers,
        json={"old_password": "Not-the-old-1", "new_password": "Brand-new-pass-2026"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "old_password"]


async def test_a_service_key_works_and_a_missing_scope_is_403(client, session):
    _, key = await make_service_account(session, ["jurisdictions:read"])
    headers = {"X-API-Key": key}
    assert (await client.get("/api/v1/jurisdictions", headers=headers)).status_code == 200
    assert (await client.get("/api/v1/users", headers=headers)).status_code == 403


async def test_a_revoked_or_unknown_service_key_is_401(client, session):
    _, key = await make_service_account(session, ["jurisdictions:read"], is_active=False)
    assert (await client.get("/api/v1/jurisdictions", headers={"X-API-Key": key})).status_code == 401
    assert (await client.get("/api/v1/jurisdictions", headers={"X-API-Key": "zj_nonsense"})).status_code == 401


async def test_no_credentials_is_401_with_a_bearer_challenge(client):
    response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_the_password_is_stored_as_an_argon2_hash(session):
    user = await make_user(session, password="Some-Password-77")
    stored = await session.get(User, user.id)
    assert stored.password_hash.startswith("$argon2id$")


async def test_too_many_logins_from_one_address_get_429_with_retry_after(client, settings, app, session):
    app.state.settings = settings.model_copy(update={"login_rate_limit": "3/minute"})
    user = await make_user(session)
    statuses = [(await _login(client, user.username, PASSWORD)).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = await _login(client, user.username, PASSWORD)
    assert limited.headers["content-type"].startswith("application/problem+json")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
