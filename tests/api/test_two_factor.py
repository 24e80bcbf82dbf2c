"""Two-factor sign-in with TOTP (issue #17 item 4), under the default settings: the prefecture admin needs two
factors. The token endpoint takes the code in the same request, and every refusal — wrong password, missing,
wrong or replayed code — is the same answer, so the password is never confirmed without the code. Time is injected
(`utc_now`); codes are computed for the injected time."""

from dataclasses import replace
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import select

from app.core import totp
from app.core.actor import actor_for_user
from app.core.config import Settings
from app.core.deps import utc_now
from app.core.errors import NotFound
from app.domain.permissions import Permission, Role
from app.models import AuditEvent, RecoveryCode, TwoFactor, User
from app.models.base import utcnow
from app.services.accounts import users as users_service
from tests.builders import PASSWORD, TACHENG, WUSU, make_service_account, make_user

pytestmark = pytest.mark.anyio
TOKEN = "/api/v1/auth/token"


@pytest.fixture
def clock(app, settings):
    """The app's `now`, at a fixed instant the test moves; and the default two-factor roles in force."""
    app.state.settings = settings.model_copy(
        update={"two_factor_roles": Settings.model_fields["two_factor_roles"].default}
    )
    state = {"now": utcnow()}
    app.dependency_overrides[utc_now] = lambda: state["now"]
    yield state
    app.dependency_overrides.pop(utc_now, None)


async def _login(client, username, password=PASSWORD, **extra):
    return await client.post(TOKEN, data={"username": username, "password": password} | extra)


def _bearer(response):
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _enrolled(client, clock, user):
    """Sign in with the password, enrol, confirm: (full-session headers, secret, recovery codes)."""
    headers = _bearer(await _login(client, user.username))
    enrolment = (await client.post("/api/v1/me/two-factor", headers=headers)).json()
    confirmed = await client.post(
        "/api/v1/me/two-factor/confirm",
        headers=headers,
        json={"code": totp.code_at(enrolment["secret"], clock["now"])},
    )
    assert confirmed.status_code == 200, confirmed.text
    clock["now"] += timedelta(seconds=30)  # the confirming code is spent: the next one is a step later
    return _bearer(confirmed), enrolment["secret"], enrolment["recovery_codes"]


def test_the_default_settings_ask_every_administrator_for_two_factors():
    assert set(Settings(env="development").two_factor_roles) == {
        Role.PREFECTURE_ADMIN,
        Role.SYSTEM_ADMIN,
        Role.SECURITY_ADMIN,
        Role.AUDIT_ADMIN,
    }


