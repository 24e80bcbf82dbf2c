"""User administration: the system admin keeps the staff's accounts; a county admin only its own county's inspectors.
(Roles and unlocks, the security admin's, are in test_duties.py.)"""

import pytest
from sqlmodel import select

from app.domain.permissions import Role
from app.models import AuditEvent
from tests.builders import PASSWORD, TACHENG, WUSU, as_role, make_user, sign_in

pytestmark = pytest.mark.anyio
USERS = "/api/v1/users"


def _new_user(**overrides):
    body = {
        "username": "new_inspector",
        "full_name": "新执法人员",
        "role": "county_inspector",
        "county_code": TACHENG,
        "credential_no": "65420100099",
        "credential_valid_from": "2025-01-01",
        "credential_valid_until": "2028-12-31",
        "password": "Strong-Pass-2026",
    }
    return body | overrides


async def test_the_system_admin_creates_an_inspector_who_can_then_sign_in(client, session):
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    response = await client.post(USERS, json=_new_user(), headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["role_label"] == "县（市）局执法人员"
    assert "password" not in response.json() and "password_hash" not in response.json()
    login = await client.post("/api/v1/auth/token", data={"username": "new_inspector", "password": "Strong-Pass-2026"})
    assert login.status_code == 200


async def test_creating_a_user_is_audited_without_the_password_hash(client, session):
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    created = (await client.post(USERS, json=_new_user(), headers=headers)).json()
    event = (await session.exec(select(AuditEvent).where(AuditEvent.action == "user.create"))).one()
    assert event.entity_id == created["id"]
    assert event.after["username"] == "new_inspector"
    assert "password_hash" not in event.after


async def test_a_county_admin_creates_an_inspector_in_their_own_county(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    response = await client.post(USERS, json=_new_user(), headers=headers)
    assert response.status_code == 201


async def test_a_county_admin_cannot_create_a_user_in_another_county(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    response = await client.post(USERS, json=_new_user(county_code=WUSU), headers=headers)
    assert response.status_code == 404


@pytest.mark.parametrize("role", ["county_admin", "prefecture_admin", "prefecture_viewer"])
async def test_a_county_admin_cannot_create_anything_but_an_inspector(client, session, role):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    county = TACHENG if role == "county_admin" else None
    response = await client.post(USERS, json=_new_user(role=role, county_code=county), headers=headers)
    assert response.status_code == 403


@pytest.mark.parametrize("role", [Role.COUNTY_INSPECTOR, Role.PREFECTURE_VIEWER])
async def test_inspectors_and_viewers_cannot_create_users(client, session, role):
    _, headers = await as_role(client, session, role)
    assert (await client.post(USERS, json=_new_user(), headers=headers)).status_code == 403


@pytest.mark.parametrize(
    ("overrides", "loc"),
    [
        ({"county_code": None}, ["body", "county_code"]),
        ({"role": "prefecture_viewer"}, ["body", "county_code"]),
        ({"county_code": "999999"}, ["body", "county_code"]),
        ({"password": "short"}, ["body", "password"]),
        ({"credential_valid_until": "2024-01-01"}, ["body", "credential_valid_until"]),
        ({"role": "service", "county_code": None}, ["body", "role"]),
        ({"is_active": False}, ["body", "is_active"]),
    ],
    ids=[
        "county-role-without-county",
        "prefecture-role-with-county",
        "unknown-county",
        "weak-password",
        "credential-ends-before-it-starts",
        "service-role",
        "read-only-field",
    ],
)
async def test_an_invalid_user_is_refused_with_the_field_named(client, session, overrides, loc):
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    response = await client.post(USERS, json=_new_user(**overrides), headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["loc"] == loc


async def test_a_taken_username_is_a_conflict(client, session):
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    await client.post(USERS, json=_new_user(), headers=headers)
    assert (await client.post(USERS, json=_new_user(), headers=headers)).status_code == 409


async def test_a_county_admin_lists_only_their_county_and_the_prefecture_lists_all(client, session):
    ours = await make_user(session, county_code=TACHENG)
    theirs = await make_user(session, county_code=WUSU)
    _, county_headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    listed = (await client.get(USERS, headers=county_headers, params={"limit": 200})).json()
    ids = {u["id"] for u in listed["items"]}
    assert str(ours.id) in ids and str(theirs.id) not in ids
    assert all(u["county_code"] == TACHENG for u in listed["items"])
    _, viewer_headers = await as_role(client, session, Role.PREFECTURE_VIEWER)
    everyone = {
        u["id"] for u in (await client.get(USERS, headers=viewer_headers, params={"limit": 200})).json()["items"]
    }
    assert {str(ours.id), str(theirs.id)} <= everyone


async def test_a_county_admin_reads_and_updates_their_inspector_but_gets_404_for_another_county(client, session):
    ours = await make_user(session, county_code=TACHENG)
    theirs = await make_user(session, county_code=WUSU)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    assert (await client.get(f"{USERS}/{ours.id}", headers=headers)).status_code == 200
    assert (await client.get(f"{USERS}/{theirs.id}", headers=headers)).status_code == 404
    patch = {"credential_no": "65420100777", "credential_valid_until": "2031-06-30"}
    updated = await client.patch(f"{USERS}/{ours.id}", json=patch, headers=headers)
    assert updated.status_code == 200
    assert updated.json()["credential_no"] == "65420100777"
    assert (await client.patch(f"{USERS}/{theirs.id}", json=patch, headers=headers)).status_code == 404


async def test_a_county_admin_cannot_manage_another_county_admin_of_the_same_county(client, session):
    peer = await make_user(session, Role.COUNTY_ADMIN, county_code=TACHENG)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    assert (await client.patch(f"{USERS}/{peer.id}", json={"full_name": "x"}, headers=headers)).status_code == 403


async def test_an_update_cannot_change_role_or_county(client, session):
    user = await make_user(session)
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    for body in ({"role": "prefecture_admin"}, {"county_code": WUSU}, {"id": "x"}):
        response = await client.patch(f"{USERS}/{user.id}", json=body, headers=headers)
        assert response.status_code == 422


async def test_deactivating_a_user_ends_their_sessions(client, session):
    user = await make_user(session)
    user_headers = await sign_in(client, user)
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    assert (await client.patch(f"{USERS}/{user.id}", json={"is_active": False}, headers=headers)).status_code == 200
    assert (await client.get("/api/v1/me", headers=user_headers)).status_code == 401


@pytest.mark.parametrize(("role", "county"), [(Role.SYSTEM_ADMIN, None), (Role.COUNTY_ADMIN, TACHENG)])
async def test_an_administrator_cannot_deactivate_their_own_account(client, session, role, county):
    admin, headers = await as_role(client, session, role, county)
    response = await client.patch(f"{USERS}/{admin.id}", json={"is_active": False}, headers=headers)
    assert response.status_code == 403  # no one keeps their own account (app/domain/accounts.py)
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200


async def test_an_admin_password_reset_revokes_the_users_tokens(client, session):
    user = await make_user(session)
    user_headers = await sign_in(client, user)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    reset = await client.post(f"{USERS}/{user.id}/password", json={"new_password": "Reset-Pass-2026"}, headers=headers)
    assert reset.status_code == 204
    assert (await client.get("/api/v1/me", headers=user_headers)).status_code == 401
    login = await client.post("/api/v1/auth/token", data={"username": user.username, "password": "Reset-Pass-2026"})
    assert login.status_code == 200
    old = await client.post("/api/v1/auth/token", data={"username": user.username, "password": PASSWORD})
    assert old.status_code == 401


async def test_page_size_is_capped(client, session):
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    assert (await client.get(USERS, headers=headers, params={"limit": 201})).status_code == 422
