"""三权分立 over the API: the system administrator keeps the staff's accounts, the security administrator moves them
between roles and lifts lockouts, the audit administrator reads the trail and nothing else; none reaches an
administrator's account or role — those are appointed from the command line."""

from datetime import timedelta

import pyotp
import pytest
from sqlmodel import select

from app.core.actor import SYSTEM
from app.domain.permissions import ADMINISTRATORS, Role
from app.models import AuditEvent, User
from app.models.base import utcnow
from app.schemas.user import RoleAssignment, UserCreate
from app.seed.jurisdictions import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_demo_users
from app.services.accounts import users as accounts
from tests.builders import PASSWORD, TACHENG, WUSU, as_role, make_user, sign_in

pytestmark = pytest.mark.anyio
USERS = "/api/v1/users"
ADMINS = sorted(ADMINISTRATORS)


def _role(role: Role, county: str | None = None) -> dict:
    return {"role": role.value, "county_code": county}


# --- the security administrator assigns roles ---------------------------------------------------------------


async def test_the_security_admin_makes_an_inspector_a_county_admin_and_the_new_powers_apply_at_once(client, session):
    inspector = await make_user(session, Role.COUNTY_INSPECTOR, county_code=TACHENG)
    inspector_headers = await sign_in(client, inspector)
    assert (await client.get(USERS, headers=inspector_headers)).status_code == 403
    _, headers = await as_role(client, session, Role.SECURITY_ADMIN)
    response = await client.put(f"{USERS}/{inspector.id}/role", json=_role(Role.COUNTY_ADMIN, TACHENG), headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "county_admin" and response.json()["role_label"] == "县（市）局管理员"
    assert (await client.get(USERS, headers=inspector_headers)).status_code == 200  # the same session, new role


async def test_a_role_change_is_audited_with_the_role_and_the_node_before_and_after(client, session):
    viewer = await make_user(session, Role.PREFECTURE_VIEWER)
    security, headers = await as_role(client, session, Role.SECURITY_ADMIN)
    await client.put(f"{USERS}/{viewer.id}/role", json=_role(Role.PREFECTURE_ADMIN), headers=headers)
    event = (await session.exec(select(AuditEvent).where(AuditEvent.action == "user.role_change"))).one()
    assert event.entity_id == str(viewer.id) and event.actor_name == security.username
    assert event.before == {"role": "prefecture_viewer", "county_code": None, "jurisdiction_code": "654200"}
    assert event.after == {"role": "prefecture_admin", "county_code": None, "jurisdiction_code": "654200"}


@pytest.mark.parametrize("admin", ADMINS, ids=str)
async def test_the_security_admin_cannot_make_anyone_an_administrator(client, session, admin):
    viewer = await make_user(session, Role.PREFECTURE_VIEWER)
    _, headers = await as_role(client, session, Role.SECURITY_ADMIN)
    response = await client.put(f"{USERS}/{viewer.id}/role", json=_role(admin), headers=headers)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")
    assert (await session.get(User, viewer.id, populate_existing=True)).role == "prefecture_viewer"


@pytest.mark.parametrize("admin", ADMINS, ids=str)
async def test_no_administrator_can_be_moved_out_of_their_role_over_the_api(client, session, admin):
    target = await make_user(session, admin)
    _, headers = await as_role(client, session, Role.SECURITY_ADMIN)
    response = await client.put(f"{USERS}/{target.id}/role", json=_role(Role.PREFECTURE_VIEWER), headers=headers)
    assert response.status_code == 403


async def test_the_security_admin_cannot_change_their_own_role(client, session):
    me, headers = await as_role(client, session, Role.SECURITY_ADMIN)
    response = await client.put(f"{USERS}/{me.id}/role", json=_role(Role.PREFECTURE_ADMIN), headers=headers)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("role", "county", "loc"),
    [(Role.COUNTY_ADMIN, None, ["body", "county_code"]), (Role.PREFECTURE_VIEWER, TACHENG, ["body", "county_code"])],
    ids=["county-role-without-county", "prefecture-role-with-county"],
)
async def test_a_new_role_needs_the_county_its_level_asks_for(client, session, role, county, loc):
    inspector = await make_user(session, Role.COUNTY_INSPECTOR, county_code=TACHENG)
    _, headers = await as_role(client, session, Role.SECURITY_ADMIN)
    response = await client.put(f"{USERS}/{inspector.id}/role", json=_role(role, county), headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == loc


@pytest.mark.parametrize(
    ("role", "county"),
    [
        (Role.SYSTEM_ADMIN, None),
        (Role.AUDIT_ADMIN, None),
        (Role.PREFECTURE_ADMIN, None),
        (Role.COUNTY_ADMIN, TACHENG),
    ],
)
async def test_only_the_security_admin_assigns_roles(client, session, role, county):
    inspector = await make_user(session, Role.COUNTY_INSPECTOR, county_code=TACHENG)
    _, headers = await as_role(client, session, role, county)
    response = await client.put(f"{USERS}/{inspector.id}/role", json=_role(Role.COUNTY_ADMIN, TACHENG), headers=headers)
    assert response.status_code == 403


# --- the security administrator lifts lockouts ----------------------------------------------------------------


@pytest.mark.parametrize("target", [Role.COUNTY_INSPECTOR, Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN], ids=str)
async def test_the_security_admin_lifts_a_lockout_an_administrators_too(client, session, target):
    locked = await make_user(session, target, locked_until=utcnow() + timedelta(minutes=10))
    _, headers = await as_role(client, session, Role.SECURITY_ADMIN)
    assert (await client.post(f"{USERS}/{locked.id}/unlock", headers=headers)).status_code == 200
    assert (
        await client.post("/api/v1/auth/token", data={"username": locked.username, "password": PASSWORD})
    ).is_success


async def test_the_security_admin_cannot_unlock_their_own_account(client, session):
    me, headers = await as_role(client, session, Role.SECURITY_ADMIN)
    assert (await client.post(f"{USERS}/{me.id}/unlock", headers=headers)).status_code == 403


@pytest.mark.parametrize(("role", "county"), [(Role.SYSTEM_ADMIN, None), (Role.PREFECTURE_ADMIN, None)])
async def test_neither_the_system_admin_nor_the_business_admin_unlocks(client, session, role, county):
    locked = await make_user(session, locked_until=utcnow() + timedelta(minutes=10))
    _, headers = await as_role(client, session, role, county)
    assert (await client.post(f"{USERS}/{locked.id}/unlock", headers=headers)).status_code == 403


# --- the system administrator keeps the staff's accounts, not the administrators' ------------------------------


@pytest.mark.parametrize("admin", ADMINS, ids=str)
async def test_the_system_admin_cannot_create_an_administrator(client, session, admin):
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    body = {
        "username": f"new_{admin.value}",
        "full_name": "新管理员",
        "role": admin.value,
        "password": "Strong-Pass-2026",
    }
    assert (await client.post(USERS, json=body, headers=headers)).status_code == 403
    assert (await session.exec(select(User).where(User.username == body["username"]))).first() is None


@pytest.mark.parametrize("admin", ADMINS, ids=str)
async def test_the_system_admin_cannot_touch_an_administrators_account_their_own_included(client, session, admin):
    me, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    target = me if admin is Role.SYSTEM_ADMIN else await make_user(session, admin)
    url = f"{USERS}/{target.id}"
    assert (await client.patch(url, json={"is_active": False}, headers=headers)).status_code == 403
    reset = await client.post(f"{url}/password", json={"new_password": "Took-It-Over-2026"}, headers=headers)
    assert reset.status_code == 403  # setting the auditor's password would be signing in as the auditor
    assert (await client.put(f"{url}/role", json=_role(Role.AUDIT_ADMIN), headers=headers)).status_code == 403


async def test_the_system_admin_keeps_every_county_and_the_business_admin_no_account(client, session):
    wusu = await make_user(session, Role.COUNTY_INSPECTOR, county_code=WUSU)
    _, system = await as_role(client, session, Role.SYSTEM_ADMIN)
    assert (await client.patch(f"{USERS}/{wusu.id}", json={"phone": "0901-1"}, headers=system)).status_code == 200
    _, business = await as_role(client, session, Role.PREFECTURE_ADMIN)
    assert (await client.get(USERS, headers=business)).status_code == 403
    assert (await client.patch(f"{USERS}/{wusu.id}", json={"phone": "0901-2"}, headers=business)).status_code == 403


# --- the audit administrator: the trail and nothing else -------------------------------------------------------


async def test_the_audit_admin_reads_and_verifies_the_trail_but_no_business_record_or_account(client, session):
    _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
    assert (await client.get("/api/v1/audit-events", headers=headers)).status_code == 200
    assert (await client.get("/api/v1/audit-events/verify", headers=headers)).status_code == 200
    for path in ("/api/v1/enterprises", "/api/v1/visits", "/api/v1/plans", USERS, "/api/v1/licence-sync-runs"):
        assert (await client.get(path, headers=headers)).status_code == 403, path


@pytest.mark.parametrize("admin", ADMINS, ids=str)
async def test_each_administrator_sees_their_duty_in_their_profile(client, session, admin):
    _, headers = await as_role(client, session, admin)
    me = (await client.get("/api/v1/me", headers=headers)).json()
    assert me["role"] == admin.value and "管理员" in me["role_label"]
    assert ("audit:read" in me["permissions"]) is (admin is Role.AUDIT_ADMIN)
    assert ("users:security" in me["permissions"]) is (admin is Role.SECURITY_ADMIN)
    assert ("users:write" in me["permissions"]) is (admin is Role.SYSTEM_ADMIN)


# --- appointed from the command line, shown in the demo ------------------------------------------------------


async def test_the_command_line_appoints_the_administrators_of_a_new_installation(client, session):
    made = []
    for admin in ADMINS:
        body = UserCreate(username=f"first_{admin.value}", full_name="首任", role=admin, password="Install-Pass-2026")
        made.append(await accounts.create_user(session, SYSTEM, body))
    await session.commit()
    for user in made:
        login = await client.post(
            "/api/v1/auth/token", data={"username": user.username, "password": "Install-Pass-2026"}
        )
        assert login.status_code == 200, login.text


async def test_the_command_line_moves_an_account_into_and_out_of_an_administrators_role(client, session):
    user = await make_user(session, Role.PREFECTURE_VIEWER)
    await accounts.assign_role(session, SYSTEM, user.id, RoleAssignment(role=Role.AUDIT_ADMIN))
    await session.commit()
    headers = await sign_in(client, user)
    assert (await client.get("/api/v1/audit-events", headers=headers)).status_code == 200
    await accounts.assign_role(session, SYSTEM, user.id, RoleAssignment(role=Role.PREFECTURE_VIEWER))
    await session.commit()
    assert (await client.get("/api/v1/audit-events", headers=headers)).status_code == 403


async def test_the_demo_shows_the_three_administrators_beside_the_business_administrator(client, session):
    await seed_demo_users(session)
    await session.commit()
    seen = {}
    for username in ("admin", "sysadmin", "secadmin", "auditor"):
        code = pyotp.TOTP(DEMO_TOTP_SECRET).now()  # the demo administrators are enrolled (two factors)
        form = {"username": username, "password": DEMO_PASSWORD, "totp_code": code}
        login = await client.post("/api/v1/auth/token", data=form)
        assert login.status_code == 200, login.text
        me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"})
        seen[username] = me.json()["role"]
    assert seen == {
        "admin": "prefecture_admin",
        "sysadmin": "system_admin",
        "secadmin": "security_admin",
        "auditor": "audit_admin",
    }
