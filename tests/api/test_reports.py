"""Report submissions (附件3 报送): snapshots, due dates, who is late or missing, and the xlsx."""

from datetime import date
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook

from app.core.deps import local_today
from app.domain.permissions import Role
from app.models import AuditEvent
from app.xlsx.summary_export import COLUMNS
from tests.builders import TACHENG, WUSU, as_role, make_enterprise, make_issued_plan, make_visit_record

pytestmark = pytest.mark.anyio

YEAR = 2026
COLUMN_FIGURES = [figure.value for figure, _ in COLUMNS]


def on(app: Any, day: date) -> None:
    app.dependency_overrides[local_today] = lambda: day


async def submit(client: Any, headers: dict[str, str], period: str = "h1", **extra: Any) -> Any:
    return await client.post("/api/v1/reports", json={"year": YEAR, "period": period, **extra}, headers=headers)


@pytest.fixture
async def tacheng(session: Any) -> Any:
    enterprise = await make_enterprise(session, risk_class="B")
    await make_issued_plan(session, YEAR, [(enterprise, 2)])
    await make_visit_record(session, enterprise, date(2026, 3, 1))
    return enterprise


async def test_a_county_admin_freezes_its_figures_with_who_and_when(client, session, app, tacheng) -> None:
    on(app, date(2026, 6, 20))
    user, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    response = await submit(client, headers, note="上半年情况")
    assert response.status_code == 201, response.text
    report = response.json()
    assert report["county_code"] == TACHENG
    assert report["as_of"] == "2026-06-20"
    assert report["due_on"] == "2026-06-25"
    assert report["late"] is False and report["version"] == 1
    assert report["submitted_by_name"] == user.username
    assert report["figures"]["visits_done"] == 1
    assert report["figures"]["required_visits"] == 2
    events = [e for e in (await session.exec(AuditEvent.__table__.select())).all() if e.action == "report.submit"]
    assert len(events) == 1


async def test_the_snapshot_does_not_move_when_records_change_after_submission(client, session, app, tacheng) -> None:
    on(app, date(2026, 6, 20))
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    report = (await submit(client, headers)).json()
    await make_visit_record(session, tacheng, date(2026, 6, 10))  # recorded late, inside the period
    again = (await client.get(f"/api/v1/reports/{report['id']}", headers=headers)).json()
    assert again["figures"] == report["figures"]
    live = (
        await client.get("/api/v1/reports/summary", params={"year": YEAR, "as_of": "2026-06-20"}, headers=headers)
    ).json()
    assert live["rows"][0]["visits_done"] == 2
    overview = (await client.get("/api/v1/reports", params={"year": YEAR}, headers=headers)).json()
    [county] = overview["periods"][0]["counties"]
    assert {c["figure"]: (c["submitted"], c["live"]) for c in county["changes_since_submission"]} == {
        "visits_done": (1, 2),
        "plan_visits_done": (1, 2),
        "completion_rate": (0.5, 1.0),
        "fully_inspected": (0, 1),
    }


async def test_a_resubmission_before_the_due_date_replaces_and_keeps_the_old_one(client, session, app, tacheng) -> None:
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    on(app, date(2026, 6, 20))
    first = (await submit(client, headers)).json()
    await make_visit_record(session, tacheng, date(2026, 6, 22))
    on(app, date(2026, 6, 25))  # the due date itself is in time
    second = await submit(client, headers)
    assert second.status_code == 201, second.text
    assert second.json()["version"] == 2 and second.json()["late"] is False
    assert second.json()["figures"]["visits_done"] == 2
    old = (await client.get(f"/api/v1/reports/{first['id']}", headers=headers)).json()
    assert old["superseded"] is True and old["figures"]["visits_done"] == 1
    overview = (await client.get("/api/v1/reports", params={"year": YEAR}, headers=headers)).json()
    [county] = overview["periods"][0]["counties"]
    assert county["report"]["id"] == second.json()["id"] and county["versions"] == 2


async def test_after_the_due_date_a_submitted_report_cannot_change(client, session, app, tacheng) -> None:
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    on(app, date(2026, 6, 25))
    assert (await submit(client, headers)).status_code == 201
    on(app, date(2026, 6, 26))
    response = await submit(client, headers)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_first_submission_after_the_due_date_is_accepted_as_late(client, session, app) -> None:
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, WUSU)
    on(app, date(2026, 6, 26))
    response = await submit(client, headers)
    assert response.status_code == 201
    assert response.json()["late"] is True
    assert response.json()["as_of"] == "2026-06-25"  # the period still ends on its due date
    on(app, date(2026, 10, 31))
    late_h2 = (await submit(client, headers, period="h2")).json()
    assert late_h2["late"] is True and late_h2["due_on"] == "2026-10-30"


async def test_on_june_26_the_prefecture_sees_who_reported_who_is_late_and_who_is_missing(
    client, session, app, tacheng
) -> None:
    _, tacheng_headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    _, wusu_headers = await as_role(client, session, Role.COUNTY_ADMIN, WUSU)
    on(app, date(2026, 6, 24))
    await submit(client, tacheng_headers)
    on(app, date(2026, 6, 26))
    await submit(client, wusu_headers)
    _, headers = await as_role(client, session, Role.PREFECTURE_VIEWER)
    overview = (await client.get("/api/v1/reports", params={"year": YEAR}, headers=headers)).json()
    h1, h2 = overview["periods"]
    statuses = {c["county_code"]: c["status"] for c in h1["counties"]}
    assert statuses[TACHENG] == "submitted"
    assert statuses[WUSU] == "late"
    assert {statuses[c] for c in statuses if c not in (TACHENG, WUSU)} == {"missing"}
    assert {c["status"] for c in h2["counties"]} == {"pending"}


