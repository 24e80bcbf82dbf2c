"""Generating, refreshing, issuing and reading the year's plan (附件1)."""

from datetime import date

import pytest
from sqlmodel import select

from app.domain.permissions import Role
from app.models import AuditEvent, Enterprise
from app.services.plans import bulk, figures_kept, verify_figures
from tests.api.plan_helpers import TODAY, county_admin, freeze_today, generate, issue, items, line_of, prefecture
from tests.builders import TACHENG, WUSU, as_role, make_enterprise, make_licence, make_signal

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def _today(app) -> None:  # noqa: ANN001
    freeze_today(app)


# (name, enterprise fields, licences, signals, minimum, maximum, reason codes); today is 2026-07-01.
HAND_TABLE = [
    ("a_plain", {"risk_class": "A"}, [], [], 1, 1, ["base_frequency"]),
    ("b_plain", {"risk_class": "B"}, [], [], 1, 2, ["base_frequency"]),
    ("c_plain", {"risk_class": "C"}, [], [], 2, 3, ["base_frequency"]),
    ("d_plain", {"risk_class": "D", "county_code": WUSU}, [], [], 3, None, ["base_frequency"]),
    (
        "a_complaint",
        {"risk_class": "A"},
        [],
        [{"occurred_on": date(2026, 3, 1)}],
        2,
        2,
        ["base_frequency", "complaint"],
    ),
    ("a_unfounded_complaint", {"risk_class": "A"}, [], [{"substantiated": False}], 1, 1, ["base_frequency"]),
    (
        "b_alert",
        {"risk_class": "B"},
        [],
        [{"kind": "risk_alert", "substantiated": None, "occurred_on": date(2025, 8, 1)}],
        2,
        3,
        ["base_frequency", "risk_monitoring"],
    ),
    (
        "b_old_alert",
        {"risk_class": "B"},
        [],
        [{"kind": "risk_alert", "substantiated": None, "occurred_on": date(2025, 6, 30)}],
        1,
        2,
        ["base_frequency"],
    ),
    (
        "c_failed_last_year",
        {"risk_class": "C"},
        [],
        [{"kind": "sampling", "substantiated": None, "qualified": False, "occurred_on": date(2025, 5, 1)}],
        3,
        4,
        ["base_frequency", "failed_sampling"],
    ),
    (
        "c_passed_sampling",
        {"risk_class": "C"},
        [],
        [{"kind": "sampling", "substantiated": None, "qualified": True}],
        2,
        3,
        ["base_frequency"],
    ),
    (
        "d_failed_too_long_ago",
        {"risk_class": "D"},
        [],
        [{"kind": "sampling", "substantiated": None, "qualified": False, "occurred_on": date(2024, 12, 1)}],
        3,
        None,
        ["base_frequency"],
    ),
    (
        "a_licence_expiring",
        {"risk_class": "A"},
        [{"expires_on": date(2026, 9, 1)}],
        [],
        2,
        2,
        ["base_frequency", "licence_renewal"],
    ),
    (
        "a_licence_renewed",
        {"risk_class": "A"},
        [{"expires_on": date(2026, 9, 1), "status": "expired"}, {"expires_on": date(2031, 9, 1)}],
        [],
        1,
        1,
        ["base_frequency"],
    ),
    (
        "a_licence_revoked",
        {"risk_class": "A"},
        [{"expires_on": date(2026, 8, 1), "status": "revoked"}],
        [],
        1,
        1,
        ["base_frequency"],
    ),
    (
        "b_unlicensed",
        {"risk_class": "B"},
        [],
        [{"kind": "unlicensed_production", "substantiated": None, "occurred_on": date(2026, 2, 1)}],
        2,
        3,
        ["base_frequency", "unlicensed_production"],
    ),
    ("b_key_product", {"risk_class": "B", "key_product": True}, [], [], 2, 3, ["base_frequency", "key_supervision"]),
    (
        "d_capped",
        {"risk_class": "D", "key_region": True},
        [],
        [
            {"occurred_on": date(2026, 1, 5)},
            {"kind": "risk_alert", "substantiated": None, "occurred_on": date(2026, 1, 5)},
            {"kind": "sampling", "substantiated": None, "qualified": False, "occurred_on": date(2026, 1, 5)},
            {"kind": "unlicensed_production", "substantiated": None, "occurred_on": date(2026, 1, 5)},
        ],
        6,
        None,
        [
            "base_frequency",
            "complaint",
            "risk_monitoring",
            "failed_sampling",
            "unlicensed_production",
            "key_supervision",
            "escalation_capped",
        ],
    ),
]


async def _make(session, fields, licences, signals) -> Enterprise:  # noqa: ANN001
    enterprise = await make_enterprise(session, **fields)
    for licence in licences:
        await make_licence(session, enterprise.id, **licence)
    for signal in signals:
        await make_signal(session, enterprise.id, **signal)
    return enterprise


