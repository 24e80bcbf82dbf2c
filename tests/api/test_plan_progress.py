"""Progress of the plan, the inspector's work list, and the 附件1 export."""

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from app.models import Visit
from tests.api.plan_helpers import county_admin, freeze_today, generate, issue, items, line_of, prefecture
from tests.builders import TACHENG, WUSU, make_enterprise, make_licence

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def _today(app) -> None:  # noqa: ANN001
    freeze_today(app)  # 2026-07-01


async def _visit(session, enterprise, **fields) -> Visit:  # noqa: ANN001
    values = {
        "enterprise_id": enterprise.id,
        "county_code": enterprise.county_code,
        "visit_type": "routine_patrol",
        "visit_date": date(2026, 5, 10),
        "status": "archived",
        "covers_full_checklist": True,  # as submit sets it for a visit that checked its items
    }
    visit = Visit(**(values | fields))
    session.add(visit)
    await session.commit()
    return visit


async def _plan(client, session, *fields):  # noqa: ANN001, ANN202
    enterprises = [await make_enterprise(session, **f) for f in fields]
    headers = await prefecture(client, session)
    plan = await generate(client, headers)
    await issue(client, headers, plan["id"])
    return headers, plan["id"], enterprises


async def test_progress_counts_only_archived_visits_of_the_plan_year_that_the_rule_counts(client, session):
    headers, plan_id, [c_class, d_class] = await _plan(client, session, {"risk_class": "C"}, {"risk_class": "D"})
    await _visit(session, c_class)  # counts
    await _visit(session, c_class, visit_type="double_random", visit_date=date(2026, 2, 1))  # counts
    await _visit(session, c_class, visit_type="flight_inspection", status="draft")  # not archived
    await _visit(session, d_class, visit_type="reinspection", covers_full_checklist=False)  # only verifies findings
    await _visit(session, d_class, visit_type="reinspection", covers_full_checklist=True)  # full check: counts
    await _visit(session, d_class, visit_date=date(2025, 12, 30))  # last year

    response = await client.get(f"/api/v1/plans/{plan_id}/progress", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    rows = {(r["county_code"], r["risk_class"]): r for r in body["rows"]}
    c_row, d_row = rows[(TACHENG, "C")], rows[(TACHENG, "D")]
    assert (c_row["lines"], c_row["required_visits"], c_row["visits_done"], c_row["completion_rate"]) == (1, 2, 2, 1.0)
    assert (d_row["lines"], d_row["required_visits"], d_row["visits_done"], d_row["behind_schedule"]) == (1, 3, 1, 0)
    assert c_row["behind_schedule"] == 0
    total = body["total"]
    assert (total["lines"], total["required_visits"], total["visits_done"], total["completion_rate"]) == (2, 5, 3, 0.6)
    assert body["counties"] == [dict(total, county_code=TACHENG, county_name="塔城市")]

    lines = await items(client, headers, plan_id)
    assert (line_of(lines, c_class.id)["done_visits"], line_of(lines, d_class.id)["done_visits"]) == (2, 1)
    assert line_of(lines, d_class.id)["next_due"] == "2026-08-31"


async def test_the_work_list_holds_the_enterprises_behind_schedule(client, session):
    _, plan_id, [behind, on_time, not_yet] = await _plan(
        client, session, {"risk_class": "C"}, {"risk_class": "C"}, {"risk_class": "A"}
    )
    await _visit(session, on_time)
    inspector = await county_admin(client, session, TACHENG)
    work = await items(client, inspector, plan_id, behind_schedule="true", county_code=TACHENG)
    assert [(x["enterprise_id"], x["done_visits"], x["next_due"]) for x in work] == [(str(behind.id), 0, "2026-06-30")]
    rest = {x["enterprise_id"] for x in await items(client, inspector, plan_id, behind_schedule="false")}
    assert rest == {str(on_time.id), str(not_yet.id)}
    progress = (await client.get(f"/api/v1/plans/{plan_id}/progress", headers=inspector)).json()
    assert progress["total"]["behind_schedule"] == 1


async def test_a_county_sees_only_its_own_progress(client, session):
    headers, plan_id, [_, wusu_enterprise] = await _plan(client, session, {}, {"county_code": WUSU})
    await _visit(session, wusu_enterprise)
    tacheng = await county_admin(client, session, TACHENG)
    body = (await client.get(f"/api/v1/plans/{plan_id}/progress", headers=tacheng)).json()
    assert {r["county_code"] for r in body["rows"]} == {TACHENG}
    assert (body["total"]["lines"], body["total"]["visits_done"]) == (1, 0)
    everything = (await client.get(f"/api/v1/plans/{plan_id}/progress", headers=headers)).json()
    assert {r["county_code"] for r in everything["counties"]} == {TACHENG, WUSU}
    assert everything["total"]["visits_done"] == 1


async def test_the_export_is_laid_out_as_attachment_1(client, session):
    headers, plan_id, [enterprise, hostile, _] = await _plan(
        client,
        session,
        {"risk_class": "C", "name": "塔城水泥有限公司", "key_product": True},
        {"name": '=HYPERLINK("http://evil")', "main_products": "@SUM(A1)"},
        {"county_code": WUSU},
    )
    await make_licence(session, enterprise.id, licence_no="新XK08-001-00001")
    line = line_of(await items(client, headers, plan_id), enterprise.id)
    await client.patch(
        f"/api/v1/plans/{plan_id}/items/{line['id']}",
        json={"required_visits": 4, "reason": "专项整治"},
        headers=headers,
    )

    response = await client.get(f"/api/v1/plans/{plan_id}/export", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    workbook = load_workbook(BytesIO(response.content))
    assert workbook.sheetnames == ["汇总", "塔城市", "乌苏市"]
    sheet = workbook["塔城市"]
    assert sheet["A1"].value == "2026年度全地区工业产品生产企业质量监督检查计划明细表"
    assert [c.value for c in sheet[2]] == [
        "序号",
        "县（市）",
        "企业名称",
        "统一社会信用代码",
        "生产地址",
        "主要产品",
        "许可证编号",
        "风险等级",
        "计划检查次数",
        "调整原因/依据",
        "计划检查时间",
        "备注",
    ]
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9  # A4
    assert sheet.print_title_rows == "$1:$2"
    rows = {r[2]: r for r in sheet.iter_rows(min_row=3, values_only=True)}
    cement = rows["塔城水泥有限公司"]
    assert cement[1] == "塔城市" and cement[6] == "新XK08-001-00001" and cement[8] == 4
    required = next(row[8] for row in sheet.iter_rows(min_row=3) if row[2].value == "塔城水泥有限公司")
    assert (required.value, required.number_format) == (4, "0")  # a number, not the text "4"
    assert "重点产品" in cement[9] and "专项整治" in cement[9]
    assert cement[10] == "3月31日前、6月30日前、9月30日前、12月31日前"
    assert cement[11] == "下达3次，已调整"
    hostile_row = rows['\'=HYPERLINK("http://evil")']
    assert hostile_row[5] == "'@SUM(A1)"
    summary = [r for r in workbook["汇总"].iter_rows(min_row=3, values_only=True)]
    assert [r[1:3] for r in summary] == [("塔城市", 2), ("乌苏市", 1)]

    county = await county_admin(client, session, WUSU)
    own = await client.get(f"/api/v1/plans/{plan_id}/export", headers=county)
    assert load_workbook(BytesIO(own.content)).sheetnames == ["汇总", "乌苏市"]
    assert hostile.county_code == TACHENG
