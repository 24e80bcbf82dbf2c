"""Visits as drafts: saved often with If-Match, scoped to the county, warning of recent visits."""

from datetime import timedelta

import pytest

from app.core.deps import local_today
from app.domain.permissions import Role
from tests.builders import (
    TACHENG,
    WUSU,
    as_role,
    make_enterprise,
    make_inspectors,
    make_licence,
    make_user,
    post_visit,
    visit_body,
)

pytestmark = pytest.mark.anyio
VISITS = "/api/v1/visits"


async def test_an_inspector_saves_a_draft_with_credentials_copied_from_the_user_records(client, session):
    enterprise = await make_enterprise(session)
    me, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    colleague = (await make_inspectors(session, 1))[0]
    response = await client.post(VISITS, json=visit_body(enterprise, [me, colleague]), headers=headers)
    assert response.status_code == 201, response.text
    visit = response.json()
    assert response.headers["ETag"] == 'W/"1"'
    assert response.headers["Location"] == f"{VISITS}/{visit['id']}"
    assert visit["status"] == "draft" and visit["status_label"] == "草稿"
    assert visit["county_code"] == TACHENG and visit["enterprise_name"] == enterprise.name
    assert [(i["user_id"], i["credential_no"]) for i in visit["inspectors"]] == [
        (str(me.id), me.credential_no),
        (str(colleague.id), colleague.credential_no),
    ]
    assert visit["supervisory_functions"] == [{"code": "metrology", "label": "计量"}]
    assert [row["item"] for row in visit["checklist"]][:2] == ["production_environment", "incoming_inspection"]
    assert visit["checklist"][0]["label"] == "生产环境条件" and visit["checklist"][0]["result_label"] == "符合"
    assert visit["warnings"] == []


async def test_the_licence_item_is_listed_only_for_a_licence_holder(client, session):
    holder, other = await make_enterprise(session), await make_enterprise(session)
    await make_licence(session, holder.id)
    inspectors = await make_inspectors(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    body = visit_body(holder, inspectors, checklist={})
    holder_items = [r["item"] for r in (await post_visit(client, headers, body))["checklist"]]
    other_items = [
        r["item"] for r in (await post_visit(client, headers, body | {"enterprise_id": str(other.id)}))["checklist"]
    ]
    assert len(holder_items) == 11 and "licence_conditions" in holder_items
    assert len(other_items) == 10 and "licence_conditions" not in other_items


async def test_a_draft_is_patched_with_if_match_and_a_stale_etag_is_refused_with_412(client, session):
    enterprise = await make_enterprise(session)
    inspectors = await make_inspectors(session, 3)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    visit = await post_visit(client, headers, visit_body(enterprise, inspectors[:2], checklist={}))
    url = f"{VISITS}/{visit['id']}"
    first = await client.patch(
        url,
        json={
            "checklist": {"labelling": {"result": "nonconforming", "note": "无中文厂名", "severity": "violation"}},
            "inspectors": [{"user_id": str(u.id), "credential_shown": True} for u in inspectors[1:]],
        },
        headers=headers | {"If-Match": 'W/"1"'},
    )
    assert first.status_code == 200, first.text
    assert first.headers["ETag"] == 'W/"2"'
    second = await client.patch(
        url,
        json={"checklist": {"records": {"result": "conforming"}}, "notes": "补充记录"},
        headers=headers | {"If-Match": first.headers["ETag"]},
    )
    assert second.status_code == 200
    body = second.json()
    answered = {row["item"]: row for row in body["checklist"] if row["result"]}
    assert set(answered) == {"labelling", "records"}
    assert answered["labelling"]["severity"] == "violation" and answered["labelling"]["note"] == "无中文厂名"
    assert [i["user_id"] for i in body["inspectors"]] == [str(u.id) for u in inspectors[1:]]
    stale = await client.patch(url, json={"notes": "离线时的修改"}, headers=headers | {"If-Match": 'W/"1"'})
    assert stale.status_code == 412
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert (await client.get(url, headers=headers)).json()["notes"] == "补充记录"


async def test_a_severity_on_a_conforming_item_and_a_null_visit_date_are_refused(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    body = visit_body(enterprise, await make_inspectors(session))
    body["checklist"]["labelling"] = {"result": "conforming", "severity": "general"}
    assert (await client.post(VISITS, json=body, headers=headers)).status_code == 422
    visit = await post_visit(client, headers, visit_body(enterprise, []))
    refused = await client.patch(f"{VISITS}/{visit['id']}", json={"visit_date": None}, headers=headers)
    assert refused.status_code == 422


async def test_a_duplicate_inspector_is_refused_with_its_loc_when_the_draft_is_saved(client, session):
    enterprise = await make_enterprise(session)
    me, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    response = await client.post(VISITS, json=visit_body(enterprise, [me, me]), headers=headers)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "inspectors", 1]]


