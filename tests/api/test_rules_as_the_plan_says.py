"""Issue 13 at the API: a late extension is refused and keeps the escalation; a visit that checked nothing does
not count toward the frequency; a conclusion must agree with its items."""

from datetime import timedelta

import pytest

from app.core.deps import local_today
from app.domain.permissions import Role
from tests.builders import (
    CHECKLIST_ITEMS,
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


async def _overdue_finding(client, session, headers, days_overdue: int) -> dict:
    """A general finding (30 days to rectify) found `30 + days_overdue` days ago."""
    enterprise = await make_enterprise(session)
    checklist = full_checklist(labelling={"result": "nonconforming", "note": "未标注厂址", "severity": "general"})
    found_on = local_today() - timedelta(days=30 + days_overdue)
    body = visit_body(
        enterprise,
        await make_inspectors(session),
        checklist=checklist,
        conclusion="rectification_required",
        visit_date=found_on.isoformat(),
    )
    [brief] = (await archived_visit(client, headers, body))["findings"]
    return (await client.get(f"{FINDINGS}/{brief['id']}", headers=headers)).json()


async def test_an_extension_asked_after_the_deadline_is_refused_and_the_escalation_stays(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    finding = await _overdue_finding(client, session, headers, days_overdue=25)
    assert (finding["overdue"], finding["escalation_level"]) == (True, 2)

    response = await client.post(
        f"{FINDINGS}/{finding['id']}/extension", json={"days": 30, "reason": "设备待采购"}, headers=headers
    )

    assert response.status_code == 422, response.text
    problem = response.json()
    assert any(e["loc"][-1] == "extension" and "整改期限已过" in e["msg"] for e in problem["errors"])
    after = (await client.get(f"{FINDINGS}/{finding['id']}", headers=headers)).json()
    assert (after["overdue"], after["escalation_level"], after["deadline"]) == (True, 2, finding["deadline"])


async def test_an_extension_asked_on_the_deadline_day_is_still_granted(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    finding = await _overdue_finding(client, session, headers, days_overdue=0)
    response = await client.post(
        f"{FINDINGS}/{finding['id']}/extension", json={"days": 10, "reason": "设备待采购"}, headers=headers
    )
    assert response.status_code == 200, response.text


async def test_the_other_county_cannot_ask_an_extension_of_a_finding_it_cannot_see(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    finding = await _overdue_finding(client, session, headers, days_overdue=0)
    _, wusu = await as_role(client, session, Role.COUNTY_INSPECTOR, WUSU)
    response = await client.post(
        f"{FINDINGS}/{finding['id']}/extension", json={"days": 10, "reason": "设备待采购"}, headers=wusu
    )
    assert response.status_code == 404


async def test_a_visit_where_every_item_was_not_applicable_is_archived_but_does_not_count(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    nothing = {item: {"result": "not_applicable", "note": "停产整顿中"} for item in CHECKLIST_ITEMS}
    body = visit_body(enterprise, await make_inspectors(session), checklist=nothing, conclusion="conforming")
    visit = await archived_visit(client, headers, body)
    assert visit["status"] == "archived"
    assert (visit["covers_full_checklist"], visit["counts_toward_frequency"]) == (False, False)


async def test_a_visit_that_checked_every_item_counts(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    visit = await archived_visit(client, headers, visit_body(enterprise, await make_inspectors(session)))
    assert (visit["covers_full_checklist"], visit["counts_toward_frequency"]) == (True, True)


async def test_a_not_applicable_item_without_a_reason_is_refused_at_submit(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    checklist = full_checklist(labelling={"result": "not_applicable"})
    visit = await post_visit(
        client, headers, visit_body(enterprise, await make_inspectors(session), checklist=checklist)
    )
    response = await client.post(f"/api/v1/visits/{visit['id']}/submit", headers=headers)
    assert response.status_code == 422, response.text
    assert ["checklist", "labelling", "note"] in [e["loc"][-3:] for e in response.json()["errors"]]


async def test_a_rectification_conclusion_without_a_nonconforming_item_is_refused_at_submit(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    body = visit_body(enterprise, await make_inspectors(session), conclusion="rectification_required")
    visit = await post_visit(client, headers, body)
    response = await client.post(f"/api/v1/visits/{visit['id']}/submit", headers=headers)
    assert response.status_code == 422, response.text
    assert any(e["loc"][-1] == "conclusion" for e in response.json()["errors"])