async def test_a_county_cannot_read_or_submit_for_another_county(client, session, app) -> None:
    on(app, date(2026, 6, 20))
    _, tacheng_headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    _, wusu_headers = await as_role(client, session, Role.COUNTY_ADMIN, WUSU)
    report = (await submit(client, tacheng_headers)).json()
    assert (await client.get(f"/api/v1/reports/{report['id']}", headers=tacheng_headers)).status_code == 200
    assert (await client.get(f"/api/v1/reports/{report['id']}", headers=wusu_headers)).status_code == 404
    assert (await submit(client, wusu_headers, county_code=TACHENG)).status_code == 404
    overview = (await client.get("/api/v1/reports", params={"year": YEAR}, headers=wusu_headers)).json()
    assert [c["county_code"] for c in overview["periods"][0]["counties"]] == [WUSU]


async def test_inspectors_cannot_submit_and_the_prefecture_must_name_the_county(client, session, app) -> None:
    on(app, date(2026, 6, 20))
    _, inspector = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    assert (await submit(client, inspector)).status_code == 403
    _, prefecture = await as_role(client, session, Role.PREFECTURE_ADMIN)
    missing = await submit(client, prefecture)
    assert missing.status_code == 422 and missing.json()["errors"][0]["loc"] == ["body", "county_code"]
    assert (await submit(client, prefecture, county_code=WUSU)).status_code == 201
    future = await client.post("/api/v1/reports", json={"year": 2027, "period": "h1"}, headers=inspector)
    assert future.status_code == 403


async def test_the_export_is_annex_3_with_a_row_per_county_from_the_snapshots_and_a_total(
    client, session, app, tacheng
) -> None:
    _, tacheng_headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    on(app, date(2026, 6, 24))
    await submit(client, tacheng_headers)
    await make_visit_record(session, tacheng, date(2026, 6, 1))  # after the snapshot: not in the export
    on(app, date(2026, 6, 26))
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    response = await client.get("/api/v1/reports/export", params={"year": YEAR, "period": "h1"}, headers=headers)
    assert response.status_code == 200, response.text
    ws = load_workbook(BytesIO(response.content)).active
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
    assert "工业产品生产企业监督检查完成情况汇总表" in ws["A2"].value
    assert ws["A3"].value.startswith("填报单位") and "填报日期：2026年6月26日" in [c.value for c in ws[3]]
    headers_row = [c.value for c in ws[4]]
    assert headers_row[:4] == ["序号", "县（市）", "在册企业数（在产）", "计划检查企业数"]
    rows = {r[1]: r for r in ws.iter_rows(min_row=5, max_row=12, values_only=True)}
    done = headers_row.index("已检查次数（计入频次）")
    assert rows["塔城市"][done] == 1
    assert rows["乌苏市"][done] in ("", None)
    assert rows["合计"][done] == 1
    assert rows["乌苏市"][-1].startswith("未报送")


async def test_the_summarys_labels_are_the_annex_3_headers_character_for_character(client, session, app) -> None:
    on(app, date(2026, 6, 20))
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    labels = (await client.get("/api/v1/reports/summary", params={"year": YEAR}, headers=headers)).json()["labels"]
    response = await client.get("/api/v1/reports/export", params={"year": YEAR, "period": "h1"}, headers=headers)
    header_cells = [c.value for c in load_workbook(BytesIO(response.content)).active[4]][2:-1]
    assert header_cells == [labels[figure] for figure in COLUMN_FIGURES]
    assert labels["fully_inspected"] in header_cells and labels["completion_rate"] == "完成率"


async def test_the_annex_3_workbook_holds_counts_as_whole_numbers_and_the_rate_as_a_percentage(
    client, session, app, tacheng
) -> None:
    _, tacheng_headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    on(app, date(2026, 6, 24))
    assert (await submit(client, tacheng_headers)).status_code == 201
    on(app, date(2026, 6, 26))
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    response = await client.get("/api/v1/reports/export", params={"year": YEAR, "period": "h1"}, headers=headers)
    ws = load_workbook(BytesIO(response.content)).active
    header = {cell.value: cell.column for cell in ws[4]}
    tacheng_row = next(row for row in ws.iter_rows(min_row=5) if row[1].value == "塔城市")
    rate = tacheng_row[header["完成率"] - 1]
    assert (rate.value, rate.number_format) == (0.5, "0.0%")
    required = tacheng_row[header["计划检查次数"] - 1]
    assert (required.value, required.number_format) == (2, "0")
    total_row = next(row for row in ws.iter_rows(min_row=5) if row[1].value == "合计")
    assert total_row[header["完成率"] - 1].value == 0.5
    assert isinstance(total_row[header["已检查次数（计入频次）"] - 1].value, int)


async def test_a_county_exports_only_its_own_row(client, session, app) -> None:
    on(app, date(2026, 6, 20))
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, WUSU)
    response = await client.get("/api/v1/reports/export", params={"year": YEAR, "period": "h2"}, headers=headers)
    ws = load_workbook(BytesIO(response.content)).active
    names = [r[1] for r in ws.iter_rows(min_row=5, max_row=12, values_only=True) if r[1]]
    assert names[0] == "乌苏市" and "塔城市" not in names and "合计" not in names
