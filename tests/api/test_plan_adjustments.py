"""County adjustments of the issued plan, and the automatic raise when new risk arrives."""

import uuid
from datetime import date

import pytest
from sqlmodel import select

from app.models import AuditEvent, PlanAdjustment, PlanItem
from app.services.plans.recompute import recompute_for_enterprise
from tests.api.plan_helpers import TODAY, county_admin, freeze_today, generate, issue, items, line_of, prefecture
from tests.builders import TACHENG, WUSU, make_enterprise, make_signal

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def _today(app) -> None:  # noqa: ANN001
    freeze_today(app)


async def _issued_plan(client, session, *enterprises_fields):  # noqa: ANN001, ANN202
    enterprises = [await make_enterprise(session, **fields) for fields in enterprises_fields]
    headers = await prefecture(client, session)
    plan = await generate(client, headers)
    await issue(client, headers, plan["id"])
    lines = await items(client, headers, plan["id"])
    return headers, plan["id"], [line_of(lines, e.id) for e in enterprises], enterprises


async def test_a_county_admin_raises_a_line_with_a_reason_and_the_diff_against_the_issued_plan_shows_it(
    client, session
):
    _, plan_id, [raised, untouched], _ = await _issued_plan(client, session, {"risk_class": "C"}, {"risk_class": "A"})
    county = await county_admin(client, session, TACHENG)

    response = await client.patch(
        f"/api/v1/plans/{plan_id}/items/{raised['id']}",
        json={"required_visits": 4, "reason": "辖区重点产品专项整治"},
        headers=county,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["required_visits"], body["issued_visits"], body["adjusted"]) == (4, 2, True)
    assert body["due_dates"] == ["2026-03-31", "2026-06-30", "2026-09-30", "2026-12-31"]
    [adjustment] = body["adjustments"]
    assert (adjustment["kind"], adjustment["before"], adjustment["after"]) == ("raise", 2, 4)
    assert adjustment["reason"] == "辖区重点产品专项整治" and adjustment["actor_kind"] == "user" and adjustment["at"]

    diff = await items(client, county, plan_id, adjusted="true")
    assert [(x["id"], x["issued_visits"], x["required_visits"]) for x in diff] == [(raised["id"], 2, 4)]
    assert [x["id"] for x in await items(client, county, plan_id, adjusted="false")] == [untouched["id"]]
    event = (await session.exec(select(AuditEvent).where(AuditEvent.action == "plan_item.adjust"))).one()
    assert (event.before, event.after["required_visits"], event.county_code) == ({"required_visits": 2}, 4, TACHENG)


