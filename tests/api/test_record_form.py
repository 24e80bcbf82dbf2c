"""附件2 生产企业现场监督检查记录表: two printable sheets holding the visit's record."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from app.domain.permissions import Role
from tests.builders import (
    TACHENG,
    WUSU,
    archived_visit,
    as_role,
    full_checklist,
    make_enterprise,
    make_inspectors,
    make_licence,
    visit_body,
)

pytestmark = pytest.mark.anyio


async def test_the_record_form_opens_with_openpyxl_and_holds_the_visit(client, session):
    enterprise = await make_enterprise(session, address='=HYPERLINK("http://evil")')
    licence = await make_licence(session, enterprise.id)
    inspectors = await make_inspectors(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    checklist = full_checklist(True, labelling={"result": "nonconforming", "note": "未标注生产日期"})
    body = visit_body(enterprise, inspectors, checklist=checklist, conclusion="rectification_required")
    visit = await archived_visit(client, headers, body)

    response = await client.get(f"/api/v1/visits/{visit['id']}/record-form", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response.headers["content-disposition"]
    workbook = load_workbook(BytesIO(response.content))
    assert workbook.sheetnames == ["企业留存", "监管部门留存"]
    for sheet in workbook.worksheets:
        values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
        text = "\n".join(values)
        assert sheet["A1"].value == "生产企业现场监督检查记录表"
        assert f"（{sheet.title}）" in text
        for expected in (enterprise.name, enterprise.credit_code, licence.licence_no, "日常巡查", visit["visit_date"]):
            assert expected in values, expected
        for header in ("序号", "检查项目", "检查内容", "检查结果", "备注"):
            assert header in values
        numbered = [c for c in sheet["A"] if isinstance(c.value, int)]
        assert [c.value for c in numbered[:11]] == list(range(1, 12))
        assert {c.number_format for c in numbered} == {"0"}
        assert "持续满足许可条件" in values and values.count("符合") == 10 and "不符合" in values
        assert "标识标注：未标注生产日期" in values and visit["findings"][0]["deadline"] in values
        for inspector in inspectors:
            assert inspector.credential_no in values
        assert "检查人员签字：" in values and "企业负责人签字：" in values
        assert "质量负责人 王五" in values
        assert '\'=HYPERLINK("http://evil")' in values  # neutralised, not a formula
        assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
        assert sheet.page_setup.orientation == "portrait"


async def test_another_county_gets_404_for_the_record_form(client, session):
    enterprise = await make_enterprise(session)
    _, tacheng = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, wusu = await as_role(client, session, Role.COUNTY_INSPECTOR, WUSU)
    visit = await archived_visit(client, tacheng, visit_body(enterprise, await make_inspectors(session)))
    url = f"/api/v1/visits/{visit['id']}/record-form"
    assert (await client.get(url, headers=tacheng)).status_code == 200
    assert (await client.get(url, headers=wusu)).status_code == 404
