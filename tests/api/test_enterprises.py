"""The enterprise ledger: create, read, update, close, list — each role, and the other county never sees it."""

import pytest

from app.domain.permissions import Role
from tests.builders import TACHENG, WUSU, as_role, make_enterprise, make_service_account, new_credit_code

pytestmark = pytest.mark.anyio
URL = "/api/v1/enterprises"


def body(**overrides):
    return {
        "credit_code": new_credit_code(),
        "name": "塔城市恒通水泥有限公司",
        "county_code": TACHENG,
        "address": "塔城市工业园区1号",
        "legal_representative": "王五",
        "industry": "建材",
        "main_products": "水泥",
        "contact_person": "赵六",
        "contact_phone": "0901-6220000",
    } | overrides


async def test_a_county_admin_puts_an_enterprise_of_their_county_on_the_ledger_with_chinese_labels(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.post(URL, json=body(), headers=headers)
    assert response.status_code == 201, response.text
    data = response.json()
    assert data["county_name"] == "塔城市"
    assert data["risk_class"] == "B" and data["risk_class_label"] == "B类（较低风险）"
    assert data["status"] == "operating" and data["status_label"] == "在产"
    assert response.headers["ETag"] == 'W/"1"'
    assert response.headers["Location"].endswith(data["id"])


async def test_a_credit_code_is_normalised_from_full_width_and_lower_case(client, session):
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    code = new_credit_code()
    sloppy = " " + "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in code.lower()) + " "
    response = await client.post(URL, json=body(credit_code=sloppy, risk_class="C"), headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["credit_code"] == code
    assert response.json()["risk_class"] == "C"


async def test_a_wrong_check_character_is_refused_with_its_loc(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    code = new_credit_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = await client.post(URL, json=body(credit_code=wrong), headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert errors[0]["loc"] == ["body", "credit_code"] and "校验码" in errors[0]["msg"]


async def test_a_duplicate_credit_code_is_a_conflict(client, session):
    existing = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.post(URL, json=body(credit_code=existing.credit_code), headers=headers)
    assert response.status_code == 409


async def test_a_county_admin_cannot_create_an_enterprise_in_another_county(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.post(URL, json=body(county_code=WUSU), headers=headers)
    assert response.status_code == 404


async def test_a_county_admin_cannot_set_the_risk_class_which_is_the_prefectures(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.post(URL, json=body(risk_class="D"), headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "risk_class"]


async def test_inspectors_and_prefecture_viewers_may_read_but_not_create(client, session):
    for role in (Role.COUNTY_INSPECTOR, Role.PREFECTURE_VIEWER):
        _, headers = await as_role(client, session, role)
        assert (await client.post(URL, json=body(), headers=headers)).status_code == 403
        assert (await client.get(URL, headers=headers)).status_code == 200


async def test_an_unknown_field_is_refused_not_ignored(client, session):
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    response = await client.post(URL, json=body(version=7), headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "version"]


async def test_each_role_reads_an_enterprise_of_its_county_and_the_other_county_gets_404(client, session):
    ours = await make_enterprise(session)
    theirs = await make_enterprise(session, county_code=WUSU)
    for role in (Role.COUNTY_ADMIN, Role.COUNTY_INSPECTOR):
        _, headers = await as_role(client, session, role)
        response = await client.get(f"{URL}/{ours.id}", headers=headers)
        assert response.status_code == 200 and response.headers["ETag"] == 'W/"1"'
        assert (await client.get(f"{URL}/{theirs.id}", headers=headers)).status_code == 404
    for role in (Role.PREFECTURE_ADMIN, Role.PREFECTURE_VIEWER):
        _, headers = await as_role(client, session, role)
        assert (await client.get(f"{URL}/{theirs.id}", headers=headers)).status_code == 200


async def test_a_service_account_bound_to_a_county_acts_like_that_county(client, session):
    ours = await make_enterprise(session)
    theirs = await make_enterprise(session, county_code=WUSU)
    _, key = await make_service_account(session, ["enterprises:read", "enterprises:write"], county_code=TACHENG)
    headers = {"X-API-Key": key}
    assert (await client.get(f"{URL}/{ours.id}", headers=headers)).status_code == 200
    assert (await client.get(f"{URL}/{theirs.id}", headers=headers)).status_code == 404
    assert (await client.post(URL, json=body(county_code=WUSU), headers=headers)).status_code == 404
    assert (await client.post(URL, json=body(), headers=headers)).status_code == 201
    unscoped, key2 = await make_service_account(session, ["licences:write"])
    assert (await client.get(URL, headers={"X-API-Key": key2})).status_code == 403


async def test_a_county_admin_updates_fields_and_the_version_rises(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.patch(f"{URL}/{enterprise.id}", json={"contact_phone": "13800000000"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["contact_phone"] == "13800000000"
    assert response.json()["version"] == 2 and response.headers["ETag"] == 'W/"2"'


async def test_a_county_user_may_not_move_an_enterprise_or_change_its_class_but_may_resend_them(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    moved = await client.patch(f"{URL}/{enterprise.id}", json={"county_code": WUSU, "risk_class": "D"}, headers=headers)
    assert moved.status_code == 422
    assert sorted(e["loc"][1] for e in moved.json()["errors"]) == ["county_code", "risk_class"]
    same = await client.patch(
        f"{URL}/{enterprise.id}", json={"county_code": TACHENG, "risk_class": "B", "name": "新名称"}, headers=headers
    )
    assert same.status_code == 200 and same.json()["name"] == "新名称"


async def test_the_prefecture_classifies_and_moves_an_enterprise(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    response = await client.patch(
        f"{URL}/{enterprise.id}", json={"county_code": WUSU, "risk_class": "D"}, headers=headers
    )
    assert response.status_code == 200
    assert response.json()["county_name"] == "乌苏市" and response.json()["risk_class_label"] == "D类（高风险）"


async def test_another_countys_enterprise_cannot_be_updated(client, session):
    theirs = await make_enterprise(session, county_code=WUSU)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    assert (await client.patch(f"{URL}/{theirs.id}", json={"name": "x"}, headers=headers)).status_code == 404


async def test_closing_is_a_status_with_a_date_and_reopening_clears_it(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    closed = await client.patch(f"{URL}/{enterprise.id}", json={"status": "closed"}, headers=headers)
    assert closed.json()["closed_at"] is not None and closed.json()["status_label"] == "关闭（注销）"
    reopened = await client.patch(f"{URL}/{enterprise.id}", json={"status": "operating"}, headers=headers)
    assert reopened.json()["closed_at"] is None
    assert (await client.get(f"{URL}/{enterprise.id}", headers=headers)).status_code == 200


async def test_required_fields_cannot_be_nulled(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.patch(f"{URL}/{enterprise.id}", json={"name": None, "status": None}, headers=headers)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "name"], ["body", "status"]]


async def test_a_stale_if_match_is_refused_with_412_and_a_fresh_one_accepted(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    etag = (await client.get(f"{URL}/{enterprise.id}", headers=headers)).headers["ETag"]
    first = await client.patch(f"{URL}/{enterprise.id}", json={"name": "甲"}, headers=headers | {"If-Match": etag})
    assert first.status_code == 200
    stale = await client.patch(f"{URL}/{enterprise.id}", json={"name": "乙"}, headers=headers | {"If-Match": etag})
    assert stale.status_code == 412
    assert stale.headers["content-type"].startswith("application/problem+json")
    fresh = first.headers["ETag"]
    assert (
        await client.patch(f"{URL}/{enterprise.id}", json={"name": "乙"}, headers=headers | {"If-Match": fresh})
    ).status_code == 200
    assert (await client.patch(f"{URL}/{enterprise.id}", json={"name": "丙"}, headers=headers)).status_code == 200


async def test_the_history_shows_changes_from_the_audit_trail_and_hides_the_other_countys(client, session):
    enterprise = await make_enterprise(session)
    theirs = await make_enterprise(session, county_code=WUSU)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    await client.patch(f"{URL}/{enterprise.id}", json={"name": "改名后"}, headers=headers)
    await client.post(
        f"{URL}/{enterprise.id}/signals",
        json={"kind": "complaint", "occurred_on": "2026-01-05", "source": "12315"},
        headers=headers,
    )
    history = await client.get(f"{URL}/{enterprise.id}/history", headers=headers)
    assert history.status_code == 200
    actions = [e["action"] for e in history.json()["items"]]
    assert actions == ["risk_signal.create", "enterprise.update"]
    assert history.json()["items"][1]["before"]["name"] != "改名后"
    assert history.json()["items"][1]["after"] == {"name": "改名后"}
    assert (await client.get(f"{URL}/{theirs.id}/history", headers=headers)).status_code == 404
