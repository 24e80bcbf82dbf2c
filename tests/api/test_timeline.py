"""An enterprise's timeline: what an inspector reads before walking in, newest first."""

from datetime import date, timedelta

import pytest

from app.core.deps import local_today
from app.domain.permissions import Role
from tests.builders import (
    TACHENG,
    WUSU,
    archived_visit,
    as_role,
    full_checklist,
    make_enterprise,
    make_inspectors,
    make_licence,
    make_signal,
    visit_body,
)

pytestmark = pytest.mark.anyio


async def test_the_timeline_holds_visits_findings_steps_signals_and_licences_newest_first(client, session):
    enterprise = await make_enterprise(session)
    await make_licence(session, enterprise.id, issued_on=date(2023, 1, 1))
    await make_signal(session, enterprise.id, occurred_on=date(2026, 3, 1), note="消费者投诉标识不清")
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    checklist = full_checklist(True, labelling={"result": "nonconforming", "note": "无厂址"})
    body = visit_body(
        enterprise, await make_inspectors(session), checklist=checklist,
        conclusion="rectification_required", visit_date=str(local_today() - timedelta(days=10)),
    )  # fmt: skip
    visit = await archived_visit(client, headers, body)
    finding_id = visit["findings"][0]["id"]
    extension = {"days": 7, "reason": "备货"}  # asked before the deadline, as it must be
    assert (
        await client.post(f"/api/v1/findings/{finding_id}/extension", json=extension, headers=headers)
    ).status_code == 200

    response = await client.get(f"/api/v1/enterprises/{enterprise.id}/timeline", headers=headers)
    assert response.status_code == 200, response.text
    timeline = response.json()
    assert timeline["enterprise_name"] == enterprise.name
    kinds = [item["kind"] for item in timeline["items"]]
    assert kinds == ["finding_step", "finding", "visit", "signal", "licence"]
    days = [item["on"] for item in timeline["items"]]
    assert days == sorted(days, reverse=True)
    assert timeline["items"][2]["ref_id"] == visit["id"] and "日常巡查" in timeline["items"][2]["title"]
    assert "举报投诉" in timeline["items"][3]["title"]


async def test_another_county_gets_404_for_the_timeline(client, session):
    enterprise = await make_enterprise(session)
    _, tacheng = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, wusu = await as_role(client, session, Role.COUNTY_INSPECTOR, WUSU)
    url = f"/api/v1/enterprises/{enterprise.id}/timeline"
    assert (await client.get(url, headers=tacheng)).status_code == 200
    assert (await client.get(url, headers=wusu)).status_code == 404
