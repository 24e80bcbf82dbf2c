"""Export: the current filter as xlsx with the template's headers; it imports back unchanged."""

import io

import pytest
from openpyxl import load_workbook

from app.domain.permissions import Role
from app.xlsx.enterprise_columns import HEADERS
from tests.builders import WUSU, as_role, make_enterprise

pytestmark = pytest.mark.anyio
URL = "/api/v1/enterprises/export"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def test_an_export_holds_the_filtered_county_with_chinese_headers_and_labels(client, session):
    await make_enterprise(session, name="甲", risk_class="C", key_region=True)
    await make_enterprise(session, name="乙", status="suspended")
    await make_enterprise(session, name="乌苏丙", county_code=WUSU)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR)
    response = await client.get(URL, params={"status": "operating"}, headers=headers)
    assert response.status_code == 200 and response.headers["content-type"] == XLSX
    assert "attachment" in response.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(response.content))["企业台账"].iter_rows(values_only=True))
    assert rows[0] == HEADERS
    assert [(r[1], r[2], r[7], r[8], r[10]) for r in rows[1:]] == [("甲", "塔城市", "C", "在产", "是")]


async def test_cells_that_excel_would_run_as_formulas_are_neutralised(client, session):
    await make_enterprise(session, name='=HYPERLINK("http://evil","点我")', contact_phone="+86 901 622")
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.get(URL, headers=headers)
    ws = load_workbook(io.BytesIO(response.content))["企业台账"]
    assert ws["B2"].value == '\'=HYPERLINK("http://evil","点我")' and ws["B2"].data_type == "s"
    assert ws["O2"].value == "'+86 901 622"


async def test_an_export_imports_back_unchanged(client, session):
    await make_enterprise(session, name="=SUM(A1)", risk_class="D", key_industry=True, status="closed")
    await make_enterprise(
        session, name="普通企业", address="-城北 @2号", industry=None, contact_phone="+86 13800000000"
    )
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    exported = await client.get(URL, headers=headers)
    answer = await client.post(
        "/api/v1/enterprise-imports", files={"file": ("export.xlsx", exported.content, XLSX)}, headers=headers
    )
    assert answer.status_code == 201, answer.text
    counts = (answer.json()["created_count"], answer.json()["updated_count"], answer.json()["unchanged_count"])
    assert counts == (0, 0, 2)
    again = await client.get(URL, headers=headers)
    first = list(load_workbook(io.BytesIO(exported.content))["企业台账"].iter_rows(values_only=True))
    second = list(load_workbook(io.BytesIO(again.content))["企业台账"].iter_rows(values_only=True))
    assert first == second


async def test_another_county_is_never_exported_to_a_county_user(client, session):
    await make_enterprise(session, county_code=WUSU)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.get(URL, params={"county_code": WUSU}, headers=headers)
    assert len(list(load_workbook(io.BytesIO(response.content))["企业台账"].iter_rows())) == 1
