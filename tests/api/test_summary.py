"""The completion summary (附件3) against a fixture counted by hand."""

from datetime import UTC, date, datetime
from typing import Any

import pytest

from app.core.deps import local_today
from app.domain.permissions import Role
from app.models import FindingStep, PublicityActivity, RiskListEntry, RiskSignal, SamplingFollowUp
from tests.builders import (
    TACHENG,
    WUSU,
    as_role,
    make_enterprise,
    make_finding_record,
    make_issued_plan,
    make_visit_record,
)

pytestmark = pytest.mark.anyio

YEAR = 2026
AS_OF = date(2026, 6, 25)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, tzinfo=UTC)  # noon in Beijing


async def _failed_sampling(session: Any, enterprise: Any, on: date, closed_on: date | None) -> None:
    signal = RiskSignal(enterprise_id=enterprise.id, kind="sampling", occurred_on=on, product="水泥", qualified=False)
    session.add(signal)
    await session.flush()
    session.add(
        SamplingFollowUp(
            signal_id=signal.id,
            enterprise_id=enterprise.id,
            county_code=enterprise.county_code,
            failed_on=on,
            origin="local",
            status="closed" if closed_on else "open",
            closed_on=closed_on,
        )
    )
    await session.commit()


async def build_fixture(session: Any) -> dict[str, Any]:
    """塔城市: 4 operating enterprises (A, B, C, D) and a closed one; 乌苏市: one B. Counted by hand below."""
    since = {"created_at": at(date(2025, 12, 1))}
    e_a = await make_enterprise(session, risk_class="A", **since)
    e_b = await make_enterprise(session, risk_class="B", **since)
    e_c = await make_enterprise(session, risk_class="C", **since)
    e_d = await make_enterprise(session, risk_class="D", **since)
    await make_enterprise(session, risk_class="B", status="closed", closed_at=at(date(2026, 1, 5)), **since)
    w_b = await make_enterprise(session, risk_class="B", county_code=WUSU, **since)
    plan = await make_issued_plan(session, YEAR, [(e_a, 1), (e_b, 2), (e_c, 3), (w_b, 1)])

    await make_visit_record(session, e_a, date(2026, 3, 1))
    feb = await make_visit_record(session, e_b, date(2026, 2, 1))
    may = await make_visit_record(session, e_b, date(2026, 5, 1), visit_type="double_random")
    await make_visit_record(session, e_c, date(2026, 4, 1), visit_type="reinspection", covers_full_checklist=False)
    await make_visit_record(session, e_c, date(2026, 6, 20))
    await make_visit_record(session, e_c, date(2026, 7, 10))  # after as_of
    await make_visit_record(session, e_d, date(2026, 3, 1), status="draft")  # not archived
    await make_visit_record(session, e_a, date(2025, 12, 30))  # last year
    await make_visit_record(session, w_b, date(2026, 5, 5))

    closed = {"status": "closed", "closed_at": at(date(2026, 3, 1))}
    await make_finding_record(session, feb, date(2026, 2, 1), date(2026, 3, 3), **closed)
    await make_finding_record(session, feb, date(2026, 2, 1), date(2026, 3, 3))  # overdue
    await make_finding_record(session, may, date(2026, 5, 1), date(2026, 7, 1), severity="serious_hazard")
    violation = await make_finding_record(
        session,
        may,
        date(2026, 5, 1),
        date(2026, 5, 16),
        severity="violation",
        status="closed",
        closed_at=at(date(2026, 7, 1)),  # closed after as_of: still overdue on June 25
        case_filed=True,
    )
    await make_finding_record(session, may, date(2026, 7, 2), date(2026, 8, 1))  # after as_of
    session.add(
        FindingStep(
            finding_id=violation.id,
            kind="case",
            actor_name="t",
            case_no="塔市监立〔2026〕1号",
            case_filed_on=date(2026, 5, 10),
        )
    )
    session.add(
        RiskListEntry(
            county_code=TACHENG, enterprise_id=e_c.id, source="manual", problem="p", created_at=at(date(2026, 5, 2))
        )
    )
    session.add(
        RiskListEntry(
            county_code=TACHENG, enterprise_id=e_c.id, source="manual", problem="p", created_at=at(date(2026, 7, 5))
        )
    )
    session.add(
        RiskSignal(enterprise_id=e_b.id, kind="sampling", occurred_on=date(2026, 3, 1), product="水泥", qualified=True)
    )
    await session.commit()
    await _failed_sampling(session, e_d, date(2026, 4, 1), closed_on=date(2026, 6, 1))
    await _failed_sampling(session, e_c, date(2026, 5, 1), closed_on=None)
    for held_on, adopted in ((date(2026, 3, 15), False), (date(2026, 5, 20), True), (date(2026, 9, 1), True)):
        session.add(
            PublicityActivity(
                county_code=TACHENG,
                campaign="consumer_rights_day",
                title="3·15宣传",
                held_on=held_on,
                media_adopted=adopted,
                media_level="prefecture" if adopted else None,
                created_by_name="t",
            )
        )
    await session.commit()
    return {"plan": plan}


