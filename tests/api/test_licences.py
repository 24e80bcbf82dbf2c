"""Production licences: number format, catalogue category, dates, ETag/If-Match, and county scoping."""

import pytest

from app.core.clock import today_in_china
from app.domain.permissions import Role
from tests.builders import WUSU, as_role, make_enterprise, make_licence, make_service_account

pytestmark = pytest.mark.anyio


def licence_body(**overrides):
    return {
        "licence_no": "新XK08-001-00421",
        "product_category": "水泥",
        "issued_on": "2024-05-01",
        "expires_on": "2029-04-30",
    } | overrides


async def test_the_catalogue_lists_the_sixteen_categories_as_data(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR)
    response = await client.get("/api/v1/licence-categories", headers=headers)
    names = [c["name"] for c in response.json()["items"]]
    assert len(names) == 16 and names[0] == "建筑用钢筋" and names[-1] == "安全帽"


async def test_a_county_admin_adds_a_licence_with_a_full_width_number_normalised(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.post(
        f"/api/v1/enterprises/{enterprise.id}/licences",
        json=licence_body(licence_no="新ＸＫ０８－００１－００４２２"),
        headers=headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["licence_no"] == "新XK08-001-00422"
    assert response.json()["status_label"] == "有效"
    assert response.headers["ETag"] == 'W/"1"'
    listed = await client.get(f"/api/v1/enterprises/{enterprise.id}/licences", headers=headers)
    assert [lic["licence_no"] for lic in listed.json()["items"]] == ["新XK08-001-00422"]


async def test_a_bad_number_an_unknown_category_and_reversed_dates_are_all_reported_with_loc(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.post(
        f"/api/v1/enterprises/{enterprise.id}/licences",
        json=licence_body(licence_no="XK-1", product_category="月饼", issued_on="2030-01-01"),
        headers=headers,
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [
        ["body", "licence_no"],
        ["body", "product_category"],
        ["body", "expires_on"],
    ]


async def test_a_duplicate_licence_number_is_a_conflict(client, session):
    enterprise = await make_enterprise(session)
    await make_licence(session, enterprise.id, licence_no="新XK08-001-00500")
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.post(
        f"/api/v1/enterprises/{enterprise.id}/licences",
        json=licence_body(licence_no="新XK08-001-00500"),
        headers=headers,
    )
    assert response.status_code == 409


async def test_an_inspector_reads_licences_but_cannot_add_one(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR)
    url = f"/api/v1/enterprises/{enterprise.id}/licences"
    assert (await client.get(url, headers=headers)).status_code == 200
    assert (await client.post(url, json=licence_body(), headers=headers)).status_code == 403


async def test_another_countys_licences_are_not_found(client, session):
    theirs = await make_enterprise(session, county_code=WUSU)
    licence = await make_licence(session, theirs.id)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    url = f"/api/v1/enterprises/{theirs.id}/licences"
    assert (await client.get(url, headers=headers)).status_code == 404
    assert (await client.post(url, json=licence_body(), headers=headers)).status_code == 404
    assert (await client.get(f"/api/v1/licences/{licence.id}", headers=headers)).status_code == 404
    patch = await client.patch(f"/api/v1/licences/{licence.id}", json={"status": "revoked"}, headers=headers)
    assert patch.status_code == 404


async def test_a_licensing_system_renews_a_licence_with_if_match_and_a_stale_tag_gets_412(client, session):
    enterprise = await make_enterprise(session)
    licence = await make_licence(session, enterprise.id)
    _, key = await make_service_account(session, ["licences:write", "enterprises:read"])
    headers = {"X-API-Key": key}
    read = await client.get(f"/api/v1/licences/{licence.id}", headers=headers)
    etag = read.headers["ETag"]
    renewed = await client.patch(
        f"/api/v1/licences/{licence.id}",
        json={"expires_on": "2031-12-31", "source": "licensing_system"},
        headers=headers | {"If-Match": etag},
    )
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["expires_on"] == "2031-12-31" and renewed.headers["ETag"] == 'W/"2"'
    stale = await client.patch(
        f"/api/v1/licences/{licence.id}", json={"status": "revoked"}, headers=headers | {"If-Match": etag}
    )
    assert stale.status_code == 412


async def test_a_licence_expiring_within_ninety_days_is_due_for_renewal(client, session):
    enterprise = await make_enterprise(session)
    await make_licence(session, enterprise.id, expires_on=today_in_china())
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR)
    listed = await client.get(f"/api/v1/enterprises/{enterprise.id}/licences", headers=headers)
    assert listed.json()["items"][0]["renewal_due"] is True


async def test_a_licence_patch_cannot_null_the_expiry_or_pick_an_unknown_category(client, session):
    enterprise = await make_enterprise(session)
    licence = await make_licence(session, enterprise.id)
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    nulled = await client.patch(f"/api/v1/licences/{licence.id}", json={"expires_on": None}, headers=headers)
    assert nulled.status_code == 422
    assert [e["loc"] for e in nulled.json()["errors"]] == [["body", "expires_on"]]
    unknown = await client.patch(f"/api/v1/licences/{licence.id}", json={"product_category": "月饼"}, headers=headers)
    assert unknown.status_code == 422
    assert [e["loc"] for e in unknown.json()["errors"]] == [["body", "product_category"]]
