"""Passwords (issue #17 item 6): no common or guessable ones, none of the last five again, and a password past
its age (90 days, PASSWORD_MAX_AGE_DAYS) must be changed before anything else is done."""

from datetime import timedelta

import pytest

from app.domain.permissions import Role
from app.models.base import utcnow
from tests.builders import PASSWORD, TACHENG, make_user, sign_in

pytestmark = pytest.mark.anyio
TOKEN = "/api/v1/auth/token"
ME_PASSWORD = "/api/v1/me/password"


async def _login(client, username, password):
    return await client.post(TOKEN, data={"username": username, "password": password})


async def _change(client, headers, old, new):
    return await client.post(ME_PASSWORD, headers=headers, json={"old_password": old, "new_password": new})


@pytest.mark.parametrize("common", ["Password@123", "P@ssw0rd2026", "Qwerty@12345", "Admin@123456", "Welcome@2026"])
async def test_a_common_password_is_refused_although_it_has_three_character_classes(client, session, common):
    user = await make_user(session)
    response = await _change(client, await sign_in(client, user), PASSWORD, common)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "new_password"]
    assert "常见" in response.json()["errors"][0]["msg"]


async def test_a_password_built_on_ones_own_username_is_refused(client, session):
    user = await make_user(session, username="zhangwei88")
    response = await _change(client, await sign_in(client, user), PASSWORD, "Zhangwei88!")
    assert response.status_code == 422


