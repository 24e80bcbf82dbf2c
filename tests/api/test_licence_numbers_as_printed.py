"""Issue 13 item 2: a licence number is accepted as printed — with or without its province, in half- or
full-width brackets, any dash — stored in one canonical form, and found whichever form is typed or pushed."""

import uuid
from datetime import date
from typing import Any
from urllib.parse import quote

import pytest
from sqlmodel import select

from app.core.deps import local_today
from app.domain.permissions import Role
from app.models import Licence
from tests.builders import WUSU, as_role, make_enterprise, make_licence, make_service_account

pytestmark = pytest.mark.anyio
CANONICAL = "新XK16-204-00397"
PRINTED = ("(新)XK16-204-00397", "（新）XK16-204-00397", "新XK16—204—00397", "（新）ＸＫ１６－２０４－００３９７")


@pytest.fixture(autouse=True)
def today(app: Any) -> None:
    app.dependency_overrides[local_today] = lambda: date(2026, 6, 1)


def licence_body(number: str) -> dict[str, Any]:
    return {"licence_no": number, "product_category": "水泥", "issued_on": "2024-05-01", "expires_on": "2029-04-30"}


def by_number(number: str) -> str:
    return f"/api/v1/licences/by-number/{quote(number)}"


def push_body(enterprise: Any) -> dict[str, Any]:
    return {"credit_code": enterprise.credit_code, "product_category": "水泥", "expires_on": "2029-12-31"}


async def service_key(session: Any) -> dict[str, str]:
    _, api_key = await make_service_account(session, ["licences:write"])
    return {"X-API-Key": api_key}


@pytest.mark.parametrize("printed", PRINTED)
async def test_each_printed_form_is_entered_by_hand_and_stored_in_the_canonical_form(client, session, printed):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.post(
        f"/api/v1/enterprises/{enterprise.id}/licences", json=licence_body(printed), headers=headers
    )
    assert response.status_code == 201, response.text
    assert response.json()["licence_no"] == CANONICAL
    stored = (await session.exec(select(Licence).where(Licence.id == uuid.UUID(response.json()["id"])))).one()
    assert (stored.licence_no, stored.lookup_key) == (CANONICAL, "XK16-204-00397")


async def test_a_number_printed_without_its_province_stays_without_one(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.post(
        f"/api/v1/enterprises/{enterprise.id}/licences", json=licence_body("XK16—204—00397"), headers=headers
    )
    assert response.status_code == 201, response.text
    assert response.json()["licence_no"] == "XK16-204-00397"


@pytest.mark.parametrize("printed", [*PRINTED, "XK16-204-00397", "XK16 204 00397"])
async def test_a_licence_is_found_whichever_form_is_searched(client, session, printed):
    enterprise = await make_enterprise(session)
    licence = await make_licence(session, enterprise.id, licence_no=CANONICAL)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR)

    found = await client.get(by_number(printed), headers=headers)
    assert found.status_code == 200, found.text
    assert found.json()["id"] == str(licence.id)
    listed = await client.get("/api/v1/enterprises", params={"q": printed}, headers=headers)
    assert [e["id"] for e in listed.json()["items"]] == [str(enterprise.id)]


@pytest.mark.parametrize("second", ["(新)XK16-204-00397", "XK16—204—00397", "（新）XK16-204-00397"])
async def test_the_same_licence_entered_again_in_another_printed_form_is_a_conflict(client, session, second):
    enterprise = await make_enterprise(session)
    await make_licence(session, enterprise.id, licence_no=CANONICAL)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.post(
        f"/api/v1/enterprises/{enterprise.id}/licences", json=licence_body(second), headers=headers
    )
    assert response.status_code == 409, response.text
    assert CANONICAL in response.json()["detail"]


async def test_renumbering_a_licence_onto_another_licences_number_is_a_conflict(client, session):
    enterprise = await make_enterprise(session)
    await make_licence(session, enterprise.id, licence_no=CANONICAL)
    other = await make_licence(session, enterprise.id, licence_no="新XK16-204-00398")
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    url = f"/api/v1/licences/{other.id}"
    clash = await client.patch(url, json={"licence_no": "XK16—204—00397"}, headers=headers)
    assert clash.status_code == 409
    same = await client.patch(url, json={"licence_no": "(新)XK16-204-00398"}, headers=headers)
    assert same.status_code == 200 and same.json()["licence_no"] == "新XK16-204-00398"


async def test_pushing_a_full_width_bracketed_number_updates_the_licence_stored_in_canonical_form(client, session):
    enterprise = await make_enterprise(session)
    licence = await make_licence(session, enterprise.id, licence_no=CANONICAL)
    headers = await service_key(session)

    response = await client.put(by_number("（新）XK16—204—00397"), json=push_body(enterprise), headers=headers)

    assert response.status_code == 200, response.text
    assert response.json()["outcome"] == "updated"
    assert response.json()["licence"]["id"] == str(licence.id)
    assert response.json()["licence"]["licence_no"] == CANONICAL
    assert response.json()["licence"]["expires_on"] == "2029-12-31"
    assert len((await session.exec(select(Licence).where(Licence.lookup_key == "XK16-204-00397"))).all()) == 1


async def test_a_push_adds_the_province_to_a_number_stored_without_one_and_never_removes_it(client, session):
    enterprise = await make_enterprise(session)
    licence = await make_licence(session, enterprise.id, licence_no="XK16-204-00397")
    headers = await service_key(session)

    added = await client.put(by_number("(新)XK16-204-00397"), json=push_body(enterprise), headers=headers)
    assert added.json()["licence"]["licence_no"] == CANONICAL
    kept = await client.put(by_number("XK16-204-00397"), json=push_body(enterprise), headers=headers)
    assert kept.json()["outcome"] == "unchanged"
    assert kept.json()["licence"]["licence_no"] == CANONICAL
    assert kept.json()["licence"]["id"] == str(licence.id)


async def test_one_licence_twice_in_a_batch_in_two_printed_forms_is_a_duplicate_row(client, session):
    enterprise = await make_enterprise(session)
    rows = [{"licence_no": n, **push_body(enterprise)} for n in ("(新)XK16-204-00397", "XK16—204—00397")]
    response = await client.post("/api/v1/licences/sync", json={"rows": rows}, headers=await service_key(session))
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["rows", 1, "licence_no"]]


async def test_another_countys_user_does_not_find_the_licence_by_any_form_of_its_number(client, session):
    theirs = await make_enterprise(session, county_code=WUSU)
    await make_licence(session, theirs.id, licence_no=CANONICAL)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)  # 塔城市
    for printed in (CANONICAL, "(新)XK16-204-00397", "XK16-204-00397"):
        assert (await client.get(by_number(printed), headers=headers)).status_code == 404
    listed = await client.get("/api/v1/enterprises", params={"q": CANONICAL}, headers=headers)
    assert listed.json()["items"] == []
