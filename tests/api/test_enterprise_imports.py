"""Bulk upload: the template, good and bad files, dry run, all-or-nothing, idempotent retries, hostile files."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, text
from sqlmodel import select

from app.domain.permissions import Role
from app.models import AuditEvent, Enterprise
from app.services.imports import apply, service, submit
from app.services.imports import jobs as jobs
from app.xlsx import enterprise_sheet
from app.xlsx.enterprise_columns import HEADERS
from tests.api.job_helpers import run_queued_jobs
from tests.builders import WUSU, as_role, make_enterprise, make_service_account, new_credit_code

pytestmark = pytest.mark.anyio
URL = "/api/v1/enterprise-imports"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def row(**overrides):
    values = {
        "统一社会信用代码": new_credit_code(),
        "企业名称": "塔城市恒通水泥有限公司",
        "所属县（市）": "塔城市",
        "生产地址": "塔城市工业园区1号",
        "法定代表人": "王五",
        "所属行业": "建材",
        "主要产品": "水泥",
        "风险等级": None,
        "经营状态": "在产",
        "重点行业": "否",
        "重点区域": "否",
        "重点企业": "否",
        "重点产品": "是",
        "联系人": "赵六",
        "联系电话": "0901-6220000",
    }
    return values | overrides


def workbook(rows, headers=HEADERS) -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = "企业台账"
    ws.append(list(headers))
    for r in rows:
        ws.append([r.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(content: bytes, name="台账.xlsx"):
    return {"file": (name, content, XLSX)}


async def count(session, **where) -> int:
    stmt = select(func.count()).select_from(Enterprise)
    for key, value in where.items():
        stmt = stmt.where(getattr(Enterprise, key) == value)
    return (await session.exec(stmt)).one()


async def test_the_template_has_chinese_headers_and_drop_downs_for_county_class_status(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.get("/api/v1/enterprises/import-template", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == XLSX
    book = load_workbook(io.BytesIO(response.content))
    ws = book["企业台账"]
    assert tuple(c.value for c in ws[1]) == HEADERS
    lists = {str(dv.sqref)[0]: dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists["C"] == '"塔城市"'  # a county user picks their own county only
    assert lists["H"] == '"A,B,C,D"'
    assert "在产" in lists["I"]


async def test_a_county_admin_uploads_a_good_file_and_a_second_upload_updates_only_what_changed(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    rows = [row(企业名称=f"企业{i}") for i in range(3)]
    rows[0]["统一社会信用代码"] = " " + rows[0]["统一社会信用代码"].lower()
    first = await client.post(URL, files=upload(workbook(rows)), headers=headers)
    assert first.status_code == 201, first.text
    job = first.json()
    assert (job["status"], job["created_count"], job["updated_count"], job["rows_total"]) == ("succeeded", 3, 0, 3)
    assert await count(session, county_code="654201") == 3
    stored = (await session.exec(select(Enterprise).where(Enterprise.name == "企业1"))).one()
    assert stored.risk_class == "B" and stored.key_product is True and stored.version == 1
    rows[0]["统一社会信用代码"] = rows[0]["统一社会信用代码"].strip().upper()
    rows[1]["联系电话"] = "13900000000"
    second = await client.post(URL, files=upload(workbook(rows)), headers=headers)
    counts = (second.json()["created_count"], second.json()["updated_count"], second.json()["unchanged_count"])
    assert counts == (0, 1, 2)
    await session.refresh(stored)
    assert stored.contact_phone == "13900000000" and stored.version == 2
    events = (await session.exec(select(AuditEvent).where(AuditEvent.action == "enterprise.import"))).all()
    assert len(events) == 2 and events[0].after["created"] == 3


async def test_a_dry_run_reports_without_writing(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.post(
        URL, params={"dry_run": "true"}, files=upload(workbook([row(), row()])), headers=headers
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["created_count"]) == ("validated", 2)
    assert await count(session) == 0


async def test_a_dry_run_counts_what_a_real_run_would_create_update_and_leave_unchanged(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    rows = [row(企业名称=f"企业{i}") for i in range(3)]
    assert (await client.post(URL, files=upload(workbook(rows)), headers=headers)).status_code == 201
    rows[1]["联系电话"] = "13900000000"
    rows.append(row(企业名称="新企业"))
    dry = await client.post(URL, params={"dry_run": "true"}, files=upload(workbook(rows)), headers=headers)
    assert dry.status_code == 200, dry.text
    body = dry.json()
    assert (body["created_count"], body["updated_count"], body["unchanged_count"]) == (1, 1, 2)
    assert await count(session) == 3  # nothing written
    changed = (await session.exec(select(Enterprise).where(Enterprise.name == "企业1"))).one()
    assert changed.contact_phone != "13900000000" and changed.version == 1
    real = await client.post(URL, files=upload(workbook(rows)), headers=headers)
    assert (real.json()["created_count"], real.json()["updated_count"], real.json()["unchanged_count"]) == (1, 1, 2)


async def test_every_kind_of_bad_row_is_named_by_row_and_column_and_nothing_is_written(client, session):
    theirs = await make_enterprise(session, county_code=WUSU)
    ours = await make_enterprise(session, risk_class="C")
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    good = row()
    duplicate = row(统一社会信用代码=good["统一社会信用代码"])
    code = new_credit_code()
    rows = [
        good,  # row 2
        row(统一社会信用代码=code[:-1] + ("0" if code[-1] != "0" else "1")),  # 3: check character
        row(企业名称=None),  # 4: required
        row(**{"所属县（市）": "北京市"}),  # 5: unknown county
        row(**{"所属县（市）": "乌苏市"}),  # 6: another county
        row(风险等级="E"),  # 7: not a class
        row(经营状态="倒闭"),  # 8: not a status
        row(重点行业="也许"),  # 9: not 是/否
        row(联系电话="call me"),  # 10: phone
        row(企业名称="长" * 129),  # 11: too long
        duplicate,  # 12: duplicate of row 2
        row(统一社会信用代码=theirs.credit_code),  # 13: registered in another county
        row(统一社会信用代码=ours.credit_code, 风险等级="A"),  # 14: county users do not classify
        row(统一社会信用代码=ours.credit_code.lower(), 风险等级="C"),  # 15: duplicate of 14 after normalising
    ]
    response = await client.post(URL, files=upload(workbook(rows)), headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    located = {(e["sheet_row"], e["loc"][2]) for e in problem["errors"]}
    assert all(e["loc"][1] == e["index"] == e["sheet_row"] - 2 for e in problem["errors"])
    assert all(e["loc"][0] == "rows" for e in problem["errors"])
    assert located == {
        (3, "credit_code"),
        (4, "name"),
        (5, "county_code"),
        (6, "county_code"),
        (7, "risk_class"),
        (8, "status"),
        (9, "key_industry"),
        (10, "contact_phone"),
        (11, "name"),
        (12, "credit_code"),
        (13, "credit_code"),
        (14, "risk_class"),
        (15, "credit_code"),
    }
    assert await count(session) == 2  # all or nothing: not even the good row 2
    job = (await client.get(response.headers["Location"], headers=headers)).json()
    assert job["status"] == "failed" and job["error_count"] == 13
    expected = {"sheet_row": 12, "index": 10, "column": "credit_code", "header": "统一社会信用代码"}
    assert expected.items() <= job["errors"][9].items()
    errors_file = await client.get(f"{response.headers['Location']}/errors", headers=headers)
    assert errors_file.status_code == 200
    ws = load_workbook(io.BytesIO(errors_file.content))["企业台账"]
    assert ws["B4"].fill.fgColor.rgb.endswith("FFC7CE") and "必填" in ws["B4"].comment.text
    assert ws["A2"].comment is None
    assert ws.cell(row=12, column=len(HEADERS) + 1).value.startswith("原表第12行：")
    assert "重复" in ws.cell(row=12, column=len(HEADERS) + 1).value


async def test_without_all_or_nothing_the_good_rows_are_written_and_the_bad_reported(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    rows = [row(), row(**{"所属县（市）": "乌苏市"}), row()]
    response = await client.post(URL, params={"all_or_nothing": "false"}, files=upload(workbook(rows)), headers=headers)
    assert response.status_code == 201
    assert (response.json()["created_count"], response.json()["error_count"]) == (2, 1)
    assert await count(session) == 2


async def test_a_script_pushes_json_and_a_retry_with_the_same_key_is_not_applied_twice(client, session):
    _, key = await make_service_account(session, ["enterprises:import"], county_code="654201")
    headers = {"X-API-Key": key, "Idempotency-Key": "push-2026-11-25-001"}
    body = [
        {"credit_code": new_credit_code(), "name": "甲厂", "county_code": "654201", "key_region": True},
        {"credit_code": new_credit_code(), "name": "乙厂", "county_code": "塔城市", "status": "停产"},
    ]
    first = await client.post(URL, json=body, headers=headers)
    assert first.status_code == 201, first.text
    retry = await client.post(URL, json=body, headers=headers)
    assert retry.status_code == 201 and retry.json()["id"] == first.json()["id"]
    assert await count(session) == 2
    events = (await session.exec(select(AuditEvent).where(AuditEvent.action == "enterprise.import"))).all()
    assert len(events) == 1
    other = await client.post(URL, json=body[:1], headers=headers)
    assert other.status_code == 422 and other.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    suspended = (await session.exec(select(Enterprise).where(Enterprise.name == "乙厂"))).one()
    assert suspended.status == "suspended"


async def test_a_retry_of_a_rejected_upload_returns_the_same_rejection(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    headers |= {"Idempotency-Key": "k-rejected"}
    body = [{"credit_code": "bad", "name": "甲", "county_code": "654201"}]
    first = await client.post(URL, json=body, headers=headers)
    second = await client.post(URL, json=body, headers=headers)
    assert first.status_code == second.status_code == 422
    assert first.json()["errors"] == second.json()["errors"]
    assert first.json()["errors"][0]["loc"][:2] == ["rows", 0]


async def test_a_row_with_a_nul_or_another_control_character_is_refused_at_its_cell(client, session):
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    for name in ("恒通\x00水泥", "恒通\x07水泥"):
        body = [{"credit_code": new_credit_code(), "name": name, "county_code": "654201"}]
        response = await client.post(URL, json=body, headers=headers)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["loc"] == ["rows", 0, "name"]
        assert "控制字符" in response.json()["errors"][0]["msg"]
    listing = await client.get("/api/v1/enterprises", params={"q": "恒通"}, headers=headers)
    assert listing.json()["total"] == 0


async def test_json_rows_with_unknown_fields_or_not_an_array_are_refused(client, session):
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    bad_field = await client.post(
        URL, json=[{"credit_code": new_credit_code(), "name": "x", "county_code": "654201", "pwd": 1}], headers=headers
    )
    assert bad_field.status_code == 422 and bad_field.json()["errors"][0]["loc"] == ["rows", 0, "row"]
    not_array = await client.post(URL, json={"name": "x"}, headers=headers)
    assert not_array.status_code == 422
    not_json = await client.post(URL, content=b"{oops", headers=headers | {"Content-Type": "application/json"})
    assert not_json.status_code == 422


async def test_a_sheet_with_the_wrong_headers_is_refused_with_the_columns_named(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    wrong = list(HEADERS)
    wrong[1] = "公司名"
    response = await client.post(URL, files=upload(workbook([row()], headers=wrong)), headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["body", "header_row", "B"], "code": "header_expected", "msg": "应为“企业名称”，实际为“公司名”"}
    ]


async def test_a_file_that_is_not_an_xlsx_is_refused_with_a_clear_message(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.post(URL, files=upload(b"name,code\n1,2\n", "台账.csv"), headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "file_is_not_valid_xlsx_workbook"
    broken_zip = await client.post(URL, files=upload(b"PK\x03\x04garbage"), headers=headers)
    assert broken_zip.status_code == 422


async def test_an_upload_over_the_size_limit_is_413(client, session, app):
    app.state.settings = app.state.settings.model_copy(update={"max_upload_bytes": 4096})
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.post(URL, files=upload(b"PK\x03\x04" + b"0" * 10_000), headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return out.getvalue()


async def test_a_zip_bomb_is_refused_before_parsing(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"\0" * 50_000_000})
    assert len(bomb) < 100_000
    response = await client.post(URL, files=upload(bomb), headers=headers)
    assert response.status_code == 413
    assert "疑似压缩炸弹" in response.json()["detail"]


async def test_an_xml_entity_bomb_is_refused(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    content = workbook([row()])
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    original = members["xl/workbook.xml"]
    members["xl/workbook.xml"] = laughs + (original.split(b"?>", 1)[1] if original.startswith(b"<?xml") else original)
    response = await client.post(URL, files=upload(_zip(members)), headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "workbook_dtd_refused"


async def test_a_large_upload_runs_as_a_job_that_reports_progress_and_result(client, session, app, monkeypatch):
    monkeypatch.setattr(submit, "SYNC_ROW_LIMIT", 3)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    body = [{"credit_code": new_credit_code(), "name": f"企业{i}", "county_code": "654201"} for i in range(10)]
    response = await client.post(URL, json=body, headers=headers)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending" and response.json()["rows_total"] == 10
    await run_queued_jobs(app, session)
    job = (await client.get(response.headers["Location"], headers=headers)).json()
    assert (job["status"], job["rows_processed"], job["created_count"]) == ("succeeded", 10, 10)
    assert await count(session) == 10


async def test_a_large_job_with_a_bad_row_writes_nothing(client, session, app, monkeypatch):
    monkeypatch.setattr(submit, "SYNC_ROW_LIMIT", 3)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    body = [{"credit_code": new_credit_code(), "name": f"企业{i}", "county_code": "654201"} for i in range(10)]
    body[7]["county_code"] = WUSU
    response = await client.post(URL, json=body, headers=headers)
    assert response.status_code == 202
    await run_queued_jobs(app, session)
    job = (await client.get(response.headers["Location"], headers=headers)).json()
    assert (job["status"], job["error_count"], job["errors"][0]["index"]) == ("failed", 1, 7)
    assert job["errors"][0]["sheet_row"] is None  # a JSON upload has no sheet rows
    assert await count(session) == 0


async def test_overlapping_uploads_upsert_by_credit_code(client, session):
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    codes = [new_credit_code() for _ in range(4)]
    first = [{"credit_code": c, "name": f"A{i}", "county_code": "654201"} for i, c in enumerate(codes[:3])]
    second = [{"credit_code": c, "name": f"B{i}", "county_code": "654202"} for i, c in enumerate(codes[1:])]
    assert (await client.post(URL, json=first, headers=headers)).status_code == 201
    answer = (await client.post(URL, json=second, headers=headers)).json()
    assert (answer["created_count"], answer["updated_count"]) == (1, 2)
    assert await count(session) == 4 and await count(session, county_code="654202") == 3


async def test_imports_are_for_admins_and_another_countys_job_is_not_found(client, session):
    _, inspector = await as_role(client, session, Role.COUNTY_INSPECTOR)
    assert (await client.post(URL, json=[], headers=inspector)).status_code == 403
    _, ours = await as_role(client, session, Role.COUNTY_ADMIN)
    done = await client.post(
        URL, json=[{"credit_code": new_credit_code(), "name": "x", "county_code": "654201"}], headers=ours
    )
    _, theirs = await as_role(client, session, Role.COUNTY_ADMIN, county_code=WUSU)
    assert (await client.get(done.headers["Location"], headers=theirs)).status_code == 404
    _, prefecture = await as_role(client, session, Role.PREFECTURE_ADMIN)
    assert (await client.get(done.headers["Location"], headers=prefecture)).status_code == 200
    assert (await client.get(f"{done.headers['Location']}/errors", headers=ours)).status_code == 404


async def test_a_large_workbook_is_counted_by_the_request_and_read_once_by_its_job(client, session, app, monkeypatch):
    monkeypatch.setattr(submit, "SYNC_ROW_LIMIT", 3)
    read, real_read = [], service.read_enterprise_rows
    monkeypatch.setattr(service, "read_enterprise_rows", lambda *a, **k: read.append(1) or real_read(*a, **k))
    scans, real_scan = [], enterprise_sheet.check_xlsx
    monkeypatch.setattr(enterprise_sheet, "check_xlsx", lambda *a, **k: scans.append(1) or real_scan(*a, **k))
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    rows = [row(**{"企业名称": f"塔城测试企业{i}"}) for i in range(6)]
    response = await client.post(URL, files=upload(workbook(rows)), headers=headers)
    assert response.status_code == 202, response.text
    assert response.json()["rows_total"] == 6 and read == []
    await run_queued_jobs(app, session)
    job = (await client.get(response.headers["Location"], headers=headers)).json()
    assert (job["status"], job["rows_total"], job["created_count"]) == ("succeeded", 6, 6)
    assert read == [1]
    assert scans == [1]  # the request scanned the bytes it kept; the job reads them without a second scan


async def test_a_large_workbook_with_the_wrong_headers_fails_as_a_job_naming_the_columns(
    client, session, app, monkeypatch
):
    monkeypatch.setattr(submit, "SYNC_ROW_LIMIT", 3)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    wrong = list(HEADERS)
    wrong[1] = "公司名"
    rows = [row() for _ in range(6)]
    response = await client.post(URL, files=upload(workbook(rows, headers=wrong)), headers=headers)
    assert response.status_code == 202
    await run_queued_jobs(app, session)
    job = (await client.get(response.headers["Location"], headers=headers)).json()
    assert (job["status"], job["created_count"], job["error_count"]) == ("failed", 0, 1)
    assert "企业名称" in job["errors"][0]["msg"] and job["errors"][0]["code"] == "header_expected"
    assert (job["errors"][0]["sheet_row"], job["errors"][0]["index"]) == (1, None)
    assert await count(session) == 0


async def _enterprise_indexes(session) -> list[str]:
    found = await session.exec(text("SELECT indexdef FROM pg_indexes WHERE tablename = 'enterprise' ORDER BY 1"))
    return [r[0] for r in found.all()]


@pytest.mark.postgres_only
async def test_a_bulk_load_builds_the_secondary_indexes_once_and_leaves_every_one_in_place(
    client, session, monkeypatch
):
    monkeypatch.setattr(apply, "DEFER_INDEXES_MIN_ROWS", 3)
    dropped = []
    real_defer = apply.defer_secondary_indexes

    async def spy(*args, **kwargs):  # noqa: ANN002, ANN003
        dropped.append(await real_defer(*args, **kwargs))
        return dropped[-1]

    monkeypatch.setattr(service, "defer_secondary_indexes", spy)
    before = await _enterprise_indexes(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    rows = [row(**{"企业名称": f"塔城批量企业{i}"}) for i in range(5)]
    response = await client.post(URL, files=upload(workbook(rows)), headers=headers)
    assert response.status_code == 201, response.text
    assert len(dropped[0]) >= 4  # name, trigram, list, dates: dropped for the load
    assert await _enterprise_indexes(session) == before
    listed = await client.get("/api/v1/enterprises", params={"q": "批量企业"}, headers=headers)
    assert listed.json()["total"] == 5


@pytest.mark.postgres_only
async def test_a_rejected_bulk_load_leaves_the_indexes_as_they_were(client, session, monkeypatch):
    monkeypatch.setattr(apply, "DEFER_INDEXES_MIN_ROWS", 3)
    before = await _enterprise_indexes(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    rows = [row() for _ in range(5)]
    rows[2]["所属县（市）"] = "火星市"
    response = await client.post(URL, files=upload(workbook(rows)), headers=headers)
    assert response.status_code == 422
    assert await _enterprise_indexes(session) == before
    assert await count(session) == 0


@pytest.mark.postgres_only
async def test_an_enterprise_written_between_the_lookup_and_the_write_is_updated_not_refused(
    client, session, monkeypatch
):
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    meanwhile = await make_enterprise(session, name="旧名称企业")
    real_lookup = service.existing_by_code

    async def blind(session, codes):  # noqa: ANN001, ANN202  (the lookup ran before `meanwhile` was written)
        found = await real_lookup(session, codes)
        return {code: e for code, e in found.items() if code != meanwhile.credit_code}

    monkeypatch.setattr(service, "existing_by_code", blind)
    rows = [row(), row(**{"统一社会信用代码": meanwhile.credit_code, "企业名称": "新名称企业"})]
    response = await client.post(URL, files=upload(workbook(rows)), headers=headers)
    assert response.status_code == 201, response.text
    assert (response.json()["created_count"], response.json()["updated_count"]) == (1, 1)
    await session.refresh(meanwhile)
    assert meanwhile.name == "新名称企业" and await count(session) == 2
