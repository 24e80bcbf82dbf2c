"""The loop of a finding (问题闭环): deadline, extension, rectification, re-inspection, case, closure."""

import uuid
from datetime import date, timedelta

import pytest
from sqlmodel import col, select

from app.core.actor import actor_for_user
from app.core.clock import today_in_china
from app.core.paging import PageQuery
from app.domain.permissions import Role
from app.models import AuditEvent, Finding
from app.schemas.finding import FindingFilter
from app.services.findings import findings as findings_service
from tests.builders import (
    TACHENG,
    WUSU,
    archived_visit,
    as_role,
    full_checklist,
    make_enterprise,
    make_inspectors,
    post_visit,
    visit_body,
)

pytestmark = pytest.mark.anyio
FINDINGS = "/api/v1/findings"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200


async def _finding(client, session, headers, enterprise, severity="general", **overrides):
    """An archived visit with one nonconforming item; returns (visit, finding)."""
    checklist = full_checklist(labelling={"result": "nonconforming", "note": "未标注厂址", "severity": severity})
    body = visit_body(
        enterprise, await make_inspectors(session), checklist=checklist, conclusion="rectification_required"
    )
    visit = await archived_visit(client, headers, body | overrides)
    [brief] = visit["findings"]
    finding = (await client.get(f"{FINDINGS}/{brief['id']}", headers=headers)).json()
    return visit, finding


async def _reinspection(client, session, headers, enterprise):
    body = visit_body(
        enterprise,
        await make_inspectors(session),
        visit_type="reinspection",
        checklist={"labelling": {"result": "conforming", "note": "已整改"}},
    )
    return await archived_visit(client, headers, body)


