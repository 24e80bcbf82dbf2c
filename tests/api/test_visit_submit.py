"""Submitting a visit (归档): every rule at once with its loc, then read-only; corrections are amendments."""

from datetime import date, timedelta

import pytest
from sqlmodel import select

from app.core.deps import local_today
from app.domain.permissions import Role
from app.models import AuditEvent
from tests.builders import (
    TACHENG,
    WUSU,
    archived_visit,
    as_role,
    full_checklist,
    make_enterprise,
    make_inspectors,
    make_licence,
    post_visit,
    visit_body,
)

pytestmark = pytest.mark.anyio
VISITS = "/api/v1/visits"


async def _submit(client, headers, body):
    visit = await post_visit(client, headers, body)
    return await client.post(f"{VISITS}/{visit['id']}/submit", headers=headers)


def _locs(response):
    assert response.status_code == 422, response.text
    assert response.json()["type"].endswith("/rule-violation")
    return [e["loc"] for e in response.json()["errors"]]


async def test_submit_is_refused_with_one_inspector(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    response = await _submit(client, headers, visit_body(enterprise, await make_inspectors(session, 1)))
    assert _locs(response) == [["body", "inspectors"]]


async def test_submit_is_refused_with_an_expired_credential(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    valid = await make_inspectors(session, 1)
    expired = await make_inspectors(session, 1, credential_valid_until=date(2020, 12, 31))
    response = await _submit(client, headers, visit_body(enterprise, valid + expired))
    assert _locs(response) == [["body", "inspectors", 1, "credential_valid_until"]]


async def test_submit_is_refused_when_a_credential_was_not_shown(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    body = visit_body(enterprise, await make_inspectors(session))
    body["inspectors"][0]["credential_shown"] = False
    assert _locs(await _submit(client, headers, body)) == [["body", "inspectors", 0, "credential_shown"]]


async def test_submit_is_refused_for_a_cross_inspection_by_the_enterprises_own_county(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    body = visit_body(enterprise, await make_inspectors(session, 2, TACHENG), visit_type="cross_inspection")
    assert _locs(await _submit(client, headers, body)) == [
        ["body", "inspectors", 0, "county"],
        ["body", "inspectors", 1, "county"],
    ]


async def test_a_cross_inspection_by_inspectors_of_another_county_is_accepted(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    body = visit_body(enterprise, await make_inspectors(session, 2, WUSU), visit_type="cross_inspection")
    assert (await _submit(client, headers, body)).status_code == 200


async def test_submit_is_refused_for_a_future_date(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    body = visit_body(enterprise, await make_inspectors(session), visit_date=tomorrow)
    assert _locs(await _submit(client, headers, body)) == [["body", "visit_date"]]


async def test_submit_reports_every_problem_at_once(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    body = visit_body(enterprise, await make_inspectors(session, 1), checklist={}, conclusion=None)
    body["checklist"] = {"labelling": {"result": "nonconforming"}, "licence_conditions": {"result": "conforming"}}
    locs = _locs(await _submit(client, headers, body))
    assert ["body", "inspectors"] in locs and ["body", "conclusion"] in locs
    assert ["body", "checklist", "production_environment"] in locs and ["body", "checklist", "records"] in locs
    assert ["body", "checklist", "licence_conditions"] in locs  # not a licence holder: must be not applicable
    assert len(locs) == 1 + 1 + 9 + 1


async def test_a_conforming_conclusion_over_a_nonconforming_item_is_refused(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    checklist = full_checklist(labelling={"result": "nonconforming"})
    body = visit_body(enterprise, await make_inspectors(session), checklist=checklist)
    assert _locs(await _submit(client, headers, body)) == [["body", "conclusion"]]


async def test_a_licence_holder_must_answer_the_licence_item(client, session):
    enterprise = await make_enterprise(session)
    await make_licence(session, enterprise.id)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    checklist = full_checklist()
    del checklist["licence_conditions"]
    body = visit_body(enterprise, await make_inspectors(session), checklist=checklist)
    assert _locs(await _submit(client, headers, body)) == [["body", "checklist", "licence_conditions"]]


async def test_submit_archives_and_turns_each_nonconforming_item_into_one_finding(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    checklist = full_checklist(
        labelling={"result": "nonconforming", "note": "未标注生产日期"},
        storage_delivery={"result": "nonconforming", "note": "成品露天堆放", "severity": "serious_hazard"},
    )
    body = visit_body(
        enterprise, await make_inspectors(session), checklist=checklist, conclusion="rectification_required"
    )
    visit = await archived_visit(client, headers, body)
    assert visit["status"] == "archived" and visit["archived_at"]
    assert visit["covers_full_checklist"] is True and visit["counts_toward_frequency"] is True
    found_on = date.fromisoformat(visit["visit_date"])
    assert [(f["checklist_item"], f["severity"], f["deadline"]) for f in visit["findings"]] == [
        ("storage_delivery", "serious_hazard", (found_on + timedelta(days=15)).isoformat()),
        ("labelling", "general", (found_on + timedelta(days=30)).isoformat()),
    ]
    assert visit["findings"][1]["description"] == "标识标注：未标注生产日期"
    actions = (await session.exec(select(AuditEvent.action).where(AuditEvent.entity_id == visit["id"]))).all()
    assert actions == ["visit.create", "visit.submit"]


async def test_an_archived_visit_cannot_be_edited_or_submitted_again(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    visit = await archived_visit(client, headers, visit_body(enterprise, await make_inspectors(session)))
    url = f"{VISITS}/{visit['id']}"
    edit = await client.patch(url, json={"notes": "事后补记"}, headers=headers)
    assert edit.status_code == 409
    assert edit.headers["content-type"].startswith("application/problem+json")
    assert (await client.post(f"{url}/submit", headers=headers)).status_code == 409
    assert (await client.get(url, headers=headers)).json()["notes"] is None


async def test_an_amendment_keeps_the_original_beside_the_correction(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    visit = await archived_visit(client, headers, visit_body(enterprise, await make_inspectors(session)))
    url = f"{VISITS}/{visit['id']}"
    response = await client.post(
        f"{url}/amendments",
        json={"reason": "签字人姓名笔误", "representative_name": "王武", "checklist_notes": {"records": "台账齐全"}},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    amended = response.json()
    assert amended["representative_name"] == "王武"
    assert [r["note"] for r in amended["checklist"] if r["item"] == "records"] == ["台账齐全"]
    [amendment] = amended["amendments"]
    assert amendment["reason"] == "签字人姓名笔误"
    assert amendment["before"] == {"representative_name": "王五", "checklist_notes": {"records": None}}
    assert amendment["after"] == {"representative_name": "王武", "checklist_notes": {"records": "台账齐全"}}
    nothing = await client.post(
        f"{url}/amendments", json={"reason": "x", "representative_name": "王武"}, headers=headers
    )
    assert nothing.status_code == 422


async def test_a_draft_is_not_amended_but_patched(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    visit = await post_visit(client, headers, visit_body(enterprise, await make_inspectors(session)))
    response = await client.post(
        f"{VISITS}/{visit['id']}/amendments", json={"reason": "x", "notes": "y"}, headers=headers
    )
    assert response.status_code == 409


async def test_submitting_a_visit_after_a_recent_one_warns_but_archives(client, session):
    enterprise = await make_enterprise(session)
    inspectors = await make_inspectors(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    three_days_ago = (local_today() - timedelta(days=3)).isoformat()
    earlier = await archived_visit(client, headers, visit_body(enterprise, inspectors, visit_date=three_days_ago))
    visit = await archived_visit(client, headers, visit_body(enterprise, inspectors))
    assert visit["status"] == "archived"
    assert [w["visit_id"] for w in visit["warnings"]] == [earlier["id"]]


async def test_submit_with_a_stale_etag_is_refused_with_412(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    visit = await post_visit(client, headers, visit_body(enterprise, await make_inspectors(session)))
    url = f"{VISITS}/{visit['id']}"
    await client.patch(url, json={"notes": "改"}, headers=headers | {"If-Match": 'W/"1"'})
    assert (await client.post(f"{url}/submit", headers=headers | {"If-Match": 'W/"1"'})).status_code == 412
    assert (await client.post(f"{url}/submit", headers=headers | {"If-Match": 'W/"2"'})).status_code == 200


async def test_a_reinspection_visit_need_not_go_through_every_item(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    body = visit_body(
        enterprise,
        await make_inspectors(session),
        visit_type="reinspection",
        checklist={"labelling": {"result": "conforming"}},
    )
    visit = await archived_visit(client, headers, body)
    assert visit["covers_full_checklist"] is False and visit["counts_toward_frequency"] is False