async def test_a_prefecture_admin_without_an_authenticator_signs_in_to_a_session_that_may_only_enrol(
    client, session, clock
):
    admin = await make_user(session, Role.PREFECTURE_ADMIN)
    signed_in = await _login(client, admin.username)
    assert signed_in.status_code == 200
    assert signed_in.json()["restriction"] == "two-factor-enrolment-required"
    headers = _bearer(signed_in)
    for method, path in (("GET", "/api/v1/me"), ("GET", "/api/v1/enterprises"), ("GET", "/api/v1/audit-events")):
        refused = await client.request(method, path, headers=headers)
        assert refused.status_code == 403, path
        assert refused.json()["type"].endswith("/two-factor-enrolment-required")
    enrolment = await client.post("/api/v1/me/two-factor", headers=headers)
    assert enrolment.status_code == 201
    body = enrolment.json()
    uri = urlparse(body["provisioning_uri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert parse_qs(uri.query)["secret"] == [body["secret"]]
    assert admin.username in uri.path
    assert len(body["recovery_codes"]) == 10 and len(set(body["recovery_codes"])) == 10


async def test_recovery_codes_are_kept_only_hashed(client, session, clock):
    admin = await make_user(session, Role.PREFECTURE_ADMIN)
    headers = _bearer(await _login(client, admin.username))
    codes = (await client.post("/api/v1/me/two-factor", headers=headers)).json()["recovery_codes"]
    stored = (await session.exec(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == admin.id))).all()
    assert sorted(stored) == sorted(totp.recovery_code_hash(c) for c in codes)
    assert not set(codes) & set(stored)


async def test_confirming_with_the_current_code_opens_a_full_session_and_ends_the_old_one(client, session, clock):
    admin = await make_user(session, Role.PREFECTURE_ADMIN)
    old = _bearer(await _login(client, admin.username))
    secret = (await client.post("/api/v1/me/two-factor", headers=old)).json()["secret"]
    wrong = await client.post("/api/v1/me/two-factor/confirm", headers=old, json={"code": "000000"})
    if totp.code_at(secret, clock["now"]) != "000000":
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["loc"] == ["body", "code"]
    confirmed = await client.post(
        "/api/v1/me/two-factor/confirm", headers=old, json={"code": totp.code_at(secret, clock["now"])}
    )
    assert confirmed.status_code == 200
    assert confirmed.json()["restriction"] is None
    assert (await client.get("/api/v1/enterprises", headers=_bearer(confirmed))).status_code == 200
    assert (await client.get("/api/v1/me", headers=old)).status_code == 401
    again = await client.post("/api/v1/me/two-factor", headers=_bearer(confirmed))
    assert again.status_code == 409


async def test_once_enrolled_every_refusal_is_the_same_answer_whether_or_not_the_password_was_right(
    client, session, clock
):
    admin = await make_user(session, Role.PREFECTURE_ADMIN)
    _, secret, _ = await _enrolled(client, clock, admin)
    code = totp.code_at(secret, clock["now"])
    attempts = [
        await _login(client, admin.username),  # right password, no code
        await _login(client, admin.username, "Wrong-pass-123"),  # wrong password, no code
        await _login(client, admin.username, "Wrong-pass-123", totp_code=code),  # wrong password, right code
        await _login(client, admin.username, totp_code="123456" if code != "123456" else "654321"),  # wrong code
    ]
    answers = [(r.status_code, r.json()) for r in attempts]
    assert answers[0][0] == 401 and answers[0][1]["type"].endswith("/invalid-credentials")
    assert all(answer == answers[0] for answer in answers)
    unknown = await _login(client, "no-such-admin", totp_code=code)
    assert (unknown.status_code, unknown.json()) == answers[0]


async def test_the_password_and_a_current_code_sign_in_with_both_factors(client, session, clock):
    admin = await make_user(session, Role.PREFECTURE_ADMIN)
    _, secret, _ = await _enrolled(client, clock, admin)
    response = await _login(client, admin.username, totp_code=totp.code_at(secret, clock["now"]))
    assert response.status_code == 200 and response.json()["restriction"] is None
    assert (await client.get("/api/v1/plans", headers=_bearer(response))).status_code == 200


async def test_a_code_signs_in_once_and_its_replay_within_its_window_is_refused(client, session, clock):
    admin = await make_user(session, Role.PREFECTURE_ADMIN)
    _, secret, _ = await _enrolled(client, clock, admin)
    code = totp.code_at(secret, clock["now"])
    assert (await _login(client, admin.username, totp_code=code)).status_code == 200
    clock["now"] += timedelta(seconds=5)  # the same step, still valid by the clock
    assert (await _login(client, admin.username, totp_code=code)).status_code == 401
    clock["now"] += timedelta(seconds=30)
    assert (await _login(client, admin.username, totp_code=totp.code_at(secret, clock["now"]))).status_code == 200


async def test_a_code_one_step_old_is_accepted_for_clock_drift_but_not_two_minutes_old(client, session, clock):
    admin = await make_user(session, Role.PREFECTURE_ADMIN)
    _, secret, _ = await _enrolled(client, clock, admin)
    clock["now"] += timedelta(minutes=5)
    stale = totp.code_at(secret, clock["now"] - timedelta(minutes=2))
    if stale not in {totp.code_at(secret, clock["now"] + timedelta(seconds=s)) for s in (-30, 0, 30)}:
        assert (await _login(client, admin.username, totp_code=stale)).status_code == 401
    drifted = totp.code_at(secret, clock["now"] - timedelta(seconds=30))
    assert (await _login(client, admin.username, totp_code=drifted)).status_code == 200


async def test_a_recovery_code_signs_in_once_however_it_is_typed(client, session, clock):
    admin = await make_user(session, Role.PREFECTURE_ADMIN)
    _, _, codes = await _enrolled(client, clock, admin)
    typed = codes[0].replace("-", "").lower()
    first = await _login(client, admin.username, recovery_code=typed)
    assert first.status_code == 200 and first.json()["restriction"] is None
    assert (await _login(client, admin.username, recovery_code=codes[0])).status_code == 401
    assert (await _login(client, admin.username, recovery_code=codes[1])).status_code == 200


async def test_wrong_codes_count_towards_the_lockout(client, session, clock):
    admin = await make_user(session, Role.PREFECTURE_ADMIN)
    _, secret, _ = await _enrolled(client, clock, admin)
    right = totp.code_at(secret, clock["now"])
    wrong = next(c for c in ("111111", "222222", "333333") if c != right)
    for _ in range(5):
        await _login(client, admin.username, totp_code=wrong)
    assert (await _login(client, admin.username, totp_code=right)).status_code == 401
    assert (await session.get(User, admin.id, populate_existing=True)).locked_until > clock["now"]


async def test_a_session_with_both_factors_keeps_them_through_refresh_and_one_without_stays_restricted(
    client, session, clock
):
    admin = await make_user(session, Role.PREFECTURE_ADMIN)
    _, secret, _ = await _enrolled(client, clock, admin)
    full = await _login(client, admin.username, totp_code=totp.code_at(secret, clock["now"]))
    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": full.json()["refresh_token"]})
    assert refreshed.json()["restriction"] is None
    assert (await client.get("/api/v1/enterprises", headers=_bearer(refreshed))).status_code == 200
    other = await make_user(session, Role.PREFECTURE_ADMIN)
    partial = await _login(client, other.username)
    refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": partial.json()["refresh_token"]})
    assert refreshed.json()["restriction"] == "two-factor-enrolment-required"
    assert (await client.get("/api/v1/enterprises", headers=_bearer(refreshed))).status_code == 403


async def test_an_inspector_needs_one_factor_unless_the_setting_names_the_role(client, session, clock, app):
    inspector = await make_user(session)
    assert (await _login(client, inspector.username)).json()["restriction"] is None
    app.state.settings = app.state.settings.model_copy(
        update={"two_factor_roles": [Role.PREFECTURE_ADMIN, Role.COUNTY_INSPECTOR]}
    )
    assert (await _login(client, inspector.username)).json()["restriction"] == "two-factor-enrolment-required"


async def test_an_inspector_who_enrols_of_their_own_accord_then_needs_the_code(client, session, clock):
    inspector = await make_user(session)
    _, secret, _ = await _enrolled(client, clock, inspector)
    assert (await _login(client, inspector.username)).status_code == 401
    assert (await _login(client, inspector.username, totp_code=totp.code_at(secret, clock["now"]))).status_code == 200


async def test_a_security_administrator_resets_a_lost_authenticator_and_its_sessions_end(client, session, clock):
    security_admin = await make_user(session, Role.SECURITY_ADMIN)
    admin_headers, _, _ = await _enrolled(client, clock, security_admin)
    inspector = await make_user(session, county_code=WUSU)
    inspector_headers, _, _ = await _enrolled(client, clock, inspector)
    response = await client.delete(f"/api/v1/users/{inspector.id}/two-factor", headers=admin_headers)
    assert response.status_code == 204
    assert (await client.get("/api/v1/me", headers=inspector_headers)).status_code == 401
    assert await session.get(TwoFactor, inspector.id) is None
    assert (await session.exec(select(RecoveryCode).where(RecoveryCode.user_id == inspector.id))).all() == []
    assert (await _login(client, inspector.username)).status_code == 200  # the password alone again
    [event] = (
        await session.exec(
            select(AuditEvent).where(AuditEvent.action == "two_factor.reset", AuditEvent.entity_id == str(inspector.id))
        )
    ).all()
    assert event.actor_id == security_admin.id and event.before == {"enrolled": True}


async def test_a_security_administrator_may_not_reset_their_own_authenticator(client, session, clock):
    admin = await make_user(session, Role.SECURITY_ADMIN)
    headers, _, _ = await _enrolled(client, clock, admin)
    response = await client.delete(f"/api/v1/users/{admin.id}/two-factor", headers=headers)
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["body", "user_id"]
    assert await session.get(TwoFactor, admin.id) is not None
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200


async def test_a_county_admin_may_not_reset_two_factor(client, session, clock):
    county_admin = await make_user(session, Role.COUNTY_ADMIN)
    inspector = await make_user(session)
    headers = _bearer(await _login(client, county_admin.username))
    response = await client.delete(f"/api/v1/users/{inspector.id}/two-factor", headers=headers)
    assert response.status_code == 403


async def test_a_reset_outside_the_callers_county_is_not_found(session):
    """No county-bound role holds users:security today; the reset is scoped like every user admin endpoint, so a
    county-bound holder (e.g. a future county security admin) gets 404 for another county's user."""
    holder = await make_user(session, Role.COUNTY_ADMIN, county_code=TACHENG)
    theirs = await make_user(session, county_code=WUSU)
    actor = actor_for_user(holder)
    actor = replace(actor, permissions=actor.permissions | {Permission.USERS_SECURITY})
    with pytest.raises(NotFound):
        await users_service.reset_two_factor(session, actor, theirs.id)


async def test_a_service_key_cannot_enrol(client, session, clock):
    _, key = await make_service_account(session, ["enterprises:read"])
    assert (await client.post("/api/v1/me/two-factor", headers={"X-API-Key": key})).status_code == 401


@pytest.mark.parametrize(
    "extra",
    [
        {"totp_code": "\x00\x00\x00"},
        {"totp_code": "１２３４５６"},
        {"totp_code": "9" * 16},
        {"recovery_code": "é" * 32},
        {"recovery_code": "\x00"},
        {"totp_code": "", "recovery_code": ""},
    ],
    ids=["nul", "fullwidth-digits", "long", "accents", "nul-recovery", "empty"],
)
async def test_odd_codes_are_refused_like_any_wrong_code_never_a_5xx(client, session, clock, extra):
    admin = await make_user(session, Role.PREFECTURE_ADMIN)
    await _enrolled(client, clock, admin)
    response = await _login(client, admin.username, **extra)
    assert response.status_code in (401, 422)