async def test_an_administrator_cannot_give_a_new_account_a_common_password(client, session):
    admin = await make_user(session, Role.COUNTY_ADMIN)
    body = {"username": "new_insp_x", "full_name": "新执法人员", "role": "county_inspector", "county_code": TACHENG}
    response = await client.post(
        "/api/v1/users", headers=await sign_in(client, admin), json=body | {"password": "Password@123"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "password"]


async def test_none_of_the_last_five_passwords_may_be_used_again_but_the_sixth_may(client, session):
    user = await make_user(session)
    used = [PASSWORD, "Brand-new-pass-2026", "Another-Pass-2026", "Third-Kestrel-77", "Fourth-Osprey-88"]
    for old, new in zip(used, used[1:], strict=False):
        assert (await _change(client, await sign_in(client, user, old), old, new)).status_code == 204
    current = used[-1]
    for earlier in used[1:]:  # the current password and the three before it; the first one just below
        response = await _change(client, await sign_in(client, user, current), current, earlier)
        assert response.status_code == 422, earlier
        assert "最近5次" in response.json()["errors"][0]["msg"]
    assert (await _change(client, await sign_in(client, user, current), current, PASSWORD)).status_code == 422
    fresh = "Fifth-Harrier-99"
    assert (await _change(client, await sign_in(client, user, current), current, fresh)).status_code == 204
    # now the five are: fresh and the four before it; the very first password is free again
    assert (await _change(client, await sign_in(client, user, fresh), fresh, PASSWORD)).status_code == 204


async def test_an_administrators_reset_may_not_reuse_a_recent_password_either(client, session):
    admin = await make_user(session, Role.COUNTY_ADMIN)
    user = await make_user(session)
    response = await client.post(
        f"/api/v1/users/{user.id}/password", headers=await sign_in(client, admin), json={"new_password": PASSWORD}
    )
    assert response.status_code == 422


async def test_a_password_ninety_days_old_must_be_changed_before_anything_else(client, session):
    user = await make_user(session, Role.COUNTY_ADMIN, password_changed_at=utcnow() - timedelta(days=90))
    signed_in = await _login(client, user.username, PASSWORD)
    assert signed_in.status_code == 200
    assert signed_in.json()["restriction"] == "password-expired"
    headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    for path in ("/api/v1/me", "/api/v1/enterprises", "/api/v1/users", "/api/v1/me/notifications"):
        refused = await client.get(path, headers=headers)
        assert refused.status_code == 403, path
        assert refused.json()["type"].endswith("/password-expired")
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert (await client.post("/api/v1/me/two-factor", headers=headers)).json()["type"].endswith("/password-expired")
    assert (await _change(client, headers, PASSWORD, "Renewed-Pass-2026")).status_code == 204
    again = await _login(client, user.username, "Renewed-Pass-2026")
    assert again.json()["restriction"] is None
    assert (
        await client.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {again.json()['access_token']}"})
    ).status_code == 200


async def test_a_session_with_an_expired_password_may_still_sign_out(client, session):
    user = await make_user(session, password_changed_at=utcnow() - timedelta(days=120))
    headers = await sign_in(client, user)
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert (
        await client.post(
            ME_PASSWORD, headers=headers, json={"old_password": PASSWORD, "new_password": "Renewed-Pass-2026"}
        )
    ).status_code == 401


async def test_a_password_eighty_nine_days_old_is_still_good(client, session):
    user = await make_user(session, password_changed_at=utcnow() - timedelta(days=89, hours=23))
    signed_in = await _login(client, user.username, PASSWORD)
    assert signed_in.json()["restriction"] is None
    assert (await client.get("/api/v1/me", headers=await sign_in(client, user))).status_code == 200


async def test_the_age_limit_is_a_setting(client, session, app, settings):
    app.state.settings = settings.model_copy(update={"password_max_age_days": 30})
    user = await make_user(session, password_changed_at=utcnow() - timedelta(days=31))
    assert (await _login(client, user.username, PASSWORD)).json()["restriction"] == "password-expired"


async def _must_change_then_may_work(client, username: str, password: str) -> None:
    """Signed in with a password someone else set: everything but changing it is 403 password-expired; once the
    account has chosen its own, the next sign-in is a full session."""
    signed_in = await _login(client, username, password)
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["restriction"] == "password-expired"
    headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    refused = await client.get("/api/v1/enterprises", headers=headers)
    assert refused.status_code == 403 and refused.json()["type"].endswith("/password-expired")
    assert (await _change(client, headers, password, "Own-Choice-Pass-2026")).status_code == 204
    again = await _login(client, username, "Own-Choice-Pass-2026")
    assert again.json()["restriction"] is None
    headers = {"Authorization": f"Bearer {again.json()['access_token']}"}
    assert (await client.get("/api/v1/enterprises", headers=headers)).status_code == 200


async def test_an_account_an_administrator_created_must_choose_its_own_password_before_anything_else(client, session):
    admin = await make_user(session, Role.COUNTY_ADMIN)
    body = {"username": "new_insp_first", "full_name": "新执法人员", "role": "county_inspector", "county_code": TACHENG}
    created = await client.post(
        "/api/v1/users", headers=await sign_in(client, admin), json=body | {"password": "Given-By-Admin-2026"}
    )
    assert created.status_code == 201, created.text
    assert created.json()["password_must_change"] is True
    await _must_change_then_may_work(client, "new_insp_first", "Given-By-Admin-2026")
    listed = await client.get(f"/api/v1/users/{created.json()['id']}", headers=await sign_in(client, admin))
    assert listed.json()["password_must_change"] is False


async def test_a_password_an_administrator_reset_must_be_changed_before_anything_else(client, session):
    admin = await make_user(session, Role.COUNTY_ADMIN)
    user = await make_user(session)
    reset = await client.post(
        f"/api/v1/users/{user.id}/password",
        headers=await sign_in(client, admin),
        json={"new_password": "Reset-By-Admin-2026"},
    )
    assert reset.status_code == 204, reset.text
    await _must_change_then_may_work(client, user.username, "Reset-By-Admin-2026")


async def test_a_password_one_chose_oneself_needs_no_second_change(client, session):
    user = await make_user(session)
    assert (await _change(client, await sign_in(client, user), PASSWORD, "Chosen-Myself-2026")).status_code == 204
    assert (await _login(client, user.username, "Chosen-Myself-2026")).json()["restriction"] is None