async def test_a_generated_plan_asks_each_enterprise_for_the_visits_worked_out_by_hand(client, session):
    made = {name: await _make(session, f, lic, sig) for name, f, lic, sig, *_ in HAND_TABLE}
    suspended = await make_enterprise(session, status="suspended")
    closed = await make_enterprise(session, status="closed")
    headers = await prefecture(client, session)

    plan = await generate(client, headers)
    assert (plan["year"], plan["status"], plan["as_of"]) == (2026, "draft", "2026-07-01")
    assert plan["lines"] == len(HAND_TABLE)
    lines = await items(client, headers, plan["id"])
    assert {x["enterprise_id"] for x in lines}.isdisjoint({str(suspended.id), str(closed.id)})
    for name, fields, _, _, minimum, maximum, codes in HAND_TABLE:
        line = line_of(lines, made[name].id)
        got = (
            line["rule_minimum"],
            line["rule_maximum"],
            line["required_visits"],
            [r["code"] for r in line["reasons"]],
        )
        assert got == (minimum, maximum, minimum, codes), name
        assert line["county_code"] == fields.get("county_code", TACHENG), name
        assert len(line["due_dates"]) == minimum, name
    assert line_of(lines, made["c_plain"].id)["due_dates"] == ["2026-06-30", "2026-12-31"]
    assert line_of(lines, made["b_key_product"].id)["reasons"][1]["label"] == "重点监管：重点产品"
    assert plan["required_visits"] == sum(row[4] for row in HAND_TABLE)


async def test_a_plan_copied_in_batches_of_three_lines_asks_the_same_visits_and_keeps_its_figures(
    client, session, monkeypatch
):
    monkeypatch.setattr(bulk, "COPY_BATCH", 3)  # the rules of the next batch run while the last one is written
    await test_a_generated_plan_asks_each_enterprise_for_the_visits_worked_out_by_hand(client, session)
    if figures_kept(session):
        assert await verify_figures(session) == []


async def test_only_the_prefecture_generates_a_plan_and_a_year_has_only_one(client, session):
    await make_enterprise(session)
    county = await county_admin(client, session, TACHENG)
    assert (await client.post("/api/v1/plans", json={"year": 2026}, headers=county)).status_code == 403
    headers = await prefecture(client, session)
    await generate(client, headers)
    again = await client.post("/api/v1/plans", json={"year": 2026}, headers=headers)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")


async def test_refreshing_a_draft_follows_the_ledger(client, session):
    stays = await make_enterprise(session, risk_class="A")
    closes = await make_enterprise(session, risk_class="B")
    headers = await prefecture(client, session)
    plan = await generate(client, headers)
    before = line_of(await items(client, headers, plan["id"]), stays.id)

    stays.risk_class = "D"
    closes.status = "closed"
    session.add_all([stays, closes])
    await session.commit()
    newcomer = await make_enterprise(session, risk_class="C", county_code=WUSU)
    refreshed = await client.post(f"/api/v1/plans/{plan['id']}/refresh", headers=headers)
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["lines"] == 2

    lines = await items(client, headers, plan["id"])
    assert {x["enterprise_id"] for x in lines} == {str(stays.id), str(newcomer.id)}
    after = line_of(lines, stays.id)
    assert after["id"] == before["id"]
    assert (after["risk_class"], after["required_visits"], after["version"]) == ("D", 3, 2)
    assert line_of(lines, newcomer.id)["required_visits"] == 2
    event = (await session.exec(select(AuditEvent).where(AuditEvent.action == "plan.refresh"))).one()
    assert (event.after["added"], event.after["changed"], event.after["removed"]) == (1, 1, 1)


async def test_issuing_freezes_the_plan_once_and_for_all(client, session):
    enterprise = await make_enterprise(session, risk_class="C")
    headers = await prefecture(client, session)
    plan = await generate(client, headers)
    issued = await issue(client, headers, plan["id"])
    assert issued["status"] == "issued" and issued["status_label"] == "已下达" and issued["issued_at"]

    line = line_of(await items(client, headers, plan["id"]), enterprise.id)
    assert (line["issued_visits"], line["required_visits"], line["adjusted"]) == (2, 2, False)
    assert (await client.post(f"/api/v1/plans/{plan['id']}/issue", headers=headers)).status_code == 409
    assert (await client.post(f"/api/v1/plans/{plan['id']}/refresh", headers=headers)).status_code == 409


async def test_a_county_sees_issued_plans_only_and_only_its_own_lines(client, session):
    mine = await make_enterprise(session, county_code=TACHENG)
    theirs = await make_enterprise(session, county_code=WUSU)
    headers = await prefecture(client, session)
    plan = await generate(client, headers)
    _, inspector = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    assert (await client.get(f"/api/v1/plans/{plan['id']}", headers=inspector)).status_code == 404
    assert (await client.get("/api/v1/plans", headers=inspector)).json()["items"] == []

    await issue(client, headers, plan["id"])
    listed = (await client.get("/api/v1/plans", headers=inspector)).json()["items"]
    assert [(p["id"], p["lines"]) for p in listed] == [(plan["id"], 1)]
    lines = await items(client, inspector, plan["id"])
    assert [x["enterprise_id"] for x in lines] == [str(mine.id)]
    their_line = line_of(await items(client, headers, plan["id"]), theirs.id)
    other = await client.get(f"/api/v1/plans/{plan['id']}/items/{their_line['id']}", headers=inspector)
    assert other.status_code == 404
    wusu = await county_admin(client, session, WUSU)
    assert [x["enterprise_id"] for x in await items(client, wusu, plan["id"])] == [str(theirs.id)]


async def test_the_items_filter_by_county_and_risk_class(client, session):
    await make_enterprise(session, risk_class="A")
    c_class = await make_enterprise(session, risk_class="C")
    await make_enterprise(session, risk_class="C", county_code=WUSU)
    headers = await prefecture(client, session)
    plan = await generate(client, headers)
    lines = await items(client, headers, plan["id"], county_code=TACHENG, risk_class="C")
    assert [x["enterprise_id"] for x in lines] == [str(c_class.id)]
    assert lines[0]["risk_class_label"] == "C类（较高风险）"


async def test_today_defaults_to_the_day_in_china():
    from app.core.deps import local_today

    assert abs((local_today() - date.today()).days) <= 1
    assert TODAY.year == 2026
