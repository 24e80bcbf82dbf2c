"""The risk problem list (风险问题清单): filled automatically, analysed by the county, reviewed by the prefecture."""

import pytest

from app.domain.permissions import Role
from app.models.base import utcnow
from tests.builders import (
    TACHENG,
    WUSU,
    archived_visit,
    as_role,
    full_checklist,
    make_enterprise,
    make_inspectors,
    visit_body,
)

pytestmark = pytest.mark.anyio
RISK_LIST = "/api/v1/risk-list"


async def _hazard(client, session, headers, enterprise):
    checklist = full_checklist(
        storage_delivery={"result": "nonconforming", "note": "易燃原料与成品混放", "severity": "serious_hazard"}
    )
    body = visit_body(
        enterprise, await make_inspectors(session), checklist=checklist, conclusion="rectification_required"
    )
    visit = await archived_visit(client, headers, body)
    entries = (await client.get(RISK_LIST, params={"enterprise_id": str(enterprise.id)}, headers=headers)).json()
    return visit["findings"][0], entries["items"]


async def test_a_serious_hazard_lands_on_the_risk_list(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    finding, entries = await _hazard(client, session, headers, enterprise)
    [entry] = entries
    assert entry["finding_id"] == finding["id"] and entry["county_code"] == TACHENG
    assert entry["source"] == "serious_hazard" and entry["source_label"] == "严重隐患"
    assert entry["problem"] == "贮存及交付控制：易燃原料与成品混放"
    assert entry["reported_to_prefecture_at"] is None and entry["reviewed_at"] is None


async def test_the_county_analyses_the_cause_before_reporting_and_the_prefecture_reviews(client, session):
    enterprise = await make_enterprise(session)
    _, county = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    _, [entry] = await _hazard(client, session, county, enterprise)
    url = f"{RISK_LIST}/{entry['id']}"
    now = utcnow().isoformat()
    too_early = await client.patch(url, json={"reported_to_prefecture_at": now}, headers=county)
    assert too_early.status_code == 422 and too_early.json()["errors"][0]["loc"] == ["body", "cause_analysis"]
    analysed = await client.patch(
        url,
        json={"cause_analysis": "仓储管理制度缺失", "measures": "分区存放，张贴警示", "reported_to_prefecture_at": now},
        headers=county,
    )
    assert analysed.status_code == 200, analysed.text
    assert analysed.json()["reported_to_prefecture_at"] is not None
    assert (await client.post(f"{url}/review", json={}, headers=county)).status_code == 403

    _, prefecture = await as_role(client, session, Role.PREFECTURE_ADMIN)
    reported = (
        await client.get(RISK_LIST, params={"reported": "true", "reviewed": "false"}, headers=prefecture)
    ).json()
    assert entry["id"] in [e["id"] for e in reported["items"]]
    reviewed = await client.post(f"{url}/review", json={"note": "同意整治措施"}, headers=prefecture)
    assert (
        reviewed.status_code == 200
        and reviewed.json()["reviewed_at"]
        and reviewed.json()["review_note"] == "同意整治措施"
    )
    assert (await client.post(f"{url}/review", json={}, headers=prefecture)).status_code == 409
    assert (await client.patch(url, json={"measures": "改"}, headers=county)).status_code == 409


async def test_a_prominent_problem_is_added_by_hand_and_a_finding_only_once(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    finding, _ = await _hazard(client, session, headers, enterprise)
    body = {"enterprise_id": str(enterprise.id), "problem": "区域性水泥标识不规范", "cause_analysis": "行业自律不足"}
    created = await client.post(RISK_LIST, json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["source"] == "manual" and created.json()["county_code"] == TACHENG
    again = await client.post(RISK_LIST, json=body | {"finding_id": finding["id"]}, headers=headers)
    assert again.status_code == 409


async def test_a_county_sees_only_its_own_risk_list(client, session):
    enterprise = await make_enterprise(session)
    _, tacheng = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, wusu = await as_role(client, session, Role.COUNTY_INSPECTOR, WUSU)
    _, [entry] = await _hazard(client, session, tacheng, enterprise)
    url = f"{RISK_LIST}/{entry['id']}"
    assert (await client.get(url, headers=tacheng)).status_code == 200
    assert (await client.get(url, headers=wusu)).status_code == 404
    assert (await client.patch(url, json={"measures": "x"}, headers=wusu)).status_code == 404
    assert entry["id"] not in [e["id"] for e in (await client.get(RISK_LIST, headers=wusu)).json()["items"]]
    body = {"enterprise_id": str(enterprise.id), "problem": "x"}
    assert (await client.post(RISK_LIST, json=body, headers=wusu)).status_code == 404