async def test_a_general_finding_goes_through_extension_rectification_and_reinspection_to_closed(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    visit, finding = await _finding(client, session, headers, enterprise)
    url = f"{FINDINGS}/{finding['id']}"
    assert finding["status"] == "open" and finding["overdue"] is False and finding["escalation_level"] == 0
    assert finding["checklist_item_label"] == "标识标注" and finding["severity_label"] == "一般问题"

    extended = await client.post(f"{url}/extension", json={"days": 10, "reason": "标签需重新印制"}, headers=headers)
    assert extended.status_code == 200, extended.text
    deadline = date.fromisoformat(finding["deadline"]) + timedelta(days=10)
    assert extended.json()["deadline"] == deadline.isoformat()
    assert extended.json()["original_deadline"] == finding["deadline"]
    again = await client.post(f"{url}/extension", json={"days": 5, "reason": "再延"}, headers=headers)
    assert again.status_code == 422 and again.json()["errors"][0]["loc"] == ["body", "extension"]

    photo = await client.post(
        f"/api/v1/visits/{visit['id']}/attachments", files={"file": ("整改后.jpg", JPEG, "image/jpeg")}, headers=headers
    )
    assert photo.status_code == 201, photo.text
    rectified = await client.post(
        f"{url}/rectification",
        json={"text": "已重新印制标签，标注厂址", "attachment_ids": [photo.json()["id"]]},
        headers=headers,
    )
    assert rectified.status_code == 200, rectified.text
    assert rectified.json()["status"] == "rectified" and rectified.json()["status_label"] == "已整改待复查"

    revisit = await _reinspection(client, session, headers, enterprise)
    closed = await client.post(
        f"{url}/reinspection", json={"visit_id": revisit["id"], "result": "pass"}, headers=headers
    )
    assert closed.status_code == 200, closed.text
    body = closed.json()
    assert body["status"] == "closed" and body["closed_at"] and body["escalation_level"] == 0
    assert [s["kind"] for s in body["steps"]] == ["extension", "rectification", "reinspection"]
    assert body["steps"][1]["attachment_ids"] == [photo.json()["id"]]
    assert body["steps"][2]["reinspection_visit_id"] == revisit["id"] and body["steps"][2]["actor_name"]
    assert (await client.post(f"{url}/extension", json={"days": 1, "reason": "x"}, headers=headers)).status_code == 409
    actions = (
        await session.exec(
            select(AuditEvent.action).where(AuditEvent.entity_id == finding["id"]).order_by(col(AuditEvent.id))
        )
    ).all()
    assert actions == ["finding.create", "finding.extension", "finding.rectification", "finding.reinspection"]


async def test_an_extension_beyond_thirty_days_or_without_reason_is_refused(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, finding = await _finding(client, session, headers, enterprise)
    response = await client.post(
        f"{FINDINGS}/{finding['id']}/extension", json={"days": 31, "reason": " "}, headers=headers
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "days"], ["body", "reason"]]


async def test_a_violation_cannot_close_without_a_case(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, finding = await _finding(client, session, headers, enterprise, severity="violation")
    url = f"{FINDINGS}/{finding['id']}"
    assert [c["code"] for c in finding["consequences"]] == ["case_required"]
    revisit = await _reinspection(client, session, headers, enterprise)
    passed = await client.post(
        f"{url}/reinspection", json={"visit_id": revisit["id"], "result": "pass"}, headers=headers
    )
    assert passed.status_code == 200
    assert passed.json()["status"] == "awaiting_case" and passed.json()["closed_at"] is None
    case = {"case_no": "塔市监立〔2026〕12号", "filed_on": revisit["visit_date"], "officer": "赵六"}
    filed = await client.post(f"{url}/case", json=case, headers=headers)
    assert filed.status_code == 200, filed.text
    assert filed.json()["status"] == "closed" and filed.json()["case_filed"] is True
    assert filed.json()["steps"][-1]["case_no"] == "塔市监立〔2026〕12号"
    assert (await client.post(f"{url}/case", json=case, headers=headers)).status_code == 409


async def test_a_failed_reinspection_reopens_escalates_and_lands_on_the_risk_list(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, finding = await _finding(client, session, headers, enterprise)
    url = f"{FINDINGS}/{finding['id']}"
    await client.post(f"{url}/rectification", json={"text": "已整改"}, headers=headers)
    revisit = await _reinspection(client, session, headers, enterprise)
    failed = await client.post(
        f"{url}/reinspection", json={"visit_id": revisit["id"], "result": "fail"}, headers=headers
    )
    assert failed.status_code == 200
    body = failed.json()
    assert body["status"] == "open" and body["failed_reinspections"] == 1 and body["escalation_level"] == 2
    assert "failed_reinspection" in [r["code"] for r in body["escalation_reasons"]]
    entries = (
        await client.get("/api/v1/risk-list", params={"enterprise_id": str(enterprise.id)}, headers=headers)
    ).json()
    assert [(e["finding_id"], e["source"]) for e in entries["items"]] == [(finding["id"], "escalation")]


async def test_a_refusal_to_rectify_escalates_to_level_three_and_lands_on_the_risk_list(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    visit, finding = await _finding(client, session, headers, enterprise)
    url = f"{FINDINGS}/{finding['id']}"
    refusal = {"refused_on": visit["visit_date"], "note": "企业负责人拒绝签收整改通知书"}
    refused = await client.post(f"{url}/refusal", json=refusal, headers=headers)
    assert refused.status_code == 200, refused.text
    body = refused.json()
    assert body["escalation_level"] == 3 and body["refused_on"] == visit["visit_date"]
    assert "refused" in [r["code"] for r in body["escalation_reasons"]]
    refusal_step, escalation_step = body["steps"][-2:]
    assert (refusal_step["kind"], refusal_step["kind_label"]) == ("refusal", "拒不整改")
    assert (escalation_step["kind"], escalation_step["level_before"], escalation_step["level_after"]) == (
        "escalation",
        0,
        3,
    )
    assert [(h["level_before"], h["level_after"], h["event"]) for h in body["level_history"]] == [(0, 3, "refusal")]
    entries = (
        await client.get("/api/v1/risk-list", params={"enterprise_id": str(enterprise.id)}, headers=headers)
    ).json()
    assert [(e["finding_id"], e["source"]) for e in entries["items"]] == [(finding["id"], "escalation")]
    assert (await client.post(f"{url}/refusal", json=refusal, headers=headers)).status_code == 409


async def test_a_refusal_dated_before_the_finding_or_in_the_future_is_refused_at_its_field(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    visit, finding = await _finding(client, session, headers, enterprise)
    found_on = date.fromisoformat(visit["visit_date"])
    for day in (found_on - timedelta(days=1), today_in_china() + timedelta(days=2)):
        body = {"refused_on": day.isoformat(), "note": "拒绝整改"}
        response = await client.post(f"{FINDINGS}/{finding['id']}/refusal", json=body, headers=headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["loc"] == ["body", "refused_on"]


async def test_a_reinspection_must_be_an_archived_reinspection_visit_of_the_same_enterprise(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    visit, finding = await _finding(client, session, headers, enterprise)
    url = f"{FINDINGS}/{finding['id']}/reinspection"
    patrol = await archived_visit(client, headers, visit_body(enterprise, await make_inspectors(session)))
    for visit_id in (visit["id"], patrol["id"]):
        response = await client.post(url, json={"visit_id": visit_id, "result": "pass"}, headers=headers)
        assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["body", "visit_id"]


async def test_overdue_and_escalation_move_with_today(app, client, session):
    enterprise = await make_enterprise(session)
    user, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, old = await _finding(client, session, headers, enterprise, visit_date="2026-01-05")
    _, fresh = await _finding(client, session, headers, enterprise)
    assert old["deadline"] == "2026-02-04"
    assert old["overdue"] is True and old["escalation_level"] == 2
    assert fresh["overdue"] is False and fresh["escalation_level"] == 0
    listed = (
        await client.get(FINDINGS, params={"overdue": "true", "enterprise_id": str(enterprise.id)}, headers=headers)
    ).json()
    assert [f["id"] for f in listed["items"]] == [old["id"]]
    on_time = (
        await client.get(FINDINGS, params={"overdue": "false", "enterprise_id": str(enterprise.id)}, headers=headers)
    ).json()
    assert [f["id"] for f in on_time["items"]] == [fresh["id"]]
    level_2 = (
        await client.get(FINDINGS, params={"escalation_level": 2, "enterprise_id": str(enterprise.id)}, headers=headers)
    ).json()
    assert [f["id"] for f in level_2["items"]] == [old["id"]] and level_2["total"] == 1

    from app.core.deps import local_today

    url = f"{FINDINGS}/{old['id']}"
    for day, expected in (
        (date(2026, 2, 4), (False, 0)),
        (date(2026, 2, 5), (True, 1)),
        (date(2026, 2, 20), (True, 2)),
    ):
        app.dependency_overrides[local_today] = lambda day=day: day
        body = (await client.get(url, headers=headers)).json()
        assert (body["overdue"], body["escalation_level"]) == expected, day
    app.dependency_overrides.clear()

    finding = await session.get(Finding, uuid.UUID(old["id"]))
    seen = {
        day: (view.overdue, view.escalation_level)
        for day in (date(2026, 2, 4), date(2026, 2, 5), date(2026, 2, 19), date(2026, 2, 20))
        for view in [findings_service.present_finding(finding, day)]
    }
    assert seen == {
        date(2026, 2, 4): (False, 0),
        date(2026, 2, 5): (True, 1),
        date(2026, 2, 19): (True, 1),
        date(2026, 2, 20): (True, 2),
    }
    actor = actor_for_user(user)
    window = await findings_service.list_findings(
        session,
        actor,
        today=date(2026, 2, 4),
        f=FindingFilter(enterprise_id=enterprise.id, overdue=True),
        page=PageQuery(limit=50, keyset=True),
    )
    assert (window.items, window.has_more, window.total) == ([], False, 0)


async def test_findings_are_filtered_by_severity_and_status(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, general = await _finding(client, session, headers, enterprise)
    _, hazard = await _finding(client, session, headers, enterprise, severity="serious_hazard")
    await client.post(f"{FINDINGS}/{general['id']}/rectification", json={"text": "已整改"}, headers=headers)
    params = {"enterprise_id": str(enterprise.id)}
    by_severity = (await client.get(FINDINGS, params=params | {"severity": "serious_hazard"}, headers=headers)).json()
    assert [f["id"] for f in by_severity["items"]] == [hazard["id"]]
    by_status = (await client.get(FINDINGS, params=params | {"status": "rectified"}, headers=headers)).json()
    assert [f["id"] for f in by_status["items"]] == [general["id"]]


async def test_a_finding_is_added_by_hand_to_an_archived_visit_only(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    inspectors = await make_inspectors(session)
    draft = await post_visit(client, headers, visit_body(enterprise, inspectors))
    body = {"description": "特种设备未年检", "severity": "serious_hazard"}
    assert (await client.post(f"/api/v1/visits/{draft['id']}/findings", json=body, headers=headers)).status_code == 409
    visit = await archived_visit(client, headers, visit_body(enterprise, inspectors, visit_date=draft["visit_date"]))
    response = await client.post(f"/api/v1/visits/{visit['id']}/findings", json=body, headers=headers)
    assert response.status_code == 201, response.text
    found_on = date.fromisoformat(visit["visit_date"])
    assert response.json()["deadline"] == (found_on + timedelta(days=15)).isoformat()
    assert response.json()["checklist_item"] is None


async def test_a_county_inspector_cannot_see_or_touch_another_countys_findings(client, session):
    enterprise = await make_enterprise(session)
    _, tacheng = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, wusu = await as_role(client, session, Role.COUNTY_INSPECTOR, WUSU)
    visit, finding = await _finding(client, session, tacheng, enterprise)
    url = f"{FINDINGS}/{finding['id']}"
    assert (await client.get(url, headers=tacheng)).status_code == 200
    assert (await client.get(url, headers=wusu)).status_code == 404
    attempts = {
        "extension": {"days": 5, "reason": "x"},
        "rectification": {"text": "x"},
        "reinspection": {"visit_id": visit["id"], "result": "pass"},
        "case": {"case_no": "1", "filed_on": "2026-01-01", "officer": "x"},
        "refusal": {"refused_on": "2026-01-01", "note": "x"},
    }
    for step, body in attempts.items():
        assert (await client.post(f"{url}/{step}", json=body, headers=wusu)).status_code == 404, step
    manual = {"description": "x"}
    assert (await client.post(f"/api/v1/visits/{visit['id']}/findings", json=manual, headers=wusu)).status_code == 404
    assert (await client.get(FINDINGS, params={"enterprise_id": str(enterprise.id)}, headers=wusu)).json()["total"] == 0
    assert (await client.get(FINDINGS, params={"enterprise_id": str(enterprise.id)}, headers=tacheng)).json()[
        "total"
    ] == 1
