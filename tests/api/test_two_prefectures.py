"""One deployment, two prefectures and the region (issue 20): 塔城地区 and 伊犁哈萨克自治州 each walk plan → visit →
report on the same database; neither sees the other's records (404), the region sees both and issues nothing, and
the region's roll-up adds up what the counties submitted."""

from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.deps import local_today
from app.domain.permissions import Role
from app.models import Enterprise, User
from app.seed.jurisdictions import divisions, seed_jurisdictions
from tests.builders import (
    REGION,
    archived_visit,
    make_enterprise,
    make_inspectors,
    make_user,
    new_credit_code,
    sign_in,
    visit_body,
)

pytestmark = [pytest.mark.anyio, pytest.mark.postgres_only]

TACHENG_PREFECTURE, TACHENG_CITY = "654200", "654201"
ILI_PREFECTURE, YINING_CITY = "654000", "654002"


@dataclass
class Prefecture:
    code: str
    county: str
    admin: dict[str, str]
    county_admin: dict[str, str]
    enterprise: Enterprise
    inspectors: list[User]
    plan: dict[str, Any] | None = None
    visit: dict[str, Any] | None = None
    report: dict[str, Any] | None = None


async def _headers(client: httpx.AsyncClient, session: AsyncSession, role: Role, **fields: Any) -> dict[str, str]:
    return await sign_in(client, await make_user(session, role, **fields))


async def _prefecture(client: httpx.AsyncClient, session: AsyncSession, code: str, county: str) -> Prefecture:
    return Prefecture(
        code=code,
        county=county,
        admin=await _headers(client, session, Role.PREFECTURE_ADMIN, jurisdiction_code=code),
        county_admin=await _headers(client, session, Role.COUNTY_ADMIN, county_code=county),
        enterprise=await make_enterprise(session, county_code=county),
        inspectors=await make_inspectors(session, 2, county_code=county),
    )


async def _ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.headers.get("content-type", "").endswith("json") else response.content


async def _walk(client: httpx.AsyncClient, p: Prefecture, year: int) -> None:
    """Plan → issue → visit → report, as the prefecture and its county do it."""
    p.plan = await _ok(await client.post("/api/v1/plans", json={"year": year}, headers=p.admin), 201)
    await _ok(await client.post(f"/api/v1/plans/{p.plan['id']}/issue", headers=p.admin))
    visit_date = min(local_today() - timedelta(days=1), date(year, 6, 1))  # inside the first half's figures
    body = visit_body(p.enterprise, p.inspectors, visit_date=visit_date.isoformat())
    p.visit = await archived_visit(client, p.county_admin, body)
    body = {"year": year, "period": "h1"}
    p.report = await _ok(await client.post("/api/v1/reports", json=body, headers=p.county_admin), 201)


@pytest.fixture
async def walked(client: httpx.AsyncClient, session: AsyncSession) -> tuple[Prefecture, Prefecture, int]:
    await seed_jurisdictions(session, [ILI_PREFECTURE])
    await session.commit()
    tacheng = await _prefecture(client, session, TACHENG_PREFECTURE, TACHENG_CITY)
    ili = await _prefecture(client, session, ILI_PREFECTURE, YINING_CITY)
    year = local_today().year
    for prefecture in (tacheng, ili):
        await _walk(client, prefecture, year)
    return tacheng, ili, year


def test_the_division_codes_agree_with_gb_t_2260_where_we_checked() -> None:
    found = {code: (d.name, d.level, d.parent_code) for code, d in divisions().items()}
    assert found["650000"] == ("新疆维吾尔自治区", "region", None)
    assert found["654200"] == ("塔城地区", "prefecture", "650000")
    assert found["654000"] == ("伊犁哈萨克自治州", "prefecture", "650000")
    assert found["650100"] == ("乌鲁木齐市", "prefecture", "650000")
    tacheng = {code: name for code, (name, _, parent) in found.items() if parent == "654200"}
    assert tacheng == {
        "654201": "塔城市",
        "654202": "乌苏市",
        "654203": "沙湾市",
        "654221": "额敏县",
        "654224": "托里县",
        "654225": "裕民县",
        "654226": "和布克赛尔蒙古自治县",
    }
    assert sum(1 for d in divisions().values() if d.level == "prefecture") == 15  # 14 地州市 + 自治区直辖县级行政区划


