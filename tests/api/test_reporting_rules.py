"""Issue 13, the reporting rules as the plan says them: period labels from the year's RuleSet (3), disclosure on its
own calendar (8), failed samplings by origin (12) and media adoptions of 地区级以上 outlets only (13)."""

from dataclasses import replace
from datetime import date
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from app.core.deps import local_today
from app.domain.permissions import Role
from app.domain.ruleset import RULESETS
from app.models import AuditEvent
from tests.builders import TACHENG, WUSU, as_role, make_enterprise, make_visit_record

pytestmark = pytest.mark.anyio


def on(app: Any, day: date) -> None:
    app.dependency_overrides[local_today] = lambda: day


# --- 3: a report period is labelled with the year's due dates ---------------------------------------------------


@pytest.fixture
def due_later_in_2027(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 2027 plan whose reports are due July 5 and November 10 (restored after the test)."""
    later = replace(RULESETS[2022], year=2027, report_due_h1=(7, 5), report_due_h2=(11, 10))
    monkeypatch.setitem(RULESETS, 2027, later)


async def test_report_labels_carry_the_years_due_dates_and_never_the_2022_ones(
    client, session, app, due_later_in_2027
) -> None:
    on(app, date(2027, 7, 1))
    _, county = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    submitted = await client.post("/api/v1/reports", json={"year": 2027, "period": "h1"}, headers=county)
    assert submitted.status_code == 201, submitted.text
    assert submitted.json()["period_label"] == "7月5日前（上半年累计）"
    assert submitted.json()["due_on"] == "2027-07-05"
    overview = await client.get("/api/v1/reports", params={"year": 2027}, headers=county)
    labels = [p["period_label"] for p in overview.json()["periods"]]
    assert labels == ["7月5日前（上半年累计）", "11月10日前（1-11月累计）"]
    _, prefecture = await as_role(client, session, Role.PREFECTURE_VIEWER)
    export = await client.get("/api/v1/reports/export", params={"year": 2027, "period": "h1"}, headers=prefecture)
    title = load_workbook(BytesIO(export.content))["附件3"]["A2"].value
    assert "7月5日前（上半年累计）" in title
    on(app, date(2027, 7, 6))
    closed = await client.post("/api/v1/reports", json={"year": 2027, "period": "h1"}, headers=county)
    assert closed.status_code == 409 and "7月5日前" in closed.json()["detail"]
    for text in (submitted.text, overview.text, title, closed.text):
        assert "6月25日" not in text and "10月30日" not in text
    _, wusu = await as_role(client, session, Role.COUNTY_ADMIN, WUSU)
    assert (await client.get(f"/api/v1/reports/{submitted.json()['id']}", headers=wusu)).status_code == 404


# --- 8: disclosure covers every visit of the year -----------------------------------------------------------------

DAYS_OF_2026 = [date(2026, 1, 1), date(2026, 6, 30), date(2026, 7, 1), date(2026, 10, 31), date(2026, 12, 31)]


async def publish(client: Any, headers: dict[str, str], period: str, **body: Any) -> Any:
    payload = {"year": 2026, "period": period, "review_note": "经科务会审核同意公开"} | body
    return await client.post("/api/v1/disclosures", json=payload, headers=headers)


async def test_a_visit_of_november_29_is_disclosed_in_the_second_half(client, session, app) -> None:
    on(app, date(2027, 1, 5))
    enterprise = await make_enterprise(session)
    november = await make_visit_record(session, enterprise, date(2026, 11, 29))
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    refused = await publish(client, headers, "h1", visit_ids=[str(november.id)])
    assert refused.status_code == 422 and refused.json()["errors"][0]["loc"] == ["body", "visit_ids", 0]
    published = await publish(client, headers, "h2", visit_ids=[str(november.id)])
    assert published.status_code == 201, published.text
    assert published.json()["period_label"] == "下半年（7月1日至12月31日）"
    assert [e["visit_date"] for e in published.json()["entries"]] == ["2026-11-29"]


async def test_every_visit_of_the_year_can_be_disclosed_and_none_is_left_over(client, session, app) -> None:
    on(app, date(2027, 1, 5))
    tacheng = await make_enterprise(session)
    wusu = await make_enterprise(session, county_code=WUSU)
    for day in DAYS_OF_2026:
        await make_visit_record(session, tacheng, day)
    await make_visit_record(session, wusu, date(2026, 11, 29))
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    first = await publish(client, headers, "h1")
    second = await publish(client, headers, "h2")
    assert (first.json()["entry_count"], second.json()["entry_count"]) == (2, 4)
    public = (await client.get("/api/v1/public/inspection-results", params={"limit": 50})).json()
    assert sorted(item["visit_date"] for item in public["items"]) == sorted(
        [d.isoformat() for d in DAYS_OF_2026] + ["2026-11-29"]
    )
    for period in ("h1", "h2"):  # nothing of the year is left for a later batch
        assert (await publish(client, headers, period)).status_code == 422


async def test_a_half_is_published_as_it_goes_and_a_half_not_begun_is_refused(client, session, app) -> None:
    on(app, date(2026, 8, 15))
    enterprise = await make_enterprise(session)
    await make_visit_record(session, enterprise, date(2026, 8, 1))
    await make_visit_record(session, enterprise, date(2026, 8, 20))  # after today: not yet
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    assert (await publish(client, headers, "h2")).json()["entry_count"] == 1
    on(app, date(2026, 6, 26))
    early = await publish(client, headers, "h2")
    assert early.status_code == 422 and early.json()["errors"][0]["loc"] == ["body", "period"]


async def test_a_county_cannot_publish_and_reads_only_its_own_entries(client, session, app) -> None:
    on(app, date(2027, 1, 5))
    await make_visit_record(session, await make_enterprise(session), date(2026, 11, 29))
    await make_visit_record(session, await make_enterprise(session, county_code=WUSU), date(2026, 12, 1))
    _, wusu = await as_role(client, session, Role.COUNTY_ADMIN, WUSU)
    assert (await publish(client, wusu, "h2")).status_code == 403
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    batch = (await publish(client, headers, "h2")).json()
    mine = (await client.get(f"/api/v1/disclosures/{batch['id']}", headers=wusu)).json()
    assert [(e["county_code"], e["visit_date"]) for e in mine["entries"]] == [(WUSU, "2026-12-01")]


# --- 12: a failed sampling says where it came from -----------------------------------------------------------------


async def failed_sampling(client: Any, headers: dict[str, str], enterprise: Any, **extra: Any) -> Any:
    body = {"kind": "sampling", "occurred_on": "2026-04-01", "product": "水泥", "qualified": False} | extra
    return await client.post(f"/api/v1/enterprises/{enterprise.id}/signals", json=body, headers=headers)


async def test_a_failed_sampling_states_its_origin_and_nothing_else_has_one(client, session, app) -> None:
    on(app, date(2026, 6, 1))
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    missing = await failed_sampling(client, headers, enterprise)
    assert missing.status_code == 422 and missing.json()["errors"][0]["loc"] == ["body", "sampling_origin"]
    complaint = {"kind": "complaint", "occurred_on": "2026-04-01", "sampling_origin": "local"}
    wrong = await client.post(f"/api/v1/enterprises/{enterprise.id}/signals", json=complaint, headers=headers)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["loc"] == ["body", "sampling_origin"]
    assert (await failed_sampling(client, headers, enterprise, sampling_origin="referred")).status_code == 201
    [follow_up] = (await client.get("/api/v1/sampling-follow-ups", headers=headers)).json()["items"]
    assert (follow_up["origin"], follow_up["origin_label"]) == ("referred", "上级转办")


async def test_the_summary_and_the_xlsx_count_referred_and_local_follow_ups_apart(client, session, app) -> None:
    on(app, date(2026, 6, 1))
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    for origin in ("referred", "referred", "local"):
        assert (await failed_sampling(client, headers, enterprise, sampling_origin=origin)).status_code == 201
    referred = (await client.get("/api/v1/sampling-follow-ups", params={"origin": "referred"}, headers=headers)).json()
    follow_up_id = referred["items"][0]["id"]
    for kind, day, extra in (
        ("notified", "2026-04-02", {}),
        ("rectification_ordered", "2026-04-03", {}),
        ("resampled", "2026-05-01", {"qualified": True}),
        ("closed", "2026-05-02", {}),
    ):
        body = {"kind": kind, "on": day, **extra}
        step = await client.post(f"/api/v1/sampling-follow-ups/{follow_up_id}/steps", json=body, headers=headers)
        assert step.status_code == 201, step.text
    [row] = (await client.get("/api/v1/reports/summary", params={"year": 2026}, headers=headers)).json()["rows"]
    assert {k: row[k] for k in row if "sampling" in k} == {
        "failed_samplings": 3,
        "failed_samplings_referred": 2,
        "failed_samplings_local": 1,
        "samplings_handled": 1,
        "samplings_handled_referred": 1,
        "samplings_handled_local": 0,
    }
    for figure in ("failed_samplings_referred", "failed_samplings_local", "samplings_handled_referred"):
        assert (await client.get(row["drill"][figure], headers=headers)).json()["total"] == row[figure]
    report = await client.post("/api/v1/reports", json={"year": 2026, "period": "h1"}, headers=headers)
    assert report.status_code == 201
    export = await client.get("/api/v1/reports/export", params={"year": 2026, "period": "h1"}, headers=headers)
    sheet = load_workbook(BytesIO(export.content))["附件3"]
    cells = dict(zip([c.value for c in sheet[4]], [c.value for c in sheet[5]], strict=True))
    assert cells["不合格后处理：上级转办"] == 2 and cells["后处理完结：上级转办"] == 1
    assert cells["不合格后处理：本级组织"] == 1 and cells["后处理完结：本级组织"] == 0


async def test_an_origin_is_corrected_with_a_reason_audited_and_not_across_counties(client, session, app) -> None:
    on(app, date(2026, 6, 1))
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    await failed_sampling(client, headers, enterprise, sampling_origin="local")
    [follow_up] = (await client.get("/api/v1/sampling-follow-ups", headers=headers)).json()["items"]
    url = f"/api/v1/sampling-follow-ups/{follow_up['id']}"
    body = {"origin": "referred", "reason": "自治区局转办函（新市监质函〔2026〕12号）"}
    _, wusu = await as_role(client, session, Role.COUNTY_ADMIN, WUSU)
    assert (await client.patch(url, json=body, headers=wusu)).status_code == 404
    stale = await client.patch(url, json=body, headers=headers | {"If-Match": 'W/"99"'})
    assert stale.status_code == 412
    corrected = await client.patch(url, json=body, headers=headers)
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["origin_label"] == "上级转办" and corrected.json()["version"] == follow_up["version"] + 1
    [event] = (await session.exec(select(AuditEvent).where(AuditEvent.action == "sampling_follow_up.update"))).all()
    assert event.before == {"origin": "local"} and event.after == {"origin": "referred", "reason": body["reason"]}


# --- 13: only 地区级以上 media count ------------------------------------------------------------------------------


def activity(level: str | None, **overrides: Any) -> dict[str, Any]:
    adopted = {"media_adopted": True, "media_outlet": "某媒体", "media_level": level, "screenshot_refs": ["s.png"]}
    return (
        {"campaign": "quality_month", "title": "质量月宣传", "held_on": "2026-05-20"}
        | (adopted if level else {})
        | overrides
    )


async def test_only_adoptions_by_prefecture_level_media_and_above_count(client, session, app) -> None:
    on(app, date(2026, 6, 1))
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    url = "/api/v1/publicity-activities"
    for level in ("national", "province", "prefecture", "county", None):
        assert (await client.post(url, json=activity(level), headers=headers)).status_code == 201
    [row] = (await client.get("/api/v1/reports/summary", params={"year": 2026}, headers=headers)).json()["rows"]
    assert (row["publicity_activities"], row["media_adoptions"]) == (5, 3)
    listed = (await client.get(row["drill"]["media_adoptions"], headers=headers)).json()
    assert listed["total"] == 3 and all(a["counts_as_media_adoption"] for a in listed["items"])
    no_level = await client.post(url, json=activity("prefecture", media_level=None), headers=headers)
    assert no_level.status_code == 422 and no_level.json()["errors"][0]["loc"] == ["body", "media_level"]
    _, wusu = await as_role(client, session, Role.COUNTY_ADMIN, WUSU)
    assert (await client.get(url, headers=wusu)).json()["total"] == 0
    theirs = await client.post(url, json=activity("national", county_code=TACHENG), headers=wusu)
    assert theirs.status_code == 404
