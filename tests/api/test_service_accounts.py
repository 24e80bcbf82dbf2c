"""Machine clients: a key shown once, stored hashed, limited to its scopes and optionally to one county."""

import pytest
from sqlmodel import select

from app.domain.permissions import Role
from app.models import ServiceAccount
from tests.builders import TACHENG, as_role

pytestmark = pytest.mark.anyio
ACCOUNTS = "/api/v1/service-accounts"


async def test_the_system_admin_creates_a_key_that_is_shown_once_and_stored_hashed(client, session):
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    body = {"name": "licensing-system", "scopes": ["licences:write", "jurisdictions:read"]}
    created = await client.post(ACCOUNTS, json=body, headers=headers)
    assert created.status_code == 201, created.text
    key = created.json()["api_key"]
    stored = (await session.exec(select(ServiceAccount).where(ServiceAccount.name == "licensing-system"))).one()
    assert key not in (stored.key_hash, stored.key_prefix) and len(stored.key_hash) == 64
    listed = (await client.get(ACCOUNTS, headers=headers)).json()["items"]
    assert "api_key" not in listed[0]
    assert (await client.get("/api/v1/jurisdictions", headers={"X-API-Key": key})).status_code == 200


async def test_a_key_can_be_bound_to_one_county(client, session):
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    body = {"name": "tacheng-upload", "scopes": ["enterprises:import"], "county_code": TACHENG}
    created = await client.post(ACCOUNTS, json=body, headers=headers)
    assert created.json()["county_code"] == TACHENG


async def test_a_revoked_key_stops_working_at_once(client, session):
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    created = (
        await client.post(ACCOUNTS, json={"name": "script", "scopes": ["jurisdictions:read"]}, headers=headers)
    ).json()
    assert (await client.post(f"{ACCOUNTS}/{created['id']}/revoke", headers=headers)).status_code == 200
    assert (await client.get("/api/v1/jurisdictions", headers={"X-API-Key": created["api_key"]})).status_code == 401


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"name": "x1x", "scopes": ["users:write"]}, ["body", "scopes", 0]),
        ({"name": "x1x", "scopes": ["jurisdictions:read", "audit:read"]}, ["body", "scopes", 1]),
        ({"name": "x1x", "scopes": ["users:security"]}, ["body", "scopes", 0]),
        ({"name": "x1x", "scopes": ["service_accounts:write"]}, ["body", "scopes", 0]),
        ({"name": "x1x", "scopes": ["licences:write"], "county_code": "000000"}, ["body", "county_code"]),
        ({"name": "x1x", "scopes": []}, ["body", "scopes"]),
    ],
    ids=[
        "user-admin-is-never-delegated",
        "audit-is-never-delegated",
        "security-is-never-delegated",
        "keys-are-never-delegated",
        "unknown-county",
        "no-scope",
    ],
)
async def test_ungrantable_scopes_and_unknown_counties_are_refused(client, session, body, loc):
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    response = await client.post(ACCOUNTS, json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == loc


@pytest.mark.parametrize(
    "role",
    [
        Role.PREFECTURE_ADMIN,
        Role.SECURITY_ADMIN,
        Role.AUDIT_ADMIN,
        Role.COUNTY_ADMIN,
        Role.PREFECTURE_VIEWER,
        Role.COUNTY_INSPECTOR,
    ],
)
async def test_only_the_system_admin_manages_service_accounts(client, session, role):
    _, headers = await as_role(client, session, role)
    assert (await client.get(ACCOUNTS, headers=headers)).status_code == 403
    body = {"name": "sneaky", "scopes": ["jurisdictions:read"]}
    assert (await client.post(ACCOUNTS, json=body, headers=headers)).status_code == 403
