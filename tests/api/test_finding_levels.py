"""Issue 13 (1, 11): the escalation level reached is kept and its history shown; late re-inspections are flagged."""

import uuid
from datetime import date, timedelta

import pytest

from app.core.deps import local_today
from app.domain.permissions import Role
from app.domain.ruleset import ruleset_for
from app.models import Finding
from app.services.findings import count_late_reinspections
from app.services.findings.escalation import sweep_overdue_findings
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
FINDINGS = "/api/v1/findings"
RULES = ruleset_for(2026)
FOUND = date(2026, 6, 1)
DEADLINE = FOUND + timedelta(days=RULES.deadline_general_days)
DUE_BY = DEADLINE + timedelta(days=RULES.reinspection_window_days)


def _on(app, day: date) -> None:  # noqa: ANN001
    app.dependency_overrides[local_today] = lambda: day


async def _finding(app, client, session, headers, enterprise):  # noqa: ANN001, ANN202
    """A general finding found on FOUND (deadline DEADLINE), recorded the next day."""
    _on(app, FOUND + timedelta(days=1))
    checklist = full_checklist(labelling={"result": "nonconforming", "note": "未标注厂址"})
    body = visit_body(
        enterprise,
        await make_inspectors(session),
        visit_date=FOUND.isoformat(),
        checklist=checklist,
        conclusion="rectification_required",
    )
    [brief] = (await archived_visit(client, headers, body))["findings"]
    return brief["id"]


async def _reinspection(app, client, session, headers, enterprise, day: date) -> str:  # noqa: ANN001
    _on(app, day)
    body = visit_body(
        enterprise,
        await make_inspectors(session),
        visit_type="reinspection",
        visit_date=day.isoformat(),
        checklist={"labelling": {"result": "conforming", "note": "已整改"}},
    )
    return (await archived_visit(client, headers, body))["id"]


def _history(body: dict) -> list[tuple[int, int, str | None]]:
    return [(h["level_before"], h["level_after"], h["event"]) for h in body["level_history"]]


async def test_a_level_reached_stays_through_a_refused_extension_and_passing_days_and_falls_on_rectification(
    app, client, session
):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    finding_id = await _finding(app, client, session, headers, enterprise)
    url = f"{FINDINGS}/{finding_id}"
    level_1_day = DEADLINE + timedelta(days=1)
    level_2_day = DEADLINE + timedelta(days=RULES.overdue_days_for_level_2 + 1)
    for day in (level_1_day, level_2_day, level_2_day):  # the daily sweep, run twice on one day
        await sweep_overdue_findings(session, today=day)
        await session.commit()

    _on(app, level_2_day)
    late = await client.post(f"{url}/extension", json={"days": 10, "reason": "原料未到"}, headers=headers)
    assert late.status_code == 422 and late.json()["errors"][0]["loc"] == ["body", "extension"]
    _on(app, level_2_day + timedelta(days=20))
    body = (await client.get(url, headers=headers)).json()
    assert (body["escalation_level"], body["overdue"], body["extensions_used"]) == (2, True, 0)
    assert _history(body) == [(0, 1, "time_passed"), (1, 2, "time_passed")]
    assert [h["on"] for h in body["level_history"]] == [level_1_day.isoformat(), level_2_day.isoformat()]
    assert [s["kind"] for s in body["steps"]] == ["escalation", "escalation"]

    rectified = await client.post(f"{url}/rectification", json={"text": "已重新印制标签"}, headers=headers)
    assert rectified.status_code == 200, rectified.text
    body = rectified.json()
    assert (body["escalation_level"], body["overdue"]) == (0, False)
    assert _history(body) == [(0, 1, "time_passed"), (1, 2, "time_passed"), (2, 0, "rectification")]
    assert body["level_history"][-1]["event_label"] == "企业整改"
    _, wusu = await as_role(client, session, Role.COUNTY_INSPECTOR, WUSU)
    assert (await client.get(url, headers=wusu)).status_code == 404


