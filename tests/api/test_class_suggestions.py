"""Issue 13 item 10: next year's class is suggested from the year's results, per enterprise and per plan, with
reasons; the prefecture accepts the suggestions (an override needs a reason), the ledger takes the classes,
audited per enterprise, and next year's plan is generated from them."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import col, select

from app.models import AuditEvent, Enterprise, FindingStep
from tests.api.plan_helpers import county_admin, freeze_today, generate, issue, items, line_of, prefecture
from tests.builders import (
    TACHENG,
    WUSU,
    make_enterprise,
    make_finding_record,
    make_issued_plan,
    make_signal,
    make_visit_record,
)

pytestmark = pytest.mark.anyio
YEAR = 2026
DECEMBER = date(2026, 12, 20)
NEXT_JANUARY = date(2027, 1, 5)


def suggestion_url(enterprise_id) -> str:  # noqa: ANN001
    return f"/api/v1/enterprises/{enterprise_id}/class-suggestion"


async def clean_enterprise(session, **overrides):  # noqa: ANN001, ANN003, ANN201
    """A class-B enterprise whose required visit of 2026 was done, with nothing open."""
    enterprise = await make_enterprise(session, risk_class="B", **overrides)
    await make_visit_record(session, enterprise, date(YEAR, 5, 1))
    return enterprise


async def failed_sampling(session, enterprise) -> None:  # noqa: ANN001
    await failed_sampling(session, enterprise)


async def read(client, headers, enterprise_id, year: int = YEAR) -> dict:  # noqa: ANN001
    response = await client.get(suggestion_url(enterprise_id), params={"year": year}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_year_with_every_visit_done_and_nothing_open_suggests_one_class_lower(app, client, session):
    freeze_today(app, DECEMBER)
    enterprise = await clean_enterprise(session)
    await make_issued_plan(session, YEAR, [(enterprise, 1)])
    suggestion = await read(client, await county_admin(client, session, TACHENG), enterprise.id)
    assert (suggestion["current_class"], suggestion["suggested_class"], suggestion["for_year"]) == ("B", "A", 2027)
    assert suggestion["suggested_class_label"] == "A类（低风险）" and suggestion["changes_class"] is True
    assert [r["label"] for r in suggestion["reasons"]] == ["完成全部规定检查且无未闭环问题"]
    assert (suggestion["visits_done"], suggestion["required_visits"]) == (1, 1)


async def test_a_failed_sampling_of_the_year_suggests_one_class_higher(app, client, session):
    freeze_today(app, DECEMBER)
    enterprise = await clean_enterprise(session)
    await make_signal(
        session, enterprise.id, kind="sampling", substantiated=None, qualified=False, occurred_on=date(YEAR, 4, 2)
    )
    await make_issued_plan(session, YEAR, [(enterprise, 1)])
    suggestion = await read(client, await prefecture(client, session), enterprise.id)
    assert suggestion["suggested_class"] == "C" and suggestion["failed_sampling"] is True
    assert "本年度监督抽查不合格" in [r["label"] for r in suggestion["reasons"]]


async def test_a_finding_that_reached_level_two_still_counts_after_it_was_closed(app, client, session):
    freeze_today(app, DECEMBER)
    enterprise = await clean_enterprise(session)
    visit = await make_visit_record(session, enterprise, date(YEAR, 2, 1))
    closed = datetime(YEAR, 5, 1, 4, tzinfo=UTC)  # 61 days past the deadline: level 2 on the way
    await make_finding_record(
        session, visit, date(YEAR, 2, 1), date(YEAR, 3, 1), status="closed", closed_at=closed, reinspection_passed=True
    )
    suggestion = await read(client, await prefecture(client, session), enterprise.id)
    assert suggestion["max_escalation_level"] == 2 and suggestion["suggested_class"] == "C"
    assert "问题升级至2级" in [r["label"] for r in suggestion["reasons"]]


async def test_a_finding_rectified_in_time_does_not_escalate(app, client, session):
    freeze_today(app, DECEMBER)
    enterprise = await clean_enterprise(session)
    visit = await make_visit_record(session, enterprise, date(YEAR, 2, 1))
    finding = await make_finding_record(
        session, visit, date(YEAR, 2, 1), date(YEAR, 3, 1), status="closed", closed_at=datetime(YEAR, 6, 1, tzinfo=UTC)
    )
    session.add(
        FindingStep(
            finding_id=finding.id, kind="rectification", actor_name="企业", at=datetime(YEAR, 2, 20, tzinfo=UTC)
        )
    )
    await session.commit()
    suggestion = await read(client, await prefecture(client, session), enterprise.id)
    assert (suggestion["max_escalation_level"], suggestion["open_findings"]) == (0, 0)
    assert suggestion["suggested_class"] == "A"


async def test_missing_visits_and_an_open_finding_keep_the_class_with_both_reasons(app, client, session):
    freeze_today(app, DECEMBER)
    enterprise = await make_enterprise(session, risk_class="B")
    visit = await make_visit_record(session, enterprise, date(YEAR, 11, 1), visit_type="reinspection")
    await make_finding_record(session, visit, date(YEAR, 11, 1), date(YEAR, 12, 31))
    await make_issued_plan(session, YEAR, [(enterprise, 2)])
    suggestion = await read(client, await prefecture(client, session), enterprise.id)
    assert suggestion["suggested_class"] == "B" and suggestion["changes_class"] is False
    assert [r["code"] for r in suggestion["reasons"]] == ["visits_incomplete", "open_findings"]


async def test_another_county_does_not_find_the_enterprise_suggestion(app, client, session):
    freeze_today(app, DECEMBER)
    enterprise = await clean_enterprise(session)
    response = await client.get(suggestion_url(enterprise.id), headers=await county_admin(client, session, WUSU))
    assert response.status_code == 404


async def test_a_year_not_begun_has_no_suggestion(app, client, session):
    freeze_today(app, DECEMBER)
    enterprise = await clean_enterprise(session)
    response = await client.get(
        suggestion_url(enterprise.id), params={"year": 2027}, headers=await prefecture(client, session)
    )
    assert response.status_code == 422 and response.json()["errors"][0]["loc"] == ["query", "year"]


async def test_a_county_sees_its_own_lines_suggestions_and_the_prefecture_every_county(app, client, session):
    freeze_today(app, DECEMBER)
    ours = await clean_enterprise(session)
    theirs = await clean_enterprise(session, county_code=WUSU)
    plan = await make_issued_plan(session, YEAR, [(ours, 1), (theirs, 1)])
    url = f"/api/v1/plans/{plan.id}/class-suggestions"

    county = await client.get(url, headers=await county_admin(client, session, TACHENG))
    everyone = await client.get(url, headers=await prefecture(client, session))

    assert county.status_code == 200, county.text
    assert [s["enterprise_id"] for s in county.json()["items"]] == [str(ours.id)]
    assert county.json()["total"] == 1
    assert {s["enterprise_id"] for s in everyone.json()["items"]} == {str(ours.id), str(theirs.id)}
    other = await client.get(url, params={"county_code": WUSU}, headers=await county_admin(client, session, TACHENG))
    assert other.json()["items"] == []


async def accept(client, headers, plan_id, decisions):  # noqa: ANN001, ANN201
    return await client.post(
        f"/api/v1/plans/{plan_id}/class-suggestions/accept", json={"items": decisions}, headers=headers
    )


async def test_the_prefecture_accepts_suggestions_and_next_years_plan_takes_the_classes(app, client, session):
    freeze_today(app, NEXT_JANUARY)
    clean, overridden = await clean_enterprise(session), await clean_enterprise(session)
    sampled = await clean_enterprise(session)
    await make_signal(
        session, sampled.id, kind="sampling", substantiated=None, qualified=False, occurred_on=date(YEAR, 4, 2)
    )
    plan = await make_issued_plan(session, YEAR, [(clean, 1), (overridden, 1), (sampled, 1)])
    headers = await prefecture(client, session)

    response = await accept(
        client,
        headers,
        plan.id,
        [
            {"enterprise_id": str(clean.id)},
            {"enterprise_id": str(sampled.id)},
            {"enterprise_id": str(overridden.id), "risk_class": "B", "reason": "年末新增产品线，暂不降级"},
        ],
    )

    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["year"], result["for_year"], result["accepted"], result["changed"]) == (2026, 2027, 3, 2)
    assert [(d["suggested_class"], d["risk_class"], d["overridden"]) for d in result["items"]] == [
        ("A", "A", False),
        ("C", "C", False),
        ("A", "B", True),
    ]
    events = (await session.exec(select(AuditEvent).where(AuditEvent.action == "enterprise.classify"))).all()
    assert {e.entity_id for e in events} == {str(clean.id), str(sampled.id), str(overridden.id)}
    assert {e.after["reason"] for e in events if e.entity_id == str(overridden.id)} == {"年末新增产品线，暂不降级"}

    following = await generate(client, headers, year=2027)
    lines = await items(client, headers, following["id"])
    assert [line_of(lines, e.id)["risk_class"] for e in (clean, sampled, overridden)] == ["A", "C", "B"]


async def test_every_bad_decision_is_named_and_nothing_is_applied(app, client, session):
    freeze_today(app, NEXT_JANUARY)
    enterprise, outsider = await clean_enterprise(session), await clean_enterprise(session)
    plan = await make_issued_plan(session, YEAR, [(enterprise, 1)])
    response = await accept(
        client,
        await prefecture(client, session),
        plan.id,
        [
            {"enterprise_id": str(enterprise.id), "risk_class": "D"},
            {"enterprise_id": str(outsider.id)},
            {"enterprise_id": str(enterprise.id)},
        ],
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [
        ["body", "items", 0, "reason"],
        ["body", "items", 1, "enterprise_id"],
        ["body", "items", 2, "enterprise_id"],
    ]
    assert "须说明理由" in response.json()["errors"][0]["msg"]
    await session.refresh(enterprise)
    assert enterprise.risk_class == "B"
    events = (await session.exec(select(AuditEvent).where(AuditEvent.action == "enterprise.classify"))).all()
    assert events == []


async def test_suggestions_are_accepted_only_once_the_year_is_over_and_before_next_years_plan_is_issued(
    app, client, session
):
    enterprise = await clean_enterprise(session)
    plan = await make_issued_plan(session, YEAR, [(enterprise, 1)])
    headers = await prefecture(client, session)
    decision = [{"enterprise_id": str(enterprise.id)}]

    freeze_today(app, DECEMBER)
    assert (await accept(client, headers, plan.id, decision)).status_code == 409

    freeze_today(app, NEXT_JANUARY)
    draft = await generate(client, headers, year=2027)
    accepted = await accept(client, headers, plan.id, decision)
    assert accepted.status_code == 200 and accepted.json()["next_plan_id"] == draft["id"]
    refreshed = await client.post(f"/api/v1/plans/{draft['id']}/refresh", headers=headers)
    assert refreshed.status_code == 200
    assert line_of(await items(client, headers, draft["id"]), enterprise.id)["risk_class"] == "A"

    await issue(client, headers, draft["id"])
    assert (await accept(client, headers, plan.id, decision)).status_code == 409


async def test_a_county_admin_reads_suggestions_but_may_not_accept_them(app, client, session):
    freeze_today(app, NEXT_JANUARY)
    enterprise = await clean_enterprise(session)
    plan = await make_issued_plan(session, YEAR, [(enterprise, 1)])
    response = await accept(
        client, await county_admin(client, session, TACHENG), plan.id, [{"enterprise_id": str(enterprise.id)}]
    )
    assert response.status_code == 403
    stored = (await session.exec(select(Enterprise.risk_class).where(col(Enterprise.id) == enterprise.id))).one()
    assert stored == "B"


async def test_a_county_does_not_find_the_suggestions_of_a_plan_still_in_draft(app, client, session):
    freeze_today(app, DECEMBER)
    await clean_enterprise(session)
    draft = await generate(client, await prefecture(client, session), year=YEAR)
    headers = await county_admin(client, session, TACHENG)
    response = await client.get(f"/api/v1/plans/{draft['id']}/class-suggestions", headers=headers)
    assert response.status_code == 404
