"""Text a database or a worksheet cannot hold: refused at the field on the way in, dropped on the way out.

Found by the stateful schemathesis run: a NUL in an enterprise name was a 500 from PostgreSQL, a control character
stored earlier broke the plan export (openpyxl refuses it), and `is_active: null` on a user was a NOT NULL 500.
"""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from app.domain.permissions import Role
from tests.builders import (
    TACHENG,
    WUSU,
    as_role,
    make_enterprise,
    make_inspectors,
    make_issued_plan,
    make_user,
    new_credit_code,
    post_visit,
    visit_body,
)

pytestmark = pytest.mark.anyio

ENTERPRISES = "/api/v1/enterprises"


def enterprise_body(**overrides):
    return {"credit_code": new_credit_code(), "name": "塔城市恒通水泥有限公司", "county_code": TACHENG} | overrides


@pytest.mark.parametrize("name", ["恒通\x00水泥", "恒通\x07水泥", "恒通\x1b水泥"], ids=["nul", "bell", "escape"])
async def test_a_name_with_a_control_character_is_refused_at_its_field_and_nothing_is_written(client, session, name):
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    response = await client.post(ENTERPRISES, json=enterprise_body(name=name), headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["loc"] == ["body", "name"]
    assert "控制字符" in response.json()["errors"][0]["msg"]
    listing = await client.get(ENTERPRISES, params={"q": "恒通"}, headers=headers)
    assert listing.json()["total"] == 0


async def test_line_breaks_and_tabs_in_free_text_are_kept(client, session):
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    response = await client.post(ENTERPRISES, json=enterprise_body(address="工业园区\n1号\t东门"), headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["address"] == "工业园区\n1号\t东门"


async def test_a_nul_in_a_query_parameter_is_a_422_at_the_parameter_on_every_database(client, session):
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    response = await client.get(ENTERPRISES, params={"q": "恒\x00通"}, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "U+0000" in response.json()["detail"]
    assert response.json()["errors"][0]["loc"] == ["query", "q"]


async def test_a_nul_in_a_form_field_is_refused_at_the_field_and_nothing_is_stored(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    enterprise = await make_enterprise(session)
    visit = await post_visit(client, headers, visit_body(enterprise, await make_inspectors(session)))
    url = f"/api/v1/visits/{visit['id']}/attachments"
    pdf = b"%PDF-1.7\n" + b"0" * 300
    response = await client.post(
        url, files={"file": ("a.pdf", pdf)}, data={"description": "签字\x00页"}, headers=headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "description"]
    assert (await client.get(url, headers=headers)).json()["items"] == []


async def test_a_nul_in_the_sign_in_form_is_refused_at_the_field(client, session):
    user = await make_user(session, Role.COUNTY_INSPECTOR, county_code=TACHENG)
    response = await client.post("/api/v1/auth/token", data={"username": user.username + "\x00", "password": "x"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "username"]


async def test_a_user_cannot_be_patched_to_a_null_active_flag(client, session):
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    inspector = await make_user(session, Role.COUNTY_INSPECTOR, county_code=TACHENG)
    response = await client.patch(f"/api/v1/users/{inspector.id}", json={"is_active": None}, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "is_active"]
    assert (await client.get(f"/api/v1/users/{inspector.id}", headers=headers)).json()["is_active"] is True


async def test_the_other_countys_user_is_not_found_before_its_body_is_judged(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, county_code=TACHENG)
    other = await make_user(session, Role.COUNTY_INSPECTOR, county_code=WUSU)
    response = await client.patch(f"/api/v1/users/{other.id}", json={"full_name": "新名字"}, headers=headers)
    assert response.status_code == 404


async def test_a_control_character_already_on_the_ledger_is_dropped_from_the_plan_export(client, session):
    enterprise = await make_enterprise(session, name="恒通\x07水泥有限公司")  # stored before input was checked
    plan = await make_issued_plan(session, 2026, [(enterprise, 2)])
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    response = await client.get(f"/api/v1/plans/{plan.id}/export", headers=headers)
    assert response.status_code == 200, response.text
    cells = {
        c for ws in load_workbook(BytesIO(response.content)) for row in ws.iter_rows(values_only=True) for c in row
    }
    assert "恒通水泥有限公司" in cells


async def test_an_empty_county_code_on_a_service_account_is_an_unknown_county_not_a_server_error(client, session):
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    body = {"name": "svc-empty-county", "scopes": ["plans:read"], "county_code": ""}
    response = await client.post("/api/v1/service-accounts", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "county_code"]


async def test_a_prefecture_account_with_an_empty_county_code_is_refused(client, session):
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    body = {"username": "viewer_empty", "full_name": "查看员", "role": "prefecture_viewer", "county_code": ""}
    response = await client.post("/api/v1/users", json=body | {"password": "Zhijian@2026x"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "county_code"]


async def test_a_licence_number_with_a_control_character_in_the_path_is_refused_at_the_path(client, session):
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    body = {"credit_code": new_credit_code(), "product_category": "水泥", "expires_on": "2028-12-31"}
    response = await client.put("/api/v1/licences/by-number/%1F", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["path", "licence_no"]
