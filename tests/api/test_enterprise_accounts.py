"""The enterprise's side of the loop (issue 18): an enterprise account, invited by the county, sees only its own
enterprise, asks for more time and reports its rectification; the bureau decides; the other enterprise of the same
county and another county see none of it."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import col, select

from app.core.deps import local_today, utc_now
from app.domain.permissions import Role
from app.models import AuditEvent, EnterpriseInvitation
from tests.builders import (
    TACHENG,
    WUSU,
    archived_visit,
    as_role,
    full_checklist,
    make_enterprise,
    make_inspectors,
    make_licence,
    visit_body,
)

pytestmark = pytest.mark.anyio
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
PASSWORD = "Quality-Loop-2026!x"


async def _finding(client, session, headers, enterprise):
    checklist = full_checklist(labelling={"result": "nonconforming", "note": "未标注厂址", "severity": "general"})
    body = visit_body(
        enterprise, await make_inspectors(session), checklist=checklist, conclusion="rectification_required"
    )
    visit = await archived_visit(client, headers, body | {"notes": "内部备注：负责人态度消极"})
    [brief] = visit["findings"]
    return visit, brief


async def _invite_and_sign_in(client, county_headers, enterprise, username):
    invited = await client.post(f"/api/v1/enterprises/{enterprise.id}/invitations", headers=county_headers)
    assert invited.status_code == 201, invited.text
    body = {"code": invited.json()["code"], "username": username, "full_name": "企业质量负责人", "password": PASSWORD}
    opened = await client.post("/api/v1/auth/invitations/accept", json=body)
    assert opened.status_code == 201, opened.text
    assert opened.json()["role"] == "enterprise_user" and opened.json()["enterprise_id"] == str(enterprise.id)
    signed_in = await client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["restriction"] is None  # two factors are optional for an enterprise account
    return {"Authorization": f"Bearer {signed_in.json()['access_token']}"}


async def test_an_enterprise_account_walks_the_loop_and_the_other_enterprise_of_the_county_sees_none_of_it(
    client, session
):
    ours, neighbour = await make_enterprise(session), await make_enterprise(session)
    await make_licence(session, ours.id)
    _, inspector = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, county = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    _, other_county = await as_role(client, session, Role.COUNTY_ADMIN, WUSU)
    visit, brief = await _finding(client, session, inspector, ours)
    me = await _invite_and_sign_in(client, county, ours, "ent_ours")
    them = await _invite_and_sign_in(client, county, neighbour, "ent_neighbour")

    own = (await client.get("/api/v1/portal/enterprise", headers=me)).json()
    assert own["id"] == str(ours.id) and len(own["licences"]) == 1
    [seen_visit] = (await client.get("/api/v1/portal/visits", headers=me)).json()["items"]
    assert seen_visit["id"] == visit["id"] and "notes" not in seen_visit and "内部备注" not in str(seen_visit)
    [finding] = (await client.get("/api/v1/portal/findings", headers=me)).json()["items"]
    assert finding["id"] == brief["id"] and finding["status"] == "open" and finding["extensions_left"] == 1
    url = f"/api/v1/findings/{brief['id']}"

    asked = await client.post(f"{url}/extension-requests", json={"days": 10, "reason": "标签需重新印制"}, headers=me)
    assert asked.status_code == 201, asked.text
    pending = (await client.get(url, headers=inspector)).json()["pending_extension_request"]
    assert pending["id"] == asked.json()["id"] and pending["days"] == 10
    assert (
        await client.post(f"/api/v1/extension-requests/{pending['id']}/grant", headers=other_county)
    ).status_code == 404
    granted = await client.post(f"/api/v1/extension-requests/{pending['id']}/grant", headers=county)
    assert granted.status_code == 200, granted.text
    new_deadline = date.fromisoformat(finding["deadline"]) + timedelta(days=10)
    assert granted.json()["status"] == "granted" and granted.json()["deadline_after"] == new_deadline.isoformat()

    photo = await client.post("/api/v1/portal/files", files={"file": ("整改后.jpg", JPEG, "image/jpeg")}, headers=me)
    assert photo.status_code == 201, photo.text
    reported = await client.post(
        f"{url}/rectification-reports", json={"text": "已重新印制标签", "file_ids": [photo.json()["id"]]}, headers=me
    )
    assert reported.status_code == 201, reported.text
    report_id = reported.json()["id"]
    accepted = await client.post(f"/api/v1/rectification-reports/{report_id}/accept", headers=inspector)
    assert accepted.status_code == 200, accepted.text
    evidence = await client.get(f"/api/v1/enterprise-files/{photo.json()['id']}", headers=inspector)
    assert evidence.status_code == 200 and evidence.content == JPEG

    revisit = visit_body(
        ours, await make_inspectors(session), visit_type="reinspection",
        checklist={"labelling": {"result": "conforming", "note": "已整改"}},
    )  # fmt: skip
    revisit_id = (await archived_visit(client, inspector, revisit))["id"]
    closed = await client.post(
        f"{url}/reinspection", json={"visit_id": revisit_id, "result": "pass"}, headers=inspector
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed", closed.text
    kinds = [s["kind"] for s in closed.json()["steps"] if s["kind"] != "escalation"]
    assert kinds == ["extension_asked", "extension", "report_submitted", "rectification", "reinspection"]
    rectification = next(s for s in closed.json()["steps"] if s["kind"] == "rectification")
    assert rectification["file_ids"] == [photo.json()["id"]] and rectification["attachment_ids"] == []

    mine = (await client.get(f"/api/v1/portal/findings/{brief['id']}", headers=me)).json()
    assert mine["status"] == "closed" and mine["deadline"] == new_deadline.isoformat()
    assert [r["status"] for r in mine["rectification_reports"]] == ["accepted"]
    assert [e["status"] for e in mine["extension_requests"]] == ["granted"]
    told = (await client.get("/api/v1/me/notifications", headers=me)).json()["items"]
    assert sorted(n["title"][:7] for n in told) == ["复查回访已安排", "延期申请已批准", "整改报告已通过"]
    assert all(n["link"].startswith("/api/v1/portal/findings") for n in told)
    booked = next(n for n in told if n["kind"] == "reinspection_booked")
    assert booked["title"] == f"复查回访已安排：{revisit['visit_date']}"

    assert (await client.get("/api/v1/portal/findings", headers=them)).json()["total"] == 0
    assert (await client.get("/api/v1/portal/visits", headers=them)).json()["total"] == 0
    assert (await client.get(f"/api/v1/portal/findings/{brief['id']}", headers=them)).status_code == 404
    assert (await client.get(f"/api/v1/portal/files/{photo.json()['id']}", headers=them)).status_code == 404
    again = await client.post(f"{url}/rectification-reports", json={"text": "冒名报送"}, headers=them)
    assert again.status_code == 404
    asked_by_them = await client.post(f"{url}/extension-requests", json={"days": 3, "reason": "冒名"}, headers=them)
    assert asked_by_them.status_code == 404
    assert (await client.get(f"{url}/rectification-reports", headers=other_county)).status_code == 404
    assert (await client.get(f"/api/v1/enterprise-files/{photo.json()['id']}", headers=other_county)).status_code == 404

    actions = set((await session.exec(select(AuditEvent.action).where(col(AuditEvent.entity_id) == brief["id"]))).all())
    assert {
        "finding.extension_asked",
        "finding.extension",
        "finding.report_submitted",
        "finding.rectification",
    } <= actions


async def test_an_enterprise_account_is_refused_every_internal_list(client, session):
    enterprise = await make_enterprise(session)
    _, county = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    me = await _invite_and_sign_in(client, county, enterprise, "ent_lists")
    for path in (
        "/api/v1/enterprises", "/api/v1/visits", "/api/v1/findings", "/api/v1/plans", "/api/v1/reports",
        "/api/v1/users", "/api/v1/audit-events", "/api/v1/events", "/api/v1/extension-requests",
        f"/api/v1/enterprises/{enterprise.id}", "/api/v1/self-check-compliance?month=2026-01",
    ):  # fmt: skip
        response = await client.get(path, headers=me)
        assert response.status_code == 403, f"{path}: {response.status_code} {response.text[:200]}"


async def test_an_invitation_code_opens_one_account_once_and_not_after_it_expires(app, client, session):
    enterprise = await make_enterprise(session)
    _, county = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    _, other_county = await as_role(client, session, Role.COUNTY_ADMIN, WUSU)
    assert (
        await client.post(f"/api/v1/enterprises/{enterprise.id}/invitations", headers=other_county)
    ).status_code == 404
    first = (await client.post(f"/api/v1/enterprises/{enterprise.id}/invitations", headers=county)).json()
    stored = await session.get(EnterpriseInvitation, uuid.UUID(first["id"]))
    assert first["code"] not in stored.code_hash  # only its hash is kept
    body = {"code": first["code"], "username": "ent_once", "full_name": "企业", "password": PASSWORD}
    assert (await client.post("/api/v1/auth/invitations/accept", json=body)).status_code == 201
    spent = await client.post("/api/v1/auth/invitations/accept", json=body | {"username": "ent_twice"})
    assert spent.status_code == 422 and spent.json()["errors"][0]["loc"] == ["body", "code"]

    second = (await client.post(f"/api/v1/enterprises/{enterprise.id}/invitations", headers=county)).json()
    later = date.fromisoformat(second["expires_at"][:10]) + timedelta(days=1)
    app.dependency_overrides[utc_now] = lambda: datetime(later.year, later.month, later.day, tzinfo=UTC)
    expired = await client.post(
        "/api/v1/auth/invitations/accept", json=body | {"code": second["code"], "username": "ent_late"}
    )
    assert expired.status_code == 422 and expired.json()["errors"][0]["loc"] == ["body", "code"]


async def test_an_enterprise_password_needs_twelve_characters(client, session):
    enterprise = await make_enterprise(session)
    _, county = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    code = (await client.post(f"/api/v1/enterprises/{enterprise.id}/invitations", headers=county)).json()["code"]
    body = {"code": code, "username": "ent_short", "full_name": "企业", "password": "Zq7#kWp2!x"}  # 10: a bureau's
    short = await client.post("/api/v1/auth/invitations/accept", json=body)
    assert short.status_code == 422 and "12" in short.json()["errors"][0]["msg"]
    assert (await client.post("/api/v1/auth/invitations/accept", json=body | {"password": PASSWORD})).status_code == 201


async def test_a_returned_report_keeps_the_finding_open_and_the_enterprise_reports_again(client, session):
    enterprise = await make_enterprise(session)
    _, inspector = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, county = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    _, brief = await _finding(client, session, inspector, enterprise)
    me = await _invite_and_sign_in(client, county, enterprise, "ent_returned")
    url = f"/api/v1/findings/{brief['id']}/rectification-reports"
    first = (await client.post(url, json={"text": "已整改"}, headers=me)).json()
    assert (await client.post(url, json={"text": "再报一次"}, headers=me)).status_code == 409  # one pending at a time
    returned = await client.post(
        f"/api/v1/rectification-reports/{first['id']}/return", json={"reason": "未附整改照片"}, headers=inspector
    )
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert (
        await client.post(f"/api/v1/rectification-reports/{first['id']}/accept", headers=inspector)
    ).status_code == 409
    mine = (await client.get(f"/api/v1/portal/findings/{brief['id']}", headers=me)).json()
    assert mine["status"] == "open" and mine["rectification_reports"][0]["decision_reason"] == "未附整改照片"
    [told] = (await client.get("/api/v1/me/notifications", headers=me)).json()["items"]
    assert told["title"].startswith("整改报告被退回") and "未附整改照片" in told["body"]
    assert (await client.post(url, json={"text": "已补充照片"}, headers=me)).status_code == 201
    foreign = await client.post(url, json={"text": "别人的文件", "file_ids": [brief["id"]]}, headers=me)
    assert foreign.status_code in (409, 422)


async def test_an_extension_is_asked_before_the_deadline_and_a_refusal_states_its_reason(app, client, session):
    enterprise = await make_enterprise(session)
    _, inspector = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, county = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    _, brief = await _finding(client, session, inspector, enterprise)
    me = await _invite_and_sign_in(client, county, enterprise, "ent_late_ask")
    url = f"/api/v1/findings/{brief['id']}/extension-requests"
    asked = (await client.post(url, json={"days": 5, "reason": "原料未到"}, headers=me)).json()
    refused = await client.post(
        f"/api/v1/extension-requests/{asked['id']}/refuse", json={"reason": "理由不充分"}, headers=county
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    detail = (await client.get(f"/api/v1/findings/{brief['id']}", headers=inspector)).json()
    assert detail["pending_extension_request"] is None and detail["deadline"] == brief["deadline"]
    assert detail["steps"][-1]["kind"] == "extension_denied" and detail["steps"][-1]["text"] == "理由不充分"
    too_long = await client.post(url, json={"days": 31, "reason": "很久"}, headers=me)
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["loc"] == ["body", "days"]
    app.dependency_overrides[local_today] = lambda: date.fromisoformat(brief["deadline"]) + timedelta(days=1)
    late = await client.post(url, json={"days": 5, "reason": "来不及"}, headers=me)
    assert late.status_code == 422 and late.json()["errors"][0]["loc"] == ["body", "extension"]


async def test_the_demo_enterprise_account_signs_in_to_the_first_demo_manufacturer_of_tacheng(client, session):
    """Without seeding the whole demo ledger into the shared test database: its first 塔城市 manufacturer alone."""
    from app.core.security import hash_password
    from app.seed.jurisdictions import DEMO_PASSWORD
    from app.seed.ledger import DEMO_ENTERPRISE_ACCOUNT, demo_credit_code, seed_demo_enterprise_account

    enterprise = await make_enterprise(session, credit_code=demo_credit_code(TACHENG, 1), county_code=TACHENG)
    assert await seed_demo_enterprise_account(session, hash_password(DEMO_PASSWORD)) == 1
    await session.commit()
    assert await seed_demo_enterprise_account(session, hash_password(DEMO_PASSWORD)) == 0  # idempotent
    signed_in = await client.post(
        "/api/v1/auth/token", data={"username": DEMO_ENTERPRISE_ACCOUNT[0], "password": DEMO_PASSWORD}
    )
    headers = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    assert (await client.get("/api/v1/portal/enterprise", headers=headers)).json()["id"] == str(enterprise.id)
