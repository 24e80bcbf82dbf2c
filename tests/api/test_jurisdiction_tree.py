"""The jurisdiction tree (issue 20): stored paths, the node each account belongs to, and who may give which node."""

import uuid
from typing import Any

import pytest
from sqlmodel import select

from app.core.security import create_access_token
from app.domain.permissions import Role
from app.models import Jurisdiction
from app.seed.jurisdictions import seed_jurisdictions
from tests.builders import REGION, TACHENG_PREFECTURE, make_user

pytestmark = pytest.mark.anyio

ILI = "654000"


async def _token(settings: Any, session: Any, role: Role, node: str) -> dict[str, str]:
    user = await make_user(session, role, jurisdiction_code=node)
    token, _ = create_access_token(settings, user.id, user.token_version, two_factor=True)
    return {"Authorization": f"Bearer {token}"}


def _account(role: str, **extra: Any) -> dict[str, Any]:
    username = f"acct_{uuid.uuid4().hex[:8]}"
    return {"username": username, "full_name": "新账号", "role": role, "password": "Correct-Horse-10!"} | extra


async def test_every_node_stores_its_path_from_the_region_down(session) -> None:
    await seed_jurisdictions(session, [ILI])
    rows = {j.code: j for j in (await session.exec(select(Jurisdiction))).all()}
    assert rows[REGION].path == "650000/" and rows[REGION].level == "region"
    assert rows[TACHENG_PREFECTURE].path == "650000/654200/"
    assert rows["654201"].path == "650000/654200/654201/"
    assert rows["654002"].path == "650000/654000/654002/" and rows["654002"].parent_code == ILI


async def test_an_installation_of_before_the_tree_is_hung_under_the_region(session) -> None:
    region = await session.get(Jurisdiction, REGION)
    prefecture = await session.get(Jurisdiction, TACHENG_PREFECTURE)
    county = await session.get(Jurisdiction, "654201")
    prefecture.parent_code, prefecture.path = None, "654200/"
    county.path = "654200/654201/"
    session.add_all([prefecture, county])
    await session.flush()
    await session.delete(region)
    await session.flush()
    assert await seed_jurisdictions(session) == 1  # the region is the one row added
    await session.refresh(county)
    assert county.path == "650000/654200/654201/"


async def test_a_system_administrator_at_the_region_opens_another_prefectures_admin(client, session, settings):
    await seed_jurisdictions(session, [ILI])
    await session.commit()
    headers = await _token(settings, session, Role.SYSTEM_ADMIN, REGION)
    body = _account("prefecture_admin", jurisdiction_code=ILI)
    created = await client.post("/api/v1/users", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["jurisdiction_code"] == ILI and created.json()["county_code"] is None

    ambiguous = await client.post("/api/v1/users", json=_account("prefecture_viewer"), headers=headers)
    assert ambiguous.status_code == 422
    assert ambiguous.json()["errors"][0]["loc"][-1] == "jurisdiction_code"

    wrong_level = await client.post(
        "/api/v1/users", json=_account("region_viewer", jurisdiction_code=ILI), headers=headers
    )
    assert wrong_level.status_code == 422
    assert wrong_level.json()["errors"][0]["loc"][-1] == "jurisdiction_code"

    region = await client.post("/api/v1/users", json=_account("region_viewer"), headers=headers)
    assert region.status_code == 201 and region.json()["jurisdiction_code"] == REGION  # the one region in reach


async def test_a_prefectures_system_administrator_cannot_reach_another_prefecture(client, session, settings) -> None:
    await seed_jurisdictions(session, [ILI])
    await session.commit()
    headers = await _token(settings, session, Role.SYSTEM_ADMIN, TACHENG_PREFECTURE)
    for body in (
        _account("prefecture_admin", jurisdiction_code=ILI),
        _account("region_viewer", jurisdiction_code=REGION),
        _account("county_admin", county_code="654002"),
    ):
        response = await client.post("/api/v1/users", json=body, headers=headers)
        assert response.status_code == 404, response.text
    own = await client.post("/api/v1/users", json=_account("prefecture_viewer"), headers=headers)
    assert own.status_code == 201 and own.json()["jurisdiction_code"] == TACHENG_PREFECTURE
    ili_admin = await make_user(session, Role.PREFECTURE_ADMIN, jurisdiction_code=ILI)
    listed = await client.get("/api/v1/users", params={"limit": 200}, headers=headers)
    assert str(ili_admin.id) not in listed.text
    assert (await client.get(f"/api/v1/users/{ili_admin.id}", headers=headers)).status_code == 404
