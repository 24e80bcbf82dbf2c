"""Issue 13 item 9: every figure of the summary is as of its `as_of` — for each, one record before and one after."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from app.core.deps import local_today
from app.domain.permissions import Role
from app.models import (
    FindingStep,
    Plan,
    PlanAdjustment,
    PlanItem,
    PublicityActivity,
    RiskListEntry,
    RiskSignal,
    SamplingFollowUp,
)
from tests.builders import TACHENG, WUSU, as_role, make_enterprise, make_finding_record, make_visit_record

pytestmark = pytest.mark.anyio

AS_OF = date(2026, 10, 30)
BEFORE, AFTER = date(2026, 10, 1), date(2026, 11, 10)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, tzinfo=UTC)  # noon in Beijing


@pytest.fixture(autouse=True)
def november_29(app: Any) -> None:
    app.dependency_overrides[local_today] = lambda: date(2026, 11, 29)


async def summary_row(client: Any, headers: dict[str, str], as_of: date) -> dict[str, Any]:
    params = {"year": 2026, "as_of": as_of.isoformat()}
    response = await client.get("/api/v1/reports/summary", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return next(row for row in response.json()["rows"] if row["county_code"] == TACHENG)


async def failed_sampling(session: Any, enterprise: Any, on: date, closed_on: date | None = None) -> None:
    signal = RiskSignal(enterprise_id=enterprise.id, kind="sampling", occurred_on=on, product="水泥", qualified=False)
    session.add(signal)
    await session.flush()
    status = "closed" if closed_on else "open"
    session.add(
        SamplingFollowUp(
            signal_id=signal.id,
            enterprise_id=enterprise.id,
            county_code=enterprise.county_code,
            origin="local",
            failed_on=on,
            status=status,
            closed_on=closed_on,
        )
    )


def _issued_plan(issued_at: datetime) -> Plan:
    return Plan(
        prefecture_code="654200", year=2026, status="issued", as_of=date(2026, 1, 1), ruleset_year=2022,
        issued_at=issued_at,
    )  # fmt: skip


async def build(session: Any) -> None:
    """塔城市 records on both sides of October 30, and what each figure must say as of that day."""
    old = await make_enterprise(session, risk_class="C", created_at=at(BEFORE))
    await make_enterprise(session, risk_class="D", created_at=at(date(2026, 11, 29)))  # registered later
    await make_enterprise(session, created_at=at(BEFORE), status="closed", closed_at=at(AFTER))  # closed later
    await make_enterprise(session, created_at=at(BEFORE), status="closed", closed_at=at(date(2026, 10, 15)))
    late = await make_enterprise(session, created_at=at(date(2026, 11, 20)))
    plan = _issued_plan(at(date(2026, 1, 5)))
    session.add(plan)
    line = PlanItem(
        plan_id=plan.id, enterprise_id=old.id, county_code=TACHENG, risk_class="C", rule_minimum=2,
        required_visits=4, created_at=at(date(2026, 1, 5)),
    )  # fmt: skip
    added = PlanItem(
        plan_id=plan.id, enterprise_id=late.id, county_code=TACHENG, risk_class="B", rule_minimum=1,
        required_visits=1, source="added", created_at=at(date(2026, 11, 20)),
    )  # fmt: skip
    session.add_all([line, added])
    await session.flush()
    session.add(
        PlanAdjustment(
            plan_id=plan.id, plan_item_id=line.id, county_code=TACHENG, kind="raise", before=2, after=4,
            reason="举报投诉查实", actor_kind="user", actor_name="t", at=at(AFTER),
        )
    )  # fmt: skip
    visit = await make_visit_record(session, old, date(2026, 10, 29))
    await make_visit_record(session, old, date(2026, 11, 1))
    closed = {"status": "closed", "closed_at": at(date(2026, 10, 20))}
    await make_finding_record(session, visit, BEFORE, date(2026, 10, 10), **closed)  # rectified in time
    await make_finding_record(session, visit, BEFORE, date(2026, 10, 10), status="closed", closed_at=at(AFTER))
    extended = await make_finding_record(session, visit, BEFORE, date(2026, 11, 30))
    found_later = await make_finding_record(session, visit, date(2026, 11, 2), date(2026, 12, 2))
    session.add(
        FindingStep(
            finding_id=extended.id, kind="extension", actor_name="t", at=at(date(2026, 11, 1)),
            days=46, deadline_before=date(2026, 10, 15), deadline_after=date(2026, 11, 30),
        )
    )  # fmt: skip
    for day, finding in ((BEFORE, extended), (AFTER, found_later)):
        session.add(FindingStep(finding_id=finding.id, kind="case", actor_name="t", case_filed_on=day))
        session.add(
            RiskListEntry(county_code=TACHENG, enterprise_id=old.id, source="manual", problem="p", created_at=at(day))
        )
        session.add(
            PublicityActivity(
                county_code=TACHENG, campaign="quality_month", title="质量月", held_on=day, media_adopted=True,
                media_level="prefecture", created_by_name="t",
            )
        )  # fmt: skip
    await failed_sampling(session, old, date(2026, 9, 1), closed_on=date(2026, 10, 20))
    await failed_sampling(session, old, date(2026, 9, 2), closed_on=AFTER)
    await failed_sampling(session, old, AFTER)
    await session.commit()


AS_OF_FIGURES = {
    "enterprises": 2,  # registered by then and not closed by then (one closed since)
    "enterprises_c": 1,
    "enterprises_d": 0,
    "plan_lines": 1,  # the line added on November 20 did not exist
    "required_visits": 2,  # raised to 4 on November 10
    "visits_done": 1,
    "findings": 3,
    "rectified": 1,  # the other was closed on November 10
    "overdue": 2,  # closed later, and extended (late) on November 1 from a deadline of October 15
    "cases_filed": 1,
    "risk_list_entries": 1,
    "failed_samplings": 2,
    "failed_samplings_local": 2,
    "samplings_handled": 1,
    "samplings_handled_local": 1,
    "publicity_activities": 1,
    "media_adoptions": 1,
}
TODAY_FIGURES = AS_OF_FIGURES | {
    "enterprises": 3,
    "enterprises_d": 1,
    "plan_lines": 2,
    "required_visits": 5,
    "visits_done": 2,
    "findings": 4,
    "rectified": 2,
    "overdue": 0,
    "cases_filed": 2,
    "risk_list_entries": 2,
    "failed_samplings": 3,
    "failed_samplings_local": 3,
    "samplings_handled": 2,
    "samplings_handled_local": 2,
    "publicity_activities": 2,
    "media_adoptions": 2,
}


async def test_each_figure_counts_only_what_was_so_by_its_as_of(client, session) -> None:
    await build(session)
    _, headers = await as_role(client, session, Role.PREFECTURE_VIEWER)
    row = await summary_row(client, headers, AS_OF)
    assert {name: row[name] for name in AS_OF_FIGURES} == AS_OF_FIGURES
    today = await summary_row(client, headers, date(2026, 11, 29))
    assert {name: today[name] for name in TODAY_FIGURES} == TODAY_FIGURES


async def test_a_plan_issued_after_as_of_is_no_plan_yet(client, session) -> None:
    enterprise = await make_enterprise(session, created_at=at(BEFORE))
    plan = _issued_plan(at(AFTER))
    session.add(plan)
    session.add(
        PlanItem(
            plan_id=plan.id, enterprise_id=enterprise.id, county_code=TACHENG, risk_class="B", rule_minimum=1,
            required_visits=1, created_at=at(BEFORE),
        )
    )  # fmt: skip
    await session.commit()
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    body = await client.get("/api/v1/reports/summary", params={"year": 2026, "as_of": "2026-10-30"}, headers=headers)
    assert body.json()["plan_id"] is None
    assert (await summary_row(client, headers, AS_OF))["plan_lines"] == 0
    assert (await summary_row(client, headers, AFTER))["plan_lines"] == 1


async def test_a_report_frozen_on_its_due_date_still_equals_a_recount_a_month_later(client, session, app) -> None:
    await build(session)
    app.dependency_overrides[local_today] = lambda: AS_OF
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    report = await client.post("/api/v1/reports", json={"year": 2026, "period": "h2"}, headers=headers)
    assert report.status_code == 201, report.text
    app.dependency_overrides[local_today] = lambda: date(2026, 11, 29)
    later = await make_enterprise(session, created_at=at(date(2026, 11, 28)))
    await make_visit_record(session, later, date(2026, 11, 28))
    await failed_sampling(session, later, date(2026, 11, 28))
    await session.commit()
    overview = (await client.get("/api/v1/reports", params={"year": 2026}, headers=headers)).json()
    [county] = overview["periods"][1]["counties"]
    assert county["changes_since_submission"] == []  # what happened after October 30 is not "a change"


async def test_another_county_sees_none_of_it(client, session) -> None:
    await build(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, WUSU)
    body = await client.get("/api/v1/reports/summary", params={"year": 2026, "as_of": "2026-10-30"}, headers=headers)
    [row] = body.json()["rows"]
    assert row["county_code"] == WUSU and row["enterprises"] == 0 and row["findings"] == 0