async def test_a_county_cannot_lower_a_line_below_the_rules_minimum_and_is_told_which_rule(client, session):
    _, plan_id, [line], _ = await _issued_plan(client, session, {"risk_class": "C", "key_industry": True})
    county = await county_admin(client, session, TACHENG)
    response = await client.patch(
        f"/api/v1/plans/{plan_id}/items/{line['id']}",
        json={"required_visits": 2, "reason": "人手不足"},
        headers=county,
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["loc"] == ["body", "required_visits"]
    assert "C类企业每年2-3次" in problem["errors"][0]["msg"] and "重点行业" in problem["errors"][0]["msg"]
    assert "最低3次" in problem["detail"]
    assert (await session.exec(select(PlanAdjustment))).all() == []


async def test_a_county_may_take_back_its_own_raise_but_not_go_below_the_rule(client, session):
    _, plan_id, [line], _ = await _issued_plan(client, session, {"risk_class": "B"})
    county = await county_admin(client, session, TACHENG)
    url = f"/api/v1/plans/{plan_id}/items/{line['id']}"
    assert (await client.patch(url, json={"required_visits": 3, "reason": "专项"}, headers=county)).status_code == 200
    back = await client.patch(url, json={"required_visits": 1, "reason": "专项取消"}, headers=county)
    assert back.status_code == 200
    assert [a["kind"] for a in back.json()["adjustments"]] == ["raise", "lower"]
    below = await client.patch(url, json={"required_visits": 0, "reason": "不检查"}, headers=county)
    assert below.status_code == 422
    assert below.json()["errors"][0]["loc"] == ["body", "required_visits"]


async def test_the_prefecture_may_lower_a_line_below_the_minimum_with_a_reason(client, session):
    headers, plan_id, [line], _ = await _issued_plan(client, session, {"risk_class": "D"})
    response = await client.patch(
        f"/api/v1/plans/{plan_id}/items/{line['id']}",
        json={"required_visits": 1, "reason": "企业已停产待注销，经研究降低频次"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["adjustments"][0]["kind"] == "lower"
    no_reason = await client.patch(
        f"/api/v1/plans/{plan_id}/items/{line['id']}", json={"required_visits": 2}, headers=headers
    )
    assert no_reason.status_code == 422


async def test_a_county_cannot_touch_another_countys_line(client, session):
    _, plan_id, [wusu_line], _ = await _issued_plan(client, session, {"county_code": WUSU})
    tacheng = await county_admin(client, session, TACHENG)
    url = f"/api/v1/plans/{plan_id}/items/{wusu_line['id']}"
    assert (await client.patch(url, json={"required_visits": 5, "reason": "越权"}, headers=tacheng)).status_code == 404
    assert (await client.get(url, headers=tacheng)).status_code == 404
    wusu = await county_admin(client, session, WUSU)
    assert (await client.patch(url, json={"required_visits": 5, "reason": "本县"}, headers=wusu)).status_code == 200


async def test_a_draft_is_not_adjusted_it_is_refreshed(client, session):
    line_enterprise = await make_enterprise(session)
    headers = await prefecture(client, session)
    plan = await generate(client, headers)
    line = line_of(await items(client, headers, plan["id"]), line_enterprise.id)
    response = await client.patch(
        f"/api/v1/plans/{plan['id']}/items/{line['id']}", json={"required_visits": 3, "reason": "提前"}, headers=headers
    )
    assert response.status_code == 409


async def test_a_county_adds_a_new_manufacturer_the_plan_missed(client, session):
    headers, plan_id, _, _ = await _issued_plan(client, session, {"risk_class": "A"})
    newcomer = await make_enterprise(session, risk_class="C", key_enterprise=True)
    other_county = await make_enterprise(session, county_code=WUSU)
    county = await county_admin(client, session, TACHENG)
    url = f"/api/v1/plans/{plan_id}/items"

    response = await client.post(url, json={"enterprise_id": str(newcomer.id), "reason": "新投产企业"}, headers=county)
    assert response.status_code == 201, response.text
    line = response.json()
    assert (line["required_visits"], line["rule_minimum"], line["issued_visits"], line["source"]) == (
        3,
        3,
        None,
        "added",
    )
    assert line["adjusted"] is True
    assert [(a["kind"], a["before"], a["after"]) for a in line["adjustments"]] == [("add", None, 3)]
    assert any(x["id"] == line["id"] for x in await items(client, county, plan_id, adjusted="true"))

    again = await client.post(url, json={"enterprise_id": str(newcomer.id), "reason": "重复"}, headers=county)
    assert again.status_code == 409
    foreign = await client.post(url, json={"enterprise_id": str(other_county.id), "reason": "越权"}, headers=county)
    assert foreign.status_code == 404
    too_few = await client.post(
        url,
        json={
            "enterprise_id": str((await make_enterprise(session, risk_class="D")).id),
            "required_visits": 1,
            "reason": "少",
        },
        headers=county,
    )
    assert too_few.status_code == 422


async def test_a_failed_sampling_raises_the_issued_line_automatically_as_an_adjustment_by_the_system(client, session):
    headers, plan_id, [line], [enterprise] = await _issued_plan(client, session, {"risk_class": "B"})
    await make_signal(
        session, enterprise.id, kind="sampling", substantiated=None, qualified=False, occurred_on=date(2026, 6, 20)
    )
    await recompute_for_enterprise(session, enterprise.id, today=TODAY)
    await session.commit()

    response = await client.get(f"/api/v1/plans/{plan_id}/items/{line['id']}", headers=headers)
    body = response.json()
    assert (body["required_visits"], body["rule_minimum"], body["issued_visits"], body["adjusted"]) == (2, 2, 1, True)
    assert [r["code"] for r in body["reasons"]] == ["base_frequency", "failed_sampling"]
    [adjustment] = body["adjustments"]
    assert (adjustment["kind"], adjustment["before"], adjustment["after"], adjustment["actor_kind"]) == (
        "system_raise",
        1,
        2,
        "system",
    )
    assert "监督抽查不合格" in adjustment["reason"]

    await recompute_for_enterprise(session, enterprise.id, today=TODAY)  # nothing new: nothing changes
    adjustments = (
        await session.exec(select(PlanAdjustment).where(PlanAdjustment.plan_item_id == uuid.UUID(line["id"])))
    ).all()
    assert len(adjustments) == 1


async def test_the_system_never_lowers_a_line_and_leaves_a_higher_county_value_alone(client, session):
    headers, plan_id, [line], [enterprise] = await _issued_plan(client, session, {"risk_class": "B"})
    await client.patch(
        f"/api/v1/plans/{plan_id}/items/{line['id']}", json={"required_visits": 5, "reason": "专项"}, headers=headers
    )
    await make_signal(session, enterprise.id, occurred_on=date(2026, 6, 1))
    await recompute_for_enterprise(session, enterprise.id, today=TODAY)
    item = await session.get(PlanItem, uuid.UUID(line["id"]), populate_existing=True)
    assert (item.required_visits, item.rule_minimum) == (5, 2)

    enterprise.risk_class = "A"
    session.add(enterprise)
    await session.commit()
    await recompute_for_enterprise(session, enterprise.id, today=TODAY)
    item = await session.get(PlanItem, uuid.UUID(line["id"]), populate_existing=True)
    assert (item.required_visits, item.rule_minimum, item.risk_class) == (5, 2, "B")


async def test_recompute_without_an_issued_plan_does_nothing(session):
    enterprise = await make_enterprise(session)
    await recompute_for_enterprise(session, enterprise.id, today=TODAY)
    assert (await session.exec(select(PlanAdjustment))).all() == []
