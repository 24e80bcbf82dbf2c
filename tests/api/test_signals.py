"""Risk signals: what each kind must carry, who may record them, and the other county refused."""

from datetime import timedelta

import pytest

from app.core.clock import today_in_china
from app.domain.permissions import Role
from tests.builders import WUSU, as_role, make_enterprise, make_signal

pytestmark = pytest.mark.anyio


async def test_an_inspector_records_a_failed_sampling_with_its_report(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR)
    response = await client.post(
        f"/api/v1/enterprises/{enterprise.id}/signals",
        json={
            "kind": "sampling",
            "occurred_on": "2026-04-02",
            "source": "自治区监督抽查",
            "product": "通用硅酸盐水泥",
            "batch": "20260402",
            "qualified": False,
            "report_no": "XJ2026-0042",
            "sampling_origin": "referred",
        },
        headers=headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["kind_label"] == "监督抽查" and response.json()["is_open"] is True
    listed = await client.get(f"/api/v1/enterprises/{enterprise.id}/signals", headers=headers)
    assert [s["report_no"] for s in listed.json()["items"]] == ["XJ2026-0042"]


async def test_a_sampling_without_result_and_a_future_date_are_refused_with_loc(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.post(
        f"/api/v1/enterprises/{enterprise.id}/signals",
        json={"kind": "sampling", "occurred_on": (today_in_china() + timedelta(days=1)).isoformat()},
        headers=headers,
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [
        ["body", "occurred_on"],
        ["body", "qualified"],
        ["body", "product"],
    ]


async def test_only_a_complaint_is_substantiated(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    url = f"/api/v1/enterprises/{enterprise.id}/signals"
    bad = {"kind": "risk_alert", "occurred_on": "2026-01-01", "substantiated": True}
    assert (await client.post(url, json=bad, headers=headers)).json()["errors"][0]["loc"] == ["body", "substantiated"]
    good = {"kind": "complaint", "occurred_on": "2026-01-01", "substantiated": True, "note": "群众举报"}
    assert (await client.post(url, json=good, headers=headers)).status_code == 201


async def test_a_prefecture_viewer_reads_signals_but_records_none(client, session):
    enterprise = await make_enterprise(session)
    await make_signal(session, enterprise.id)
    _, headers = await as_role(client, session, Role.PREFECTURE_VIEWER)
    url = f"/api/v1/enterprises/{enterprise.id}/signals"
    assert len((await client.get(url, headers=headers)).json()["items"]) == 1
    body = {"kind": "complaint", "occurred_on": "2026-01-01"}
    assert (await client.post(url, json=body, headers=headers)).status_code == 403


async def test_another_countys_signals_are_not_found(client, session):
    theirs = await make_enterprise(session, county_code=WUSU)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR)
    url = f"/api/v1/enterprises/{theirs.id}/signals"
    assert (await client.get(url, headers=headers)).status_code == 404
    body = {"kind": "unlicensed_production", "occurred_on": "2026-01-01"}
    assert (await client.post(url, json=body, headers=headers)).status_code == 404