async def test_each_prefecture_plans_only_its_own_enterprises_and_counts_only_its_own_visits(client, walked) -> None:
    for p in walked[:2]:
        assert p.plan is not None and p.plan["lines"] == 1  # its one enterprise, not the other prefecture's
        summary = await _ok(await client.get("/api/v1/reports/summary", params={"year": walked[2]}, headers=p.admin))
        own_counties = {c for c, d in divisions().items() if d.parent_code == p.code}
        assert {row["county_code"] for row in summary["rows"]} == own_counties
        assert summary["plan_id"] == p.plan["id"]
        assert summary["total"]["county_name"] == f"{divisions()[p.code].name}合计"
        assert summary["total"]["visits_done"] == 1 and summary["total"]["plan_lines"] == 1


async def test_two_prefectures_never_see_each_others_records(client, walked) -> None:
    tacheng, ili, year = walked
    for me, other in ((tacheng, ili), (ili, tacheng)):
        assert other.plan and other.visit and other.report
        for headers in (me.admin, me.county_admin):
            for path in (
                f"/api/v1/plans/{other.plan['id']}/progress",
                f"/api/v1/visits/{other.visit['id']}",
                f"/api/v1/enterprises/{other.enterprise.id}",
                f"/api/v1/reports/{other.report['id']}",
            ):
                assert (await client.get(path, headers=headers)).status_code == 404, path
        plans = (await _ok(await client.get("/api/v1/plans", headers=me.admin)))["items"]
        assert [p["id"] for p in plans] == [me.plan and me.plan["id"]]
        body = {"credit_code": new_credit_code(), "name": "越界企业", "county_code": other.county}
        assert (await client.post("/api/v1/enterprises", json=body, headers=me.admin)).status_code == 404
        overview = await _ok(await client.get("/api/v1/reports", params={"year": year}, headers=me.admin))
        assert other.county not in str(overview)


async def test_the_region_reads_both_prefectures_and_issues_nothing(client, session, walked) -> None:
    tacheng, ili, year = walked
    region = await _headers(client, session, Role.REGION_VIEWER, jurisdiction_code=REGION)
    plans = (await _ok(await client.get("/api/v1/plans", headers=region)))["items"]
    assert {p["id"] for p in plans} == {tacheng.plan and tacheng.plan["id"], ili.plan and ili.plan["id"]}
    for p in (tacheng, ili):
        assert p.visit is not None
        await _ok(await client.get(f"/api/v1/visits/{p.visit['id']}", headers=region))
    assert (await client.post("/api/v1/plans", json={"year": year + 1}, headers=region)).status_code == 403
    assert (await client.post("/api/v1/visits", json={}, headers=region)).status_code == 403


async def test_the_region_rolls_up_the_submitted_figures_and_drills_down_to_a_prefecture(client, session, walked):
    tacheng, ili, year = walked
    region = await _headers(client, session, Role.REGION_ADMIN, jurisdiction_code=REGION)
    params = {"year": year, "period": "h1"}
    rollup = await _ok(await client.get("/api/v1/reports/region-summary", params=params, headers=region))
    rows = {row["code"]: row for row in rollup["rows"]}
    assert set(rows) == {TACHENG_PREFECTURE, ILI_PREFECTURE}
    for p in (tacheng, ili):
        assert p.report is not None
        row = rows[p.code]
        assert row["reported"] == 1 and row["counties"] == sum(
            1 for d in divisions().values() if d.parent_code == p.code
        )
        assert row["visits_done"] == p.report["figures"]["visits_done"] == 1
        assert row["drill"].endswith(f"prefecture_code={p.code}")
    assert rollup["total"]["visits_done"] == 2 and rollup["total"]["reported"] == 2
    assert rollup["total"]["name"] == "新疆维吾尔自治区合计"

    drilled = await _ok(
        await client.get(
            "/api/v1/reports/region-summary", params=params | {"prefecture_code": ILI_PREFECTURE}, headers=region
        )
    )
    assert {row["code"] for row in drilled["rows"]} == {
        c for c, d in divisions().items() if d.parent_code == ILI_PREFECTURE
    }
    assert next(r for r in drilled["rows"] if r["code"] == YINING_CITY)["visits_done"] == 1

    workbook = await _ok(await client.get("/api/v1/reports/region-summary/export", params=params, headers=region))
    sheet = load_workbook(BytesIO(workbook)).active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert {"塔城地区", "伊犁哈萨克自治州"} <= cells and any("新疆维吾尔自治区" in c for c in cells)


async def test_a_prefecture_rolls_up_only_itself_and_cannot_drill_into_another(client, walked) -> None:
    tacheng, _, year = walked
    params = {"year": year, "period": "h1"}
    mine = await _ok(await client.get("/api/v1/reports/region-summary", params=params, headers=tacheng.admin))
    assert [row["code"] for row in mine["rows"]] == [TACHENG_PREFECTURE]
    other = params | {"prefecture_code": ILI_PREFECTURE}
    response = await client.get("/api/v1/reports/region-summary", params=other, headers=tacheng.admin)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
