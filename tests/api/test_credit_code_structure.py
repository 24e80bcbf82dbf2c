"""Issue 13 item 7 at the API: a credit code whose check character fits but whose structure does not (positions
3–8 not the six-digit division, positions 1–2 not a registration authority and its category) is refused where it
is typed (POST/PATCH /enterprises) and where it is uploaded (the import), located and in Chinese."""

import importlib.util
import random
from pathlib import Path

import pytest

from app.domain.credit_code import is_valid_credit_code, make_credit_code
from app.domain.permissions import Role
from tests.api.test_enterprise_imports import row, upload, workbook
from tests.builders import as_role, make_enterprise, new_credit_code

pytestmark = pytest.mark.anyio
DIVISION_NOT_DIGITS = make_credit_code("91ABCDEFMA0000001")  # check character right, 3–8 letters
NO_SUCH_CATEGORY = make_credit_code("95654201MA0000001")  # 9 工商 has categories 1, 2, 3 only
NO_SUCH_AUTHORITY = make_credit_code("B1654201MA0000001")  # no registration authority B
CASES = [
    (DIVISION_NOT_DIGITS, "第3-8位登记管理机关行政区划码“ABCDEF”应为6位数字"),
    (NO_SUCH_CATEGORY, "第2位机构类别代码“5”不是登记管理部门“工商”"),
    (NO_SUCH_AUTHORITY, "第1位登记管理部门代码“B”不存在"),
]


def enterprise_body(code: str) -> dict[str, str]:
    return {"credit_code": code, "name": "塔城市结构测试有限公司", "county_code": "654201"}


@pytest.mark.parametrize(("code", "message"), CASES)
async def test_a_structurally_wrong_code_is_refused_at_its_field_when_an_enterprise_is_created(
    client, session, code, message
):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.post("/api/v1/enterprises", json=enterprise_body(code), headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    [error] = response.json()["errors"]
    assert error["loc"] == ["body", "credit_code"] and message in error["msg"]


async def test_a_structurally_wrong_code_is_refused_when_an_enterprise_is_corrected(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    response = await client.patch(
        f"/api/v1/enterprises/{enterprise.id}", json={"credit_code": DIVISION_NOT_DIGITS}, headers=headers
    )
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [["body", "credit_code"]]


async def test_every_structurally_wrong_row_of_a_json_import_is_named_by_row_and_nothing_is_written(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    rows = [enterprise_body(new_credit_code())] + [enterprise_body(code) for code, _ in CASES]
    response = await client.post("/api/v1/enterprise-imports", json=rows, headers=headers)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["loc"] for e in errors] == [["rows", n, "credit_code"] for n in (1, 2, 3)]
    assert all(message in e["msg"] for e, (_, message) in zip(errors, CASES, strict=True))


async def test_a_structurally_wrong_code_in_a_workbook_is_named_by_its_sheet_row(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    book = workbook([row(), row(统一社会信用代码=NO_SUCH_CATEGORY, 企业名称="乙厂")])
    response = await client.post("/api/v1/enterprise-imports", files=upload(book), headers=headers)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["loc"] == ["rows", 1, "credit_code"] and "第2位机构类别代码" in error["msg"]
    assert (error["sheet_row"], error["index"], error["code"]) == (3, 1, "credit_code_category")


def test_the_codes_the_tests_make_are_structurally_valid():
    assert all(is_valid_credit_code(new_credit_code()) for _ in range(200))


def test_the_codes_the_bench_generator_makes_are_structurally_valid():
    path = Path(__file__).resolve().parents[2] / "bench" / "generate_enterprises.py"
    spec = importlib.util.spec_from_file_location("generate_enterprises", path)
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    codes = generator._credit_codes(2000, random.Random(7))
    assert all(is_valid_credit_code(code) for code, _ in codes)
