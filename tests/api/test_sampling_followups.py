"""Post-processing of failed samplings (监督抽查不合格后处理): opened by the result, closed step by step."""

from datetime import date
from typing import Any

import pytest

from app.core.deps import local_today
from app.domain.permissions import Role
from tests.builders import TACHENG, WUSU, as_role, make_enterprise, make_issued_plan

pytestmark = pytest.mark.anyio
ROOT = "/api/v1/sampling-follow-ups"


@pytest.fixture(autouse=True)
def today(app: Any) -> None:
    app.dependency_overrides[local_today] = lambda: date(2026, 6, 1)


async def failed_sampling(client: Any, headers: dict[str, str], enterprise: Any, qualified: bool = False) -> Any:
    body = {
        "kind": "sampling",
        "occurred_on": "2026-04-01",
        "product": "水泥",
        "qualified": qualified,
        "report_no": "R-1",
    } | ({} if qualified else {"sampling_origin": "local"})
    response = await client.post(f"/api/v1/enterprises/{enterprise.id}/signals", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def step(client: Any, headers: dict[str, str], follow_up_id: str, kind: str, on: str, **extra: Any) -> Any:
    body = {"kind": kind, "on": on, **extra}
    return await client.post(f"{ROOT}/{follow_up_id}/steps", json=body, headers=headers)


async def test_an_unqualified_sampling_opens_a_follow_up_and_a_qualified_one_does_not(client, session) -> None:
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    signal = await failed_sampling(client, headers, enterprise)
    await failed_sampling(client, headers, enterprise, qualified=True)
    listed = (await client.get(ROOT, params={"status": "open"}, headers=headers)).json()
    assert listed["total"] == 1
    [follow_up] = listed["items"]
    assert follow_up["signal_id"] == signal["id"] and follow_up["failed_on"] == "2026-04-01"
    assert follow_up["status_label"] == "后处理中"


async def test_the_enterprise_becomes_key_supervision_and_its_plan_line_rises(client, session) -> None:
    enterprise = await make_enterprise(session, risk_class="B")
    plan = await make_issued_plan(session, 2026, [(enterprise, 1)])
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    await failed_sampling(client, headers, enterprise)
    _, prefecture = await as_role(client, session, Role.PREFECTURE_ADMIN)
    items = (await client.get(f"/api/v1/plans/{plan.id}/items", headers=prefecture)).json()["items"]
    [line] = items
    assert line["required_visits"] == 2
    assert "failed_sampling" in {r["code"] for r in line["reasons"]}


async def test_the_steps_go_in_order_until_a_qualified_resampling_closes_it(client, session) -> None:
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    await failed_sampling(client, headers, enterprise)
    [follow_up] = (await client.get(ROOT, headers=headers)).json()["items"]
    fid = follow_up["id"]
    out_of_order = await step(client, headers, fid, "closed", "2026-04-05")
    assert out_of_order.status_code == 422 and out_of_order.json()["errors"][0]["loc"] == ["body", "kind"]
    too_early = await step(client, headers, fid, "notified", "2026-03-01")
    assert too_early.status_code == 422 and too_early.json()["errors"][0]["loc"] == ["body", "on"]
    assert (await step(client, headers, fid, "notified", "2026-04-03")).status_code == 201
    assert (await step(client, headers, fid, "rectification_ordered", "2026-04-05")).status_code == 201
    failed_again = await step(client, headers, fid, "resampled", "2026-05-01", qualified=False)
    assert failed_again.json()["resample_qualified"] is False
    assert (await step(client, headers, fid, "closed", "2026-05-02")).status_code == 422
    assert (await step(client, headers, fid, "resampled", "2026-05-20", qualified=True)).status_code == 201
    closed = await step(client, headers, fid, "closed", "2026-05-21", note="复查合格，后处理完结")
    assert closed.status_code == 201, closed.text
    detail = closed.json()
    assert detail["status"] == "closed" and detail["closed_on"] == "2026-05-21"
    assert [s["kind"] for s in detail["steps"]] == [
        "notified",
        "rectification_ordered",
        "resampled",
        "resampled",
        "closed",
    ]
    assert detail["steps"][0]["on"] == "2026-04-03" and detail["steps"][0]["kind_label"] == "告知企业检验结果"
    assert (await client.get(ROOT, params={"status": "open"}, headers=headers)).json()["total"] == 0
    assert (await step(client, headers, fid, "resampled", "2026-05-22", qualified=True)).status_code == 422


async def test_another_county_cannot_see_or_advance_the_follow_up(client, session) -> None:
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    await failed_sampling(client, headers, enterprise)
    [follow_up] = (await client.get(ROOT, headers=headers)).json()["items"]
    _, other = await as_role(client, session, Role.COUNTY_ADMIN, WUSU)
    assert (await client.get(f"{ROOT}/{follow_up['id']}", headers=other)).status_code == 404
    assert (await step(client, other, follow_up["id"], "notified", "2026-04-03")).status_code == 404
    assert (await client.get(ROOT, headers=other)).json()["total"] == 0
    _, prefecture = await as_role(client, session, Role.PREFECTURE_VIEWER)
    assert (await client.get(ROOT, params={"county_code": TACHENG}, headers=prefecture)).json()["total"] == 1


async def test_the_list_keeps_follow_ups_failed_within_the_dates_asked_both_days_included(client, session) -> None:
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    await failed_sampling(client, headers, enterprise)  # failed on 2026-04-01

    async def listed(**dates: str) -> int:
        response = await client.get(ROOT, params=dates, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()["total"]

    assert await listed(date_from="2026-04-01", date_to="2026-04-01") == 1
    assert await listed(date_from="2026-04-02") == 0
    assert await listed(date_to="2026-03-31") == 0
    assert await listed(date_to="2026-04-01") == 1