async def test_a_kept_level_outlasts_the_facts_until_a_lowering_event_and_says_why(app, client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    finding_id = await _finding(app, client, session, headers, enterprise)
    finding = await session.get(Finding, uuid.UUID(finding_id))
    finding.escalation_level, finding.escalation_level_on = 2, FOUND + timedelta(days=2)
    session.add(finding)
    await session.commit()

    _on(app, FOUND + timedelta(days=3))  # in time: the facts alone say 0
    body = (await client.get(f"{FINDINGS}/{finding_id}", headers=headers)).json()
    assert body["escalation_level"] == 2 and body["escalation_reasons"][0]["code"] == "level_kept"
    listed = await client.get(
        FINDINGS, params={"escalation_level": 2, "enterprise_id": str(enterprise.id)}, headers=headers
    )
    assert [f["id"] for f in listed.json()["items"]] == [finding_id]
    extended = await client.post(
        f"{FINDINGS}/{finding_id}/extension", json={"days": 5, "reason": "设备检修"}, headers=headers
    )
    assert extended.status_code == 200 and extended.json()["escalation_level"] == 2
    _on(app, FOUND + timedelta(days=1))  # a day before the level was reached does not know it yet
    assert (await client.get(f"{FINDINGS}/{finding_id}", headers=headers)).json()["escalation_level"] == 0


async def test_a_failed_reinspection_escalates_and_only_a_passed_one_closing_the_finding_lowers_it(
    app, client, session
):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    finding_id = await _finding(app, client, session, headers, enterprise)
    url = f"{FINDINGS}/{finding_id}"
    first = await _reinspection(app, client, session, headers, enterprise, DEADLINE - timedelta(days=2))
    failed = await client.post(f"{url}/reinspection", json={"visit_id": first, "result": "fail"}, headers=headers)
    assert failed.json()["escalation_level"] == 2
    second = await _reinspection(app, client, session, headers, enterprise, DEADLINE - timedelta(days=1))
    passed = await client.post(f"{url}/reinspection", json={"visit_id": second, "result": "pass"}, headers=headers)
    body = passed.json()
    assert (body["status"], body["escalation_level"]) == ("closed", 0)
    assert _history(body) == [(0, 2, "reinspection_failed"), (2, 0, "closed")]
    assert body["reinspected_on"] == (DEADLINE - timedelta(days=2)).isoformat()


async def test_a_reinspection_after_the_window_is_flagged_in_the_work_list_and_counted(app, client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    on_time = await _finding(app, client, session, headers, enterprise)
    late = await _finding(app, client, session, headers, enterprise)
    missing = await _finding(app, client, session, headers, enterprise)
    for finding_id, day in ((on_time, DUE_BY), (late, DUE_BY + timedelta(days=1))):
        visit_id = await _reinspection(app, client, session, headers, enterprise, day)
        body = {"visit_id": visit_id, "result": "pass"}
        assert (
            await client.post(f"{FINDINGS}/{finding_id}/reinspection", json=body, headers=headers)
        ).status_code == 200

    params = {"enterprise_id": str(enterprise.id)}
    _on(app, DUE_BY)
    assert (await client.get(FINDINGS, params=params | {"reinspection_late": "true"}, headers=headers)).json()[
        "total"
    ] == 0
    _on(app, DUE_BY + timedelta(days=5))
    flagged = (await client.get(FINDINGS, params=params | {"reinspection_late": "true"}, headers=headers)).json()
    assert sorted(f["id"] for f in flagged["items"]) == sorted([late, missing])
    assert all(f["reinspection_due_by"] == DUE_BY.isoformat() for f in flagged["items"])
    in_time = (await client.get(FINDINGS, params=params | {"reinspection_late": "false"}, headers=headers)).json()
    assert [f["id"] for f in in_time["items"]] == [on_time]
    _, wusu = await as_role(client, session, Role.COUNTY_INSPECTOR, WUSU)
    assert (await client.get(FINDINGS, params=params | {"reinspection_late": "true"}, headers=wusu)).json()[
        "total"
    ] == 0

    counted = await count_late_reinspections(session, year=2026, as_of=DUE_BY + timedelta(days=5), counties=None)
    assert counted.get(TACHENG) == 2 and WUSU not in counted
    before = await count_late_reinspections(session, year=2026, as_of=DUE_BY, counties=[TACHENG])
    assert before == {}
    # as of a day before the year began nothing of it is late (a summary of 2000 as of 1970-01-01 was a 500)
    assert await count_late_reinspections(session, year=2026, as_of=date(2025, 12, 31), counties=None) == {}
    _, prefecture = await as_role(client, session, Role.PREFECTURE_ADMIN)
    summary = await client.get(
        "/api/v1/reports/summary", params={"year": 2026, "as_of": str(DUE_BY + timedelta(days=5))}, headers=prefecture
    )
    assert summary.status_code == 200, summary.text
    rows = {row["county_code"]: row for row in summary.json()["rows"]}
    assert (
        rows[TACHENG]["late_reinspections"] == 2 and summary.json()["labels"]["late_reinspections"] == "未按时复查回访"
    )
    assert "reinspection_late=true" in rows[TACHENG]["drill"]["late_reinspections"]