TACHENG_FIGURES = {
    "enterprises": 4,
    "enterprises_a": 1,
    "enterprises_b": 1,
    "enterprises_c": 1,
    "enterprises_d": 1,
    "plan_lines": 3,
    "required_visits": 6,
    "visits_done": 4,
    "plan_visits_done": 4,
    "completion_rate": 0.6667,
    "fully_inspected": 2,
    "findings": 4,
    "findings_general": 2,
    "findings_serious_hazard": 1,
    "findings_violation": 1,
    "rectified": 1,
    "overdue": 2,
    "cases_filed": 1,
    "risk_list_entries": 1,
    "failed_samplings": 2,
    "failed_samplings_referred": 0,
    "failed_samplings_local": 2,
    "samplings_handled": 1,
    "samplings_handled_referred": 0,
    "samplings_handled_local": 1,
    "publicity_activities": 2,
    "media_adoptions": 1,
}
WUSU_FIGURES = {name: 0 for name in TACHENG_FIGURES} | {
    "enterprises": 1,
    "enterprises_b": 1,
    "plan_lines": 1,
    "required_visits": 1,
    "visits_done": 1,
    "plan_visits_done": 1,
    "completion_rate": 1.0,
    "fully_inspected": 1,
}


def figures(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in TACHENG_FIGURES}


@pytest.fixture
def frozen_today(app: Any) -> None:
    app.dependency_overrides[local_today] = lambda: date(2026, 6, 26)


async def test_the_summary_counts_each_county_as_counted_by_hand(client, session, frozen_today) -> None:
    await build_fixture(session)
    _, headers = await as_role(client, session, Role.PREFECTURE_VIEWER)
    response = await client.get(
        "/api/v1/reports/summary", params={"year": YEAR, "as_of": "2026-06-25"}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    rows = {row["county_code"]: row for row in body["rows"]}
    assert len(rows) == 7  # every county has a row, with zeros where nothing happened
    assert figures(rows[TACHENG]) == TACHENG_FIGURES
    assert figures(rows[WUSU]) == WUSU_FIGURES
    assert figures(rows["654203"]) == {name: 0 for name in TACHENG_FIGURES} | {"completion_rate": 1.0}
    total = body["total"]
    assert total["county_code"] is None
    assert total["enterprises"] == 5
    assert total["required_visits"] == 7
    assert total["plan_visits_done"] == 5
    assert total["completion_rate"] == round(5 / 7, 4)


async def test_each_figure_says_which_query_lists_its_records(client, session, frozen_today) -> None:
    fixture = await build_fixture(session)
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    body = (
        await client.get("/api/v1/reports/summary", params={"year": YEAR, "as_of": "2026-06-25"}, headers=headers)
    ).json()
    drill = next(row for row in body["rows"] if row["county_code"] == TACHENG)["drill"]
    assert drill["overdue"] == f"/api/v1/findings?county_code={TACHENG}&overdue=true"
    assert drill["plan_lines"] == f"/api/v1/plans/{fixture['plan'].id}/items?county_code={TACHENG}"
    assert (
        drill["failed_samplings"]
        == f"/api/v1/sampling-follow-ups?county_code={TACHENG}&date_from=2026-01-01&date_to=2026-06-25"
    )
    listed = await client.get(drill["samplings_handled"], headers=headers)
    assert listed.status_code == 200 and listed.json()["total"] == 1
    listed = await client.get(drill["publicity_activities"], headers=headers)
    assert listed.json()["total"] == 2
    listed = await client.get(drill["visits_done"], headers=headers)
    assert listed.status_code == 200, listed.text


async def test_a_county_sees_only_its_own_row_and_no_prefecture_total(client, session, frozen_today) -> None:
    await build_fixture(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, WUSU)
    body = (
        await client.get("/api/v1/reports/summary", params={"year": YEAR, "as_of": "2026-06-25"}, headers=headers)
    ).json()
    assert [row["county_code"] for row in body["rows"]] == [WUSU]
    assert figures(body["rows"][0]) == WUSU_FIGURES
    assert body["total"] is None


async def test_the_summary_defaults_to_today_and_needs_a_signed_in_reader(client, session, frozen_today) -> None:
    await build_fixture(session)
    assert (await client.get("/api/v1/reports/summary", params={"year": YEAR})).status_code == 401
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    body = (await client.get("/api/v1/reports/summary", params={"year": YEAR}, headers=headers)).json()
    assert body["as_of"] == "2026-06-26"