async def test_an_unknown_inspector_is_refused_with_its_loc(client, session):
    enterprise = await make_enterprise(session)
    me, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    body = visit_body(enterprise, [me])
    body["inspectors"].append({"user_id": "00000000-0000-4000-8000-000000000000", "credential_shown": True})
    response = await client.post(VISITS, json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "inspectors", 1, "user_id"]


async def test_creating_a_visit_for_an_enterprise_visited_last_week_warns_but_does_not_block(client, session):
    enterprise = await make_enterprise(session)
    inspectors = await make_inspectors(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    week_ago = (local_today() - timedelta(days=7)).isoformat()
    long_ago = (local_today() - timedelta(days=60)).isoformat()
    earlier = await post_visit(client, headers, visit_body(enterprise, inspectors, visit_date=week_ago))
    await post_visit(client, headers, visit_body(enterprise, inspectors, visit_date=long_ago))
    response = await client.post(VISITS, json=visit_body(enterprise, inspectors), headers=headers)
    assert response.status_code == 201
    warnings = response.json()["warnings"]
    assert [(w["code"], w["visit_id"]) for w in warnings] == [("recent_visit", earlier["id"])]
    assert "6天前" in warnings[0]["msg"] and warnings[0]["visit_type_label"] == "日常巡查"


async def test_an_unknown_assignment_is_refused_with_its_loc(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    body = visit_body(enterprise, [], assignment_id="00000000-0000-4000-8000-000000000000")
    response = await client.post(VISITS, json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "assignment_id"]


async def test_a_county_inspector_cannot_see_or_touch_another_countys_visits(client, session):
    enterprise = await make_enterprise(session)
    inspectors = await make_inspectors(session)
    _, tacheng = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, wusu = await as_role(client, session, Role.COUNTY_INSPECTOR, WUSU)
    visit = await post_visit(client, tacheng, visit_body(enterprise, inspectors))
    url = f"{VISITS}/{visit['id']}"
    assert (await client.get(url, headers=tacheng)).status_code == 200
    assert (await client.get(url, headers=wusu)).status_code == 404
    r = await client.patch(url, json={"notes": "x"}, headers=wusu)
    assert r.status_code == 404, r.text
    assert (await client.post(f"{url}/submit", headers=wusu)).status_code == 404
    assert (await client.post(f"{url}/amendments", json={"reason": "x", "notes": "y"}, headers=wusu)).status_code == 404
    assert (await client.get(f"{url}/record-form", headers=wusu)).status_code == 404
    assert (await client.post(VISITS, json=visit_body(enterprise, inspectors), headers=wusu)).status_code == 404
    listed = (await client.get(VISITS, params={"enterprise_id": str(enterprise.id)}, headers=wusu)).json()
    assert listed["total"] == 0
    mine = (await client.get(VISITS, params={"enterprise_id": str(enterprise.id)}, headers=tacheng)).json()
    assert [v["id"] for v in mine["items"]] == [visit["id"]]
    assert mine["items"][0]["enterprise_name"] == enterprise.name and mine["items"][0]["visit_type_label"] == "日常巡查"


async def test_the_prefecture_sees_every_countys_visits_and_a_viewer_cannot_write(client, session):
    enterprise = await make_enterprise(session)
    _, tacheng = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    visit = await post_visit(client, tacheng, visit_body(enterprise, await make_inspectors(session)))
    viewer = await make_user(session, Role.PREFECTURE_VIEWER)
    from tests.builders import sign_in

    headers = await sign_in(client, viewer)
    assert (await client.get(f"{VISITS}/{visit['id']}", headers=headers)).status_code == 200
    assert (await client.patch(f"{VISITS}/{visit['id']}", json={"notes": "x"}, headers=headers)).status_code == 403


async def test_visits_are_listed_by_inspector_and_status(client, session):
    enterprise = await make_enterprise(session)
    me, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    others = await make_inspectors(session, 2)
    mine = await post_visit(client, headers, visit_body(enterprise, [me, others[0]]))
    await post_visit(client, headers, visit_body(enterprise, others))
    listed = (await client.get(VISITS, params={"inspector_id": str(me.id), "status": "draft"}, headers=headers)).json()
    assert [v["id"] for v in listed["items"]] == [mine["id"]]


async def _cross_assignment(session, enterprise, inspectors):
    from datetime import date

    from app.models import Assignment, AssignmentInspector, Draw, Plan

    plan = Plan(prefecture_code="654200", year=2026, as_of=date(2026, 1, 1), ruleset_year=2022)
    session.add(plan)
    await session.flush()
    draw = Draw(
        plan_id=plan.id, cross_inspection=True, seed=1, inputs_hash="0" * 64, inputs={}, result=[],
        due_from=date(2026, 1, 1), due_until=date(2026, 12, 31),
    )  # fmt: skip
    session.add(draw)
    await session.flush()
    assignment = Assignment(
        draw_id=draw.id, plan_id=plan.id, enterprise_id=enterprise.id, county_code=enterprise.county_code,
        cross_inspection=True, due_from=date(2026, 1, 1), due_until=date(2026, 12, 31),
    )  # fmt: skip
    session.add(assignment)
    await session.flush()
    for position, user in enumerate(inspectors):
        session.add(AssignmentInspector(assignment_id=assignment.id, user_id=user.id, position=position))
    await session.commit()
    return assignment


async def test_a_cross_inspection_assignment_grants_its_inspectors_that_one_visit_only(client, session):
    from tests.builders import sign_in

    enterprise = await make_enterprise(session)
    _, tacheng = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    local_visit = await post_visit(client, tacheng, visit_body(enterprise, await make_inspectors(session)))
    wusu_pair = await make_inspectors(session, 2, WUSU)
    assignment = await _cross_assignment(session, enterprise, wusu_pair)
    assigned = await sign_in(client, wusu_pair[0])
    _, bystander = await as_role(client, session, Role.COUNTY_INSPECTOR, WUSU)

    body = visit_body(enterprise, wusu_pair, visit_type="cross_inspection", assignment_id=str(assignment.id))
    created = await client.post(VISITS, json=body, headers=assigned)
    assert created.status_code == 201, created.text
    assert [w["visit_id"] for w in created.json()["warnings"]] == [local_visit["id"]]  # 避免重复检查, by anyone
    submitted = await client.post(f"{VISITS}/{created.json()['id']}/submit", headers=assigned)
    assert submitted.status_code == 200, submitted.text
    url = f"{VISITS}/{created.json()['id']}"
    assert (await client.get(url, headers=assigned)).status_code == 200
    assert (await client.get(url, headers=tacheng)).status_code == 200
    assert (await client.get(url, headers=bystander)).status_code == 404
    assert (await client.get(f"{VISITS}/{local_visit['id']}", headers=assigned)).status_code == 404
