"""Hostile uploads (tests/hostile/): each is answered with a 4xx and a clear message and changes nothing; benign
oddities (full-width digits, formulas, dates, text that looks like a formula) are normalised, never run.
Exported workbooks neutralise formula injection (= + - @ at the start of a cell)."""

import time
from io import BytesIO
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlmodel import func, select

from app.domain.permissions import Role
from app.models import Attachment, Enterprise, EnterpriseImport
from app.xlsx.enterprise_columns import HEADERS
from tests.builders import (
    archived_visit,
    as_role,
    make_enterprise,
    make_inspectors,
    make_issued_plan,
    new_credit_code,
    visit_body,
)
from tests.hostile import CORPUS, PNG, XLSX_TYPE, DateCell, Formula, ledger_row, xlsx

pytestmark = pytest.mark.anyio

URL = "/api/v1/enterprise-imports"
SLOW = 30.0  # seconds: a hostile file must be refused, not chewed on
INJECTIONS = ('=HYPERLINK("http://evil.example/","点我")', "+1+1", "-2+3", "@SUM(A1:A9)", "=cmd|' /C calc'!A0")
BUGS: dict[str, str] = {}
"""Known bugs, kept as strict xfails until fixed (the DTD scan of parts not named .xml was fixed in safety.py)."""


async def _count(session: Any, model: Any) -> int:
    return (await session.exec(select(func.count()).select_from(model))).one()


def _text(problem: dict[str, Any]) -> str:
    return " ".join([problem.get("detail") or "", problem.get("title") or ""] + [e["msg"] for e in problem["errors"]])


def _params() -> list[Any]:
    out = []
    for name in CORPUS:
        marks = [pytest.mark.xfail(strict=True, reason=BUGS[name])] if name in BUGS else []
        out.append(pytest.param(name, id=name, marks=marks))
    return out


@pytest.mark.parametrize("name", _params())
async def test_a_hostile_workbook_is_refused_with_a_clear_message_and_nothing_applied(client, session, name):
    hostile = CORPUS[name]
    content = hostile.build()
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    before = await _count(session, Enterprise), await _count(session, EnterpriseImport)
    started = time.perf_counter()
    response = await client.post(URL, files={"file": (hostile.filename, content, XLSX_TYPE)}, headers=headers)
    elapsed = time.perf_counter() - started
    assert response.status_code in hostile.statuses, f"{name}: {response.status_code} {response.text[:400]}"
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["detail"], "a clear message"
    if hostile.message:
        assert hostile.message in _text(problem), problem
    assert (await _count(session, Enterprise), await _count(session, EnterpriseImport)) == before, "nothing applied"
    assert elapsed < SLOW, f"{name}: took {elapsed:.1f}s to refuse"


@pytest.mark.parametrize("name", [n for n, h in CORPUS.items() if h.attachment])
async def test_a_hostile_file_is_refused_as_a_visit_attachment(client, session, name):
    hostile = CORPUS[name]
    admin, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    enterprise = await make_enterprise(session)
    visit = await archived_visit(client, headers, visit_body(enterprise, await make_inspectors(session)))
    before = await _count(session, Attachment)
    response = await client.post(
        f"/api/v1/visits/{visit['id']}/attachments",
        files={"file": (hostile.filename, hostile.build(), XLSX_TYPE)},
        headers=headers,
    )
    assert 400 <= response.status_code < 500, f"{name}: {response.status_code} {response.text[:300]}"
    assert response.json()["detail"]
    assert await _count(session, Attachment) == before


async def test_the_same_bytes_as_a_raw_xlsx_body_are_refused_too(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    for name in ("billion laughs in the sheet", "a PNG renamed .xlsx", "zip bomb with lying headers"):
        response = await client.post(URL, content=CORPUS[name].build(), headers=headers | {"Content-Type": XLSX_TYPE})
        assert 400 <= response.status_code < 500, f"{name}: {response.status_code} {response.text[:300]}"


# --- benign oddities: normalised, never executed -------------------------------------------------------------


async def _import(client, session, rows: list[list[Any]], **kwargs: Any) -> Any:
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    content = xlsx([HEADERS, *rows], **kwargs)
    return await client.post(URL, files={"file": ("ledger.xlsx", content, XLSX_TYPE)}, headers=headers)


async def _stored(session, code: str) -> Enterprise | None:
    session.expire_all()
    return (await session.exec(select(Enterprise).where(Enterprise.credit_code == code))).first()


async def test_full_width_digits_and_spaces_in_a_credit_code_are_normalised(client, session):
    code = new_credit_code()
    full_width = " " + "".join(chr(ord(c) + 0xFEE0) if c.isalnum() else c for c in code) + "　"
    response = await _import(client, session, [ledger_row(full_width, "全角代码有限公司")])
    assert response.status_code in (200, 201), response.text
    stored = await _stored(session, code)
    assert stored is not None and stored.name == "全角代码有限公司"


async def test_a_formula_in_a_cell_is_read_as_its_value_never_kept_as_a_formula(client, session):
    code = new_credit_code()
    row = ledger_row(code, Formula('HYPERLINK("http://evil.example/","公式企业")', "公式企业"))
    row[HEADERS.index("生产地址")] = Formula("1+1", "2")
    response = await _import(client, session, [row])
    assert response.status_code in (200, 201, 422), response.text
    stored = await _stored(session, code)
    if response.status_code == 422:
        assert stored is None and response.json()["errors"]
        return
    assert stored is not None and stored.name == "公式企业" and stored.address == "2"


async def test_text_that_looks_like_a_formula_is_kept_as_text_and_neutralised_on_export(client, session):
    code = new_credit_code()
    response = await _import(client, session, [ledger_row(code, "=1+2", 生产地址="@SUM(A1)")])
    assert response.status_code in (200, 201, 422), response.text
    if response.status_code != 422:
        stored = await _stored(session, code)
        assert stored is not None and stored.name == "=1+2"  # text, as typed: only the export must defuse it


async def test_dates_typed_into_text_columns_are_text_or_a_clear_row_error(client, session):
    code = new_credit_code()
    row = ledger_row(code, "日期企业", 生产地址=DateCell(46082), 法定代表人="2026-03-01", 联系电话=DateCell(46082))
    response = await _import(client, session, [row])
    assert response.status_code in (200, 201, 422), response.text
    if response.status_code == 422:
        assert all(e["loc"][0] == "rows" for e in response.json()["errors"]), response.text
        assert await _stored(session, code) is None
    else:
        stored = await _stored(session, code)
        assert stored is not None and stored.legal_representative == "2026-03-01"
        assert stored.address and "2026" in stored.address, stored.address


# --- exports neutralise formula injection ----------------------------------------------------------------------


def _unsafe_cells(content: bytes) -> list[str]:
    book = load_workbook(BytesIO(content))
    bad = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (
                    isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@"))
                ):
                    bad.append(f"{sheet.title}!{cell.coordinate}={cell.value!r}")
    return bad


async def _poisoned(session) -> Enterprise:
    return await make_enterprise(
        session,
        name=INJECTIONS[0],
        address=INJECTIONS[1],
        legal_representative=INJECTIONS[2],
        industry=INJECTIONS[3],
        main_products=INJECTIONS[4],
        contact_person="=A1",
    )


async def test_the_enterprise_export_neutralises_formula_injection(client, session):
    await _poisoned(session)
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    response = await client.get("/api/v1/enterprises/export", headers=headers)
    assert response.status_code == 200, response.text
    assert not _unsafe_cells(response.content)
    text = [c.value for s in load_workbook(BytesIO(response.content)).worksheets for r in s.iter_rows() for c in r]
    assert "'" + INJECTIONS[0] in text, "kept, as quoted text"


async def test_the_plan_export_neutralises_formula_injection(client, session):
    enterprise = await _poisoned(session)
    plan = await make_issued_plan(session, 2026, [(enterprise, 2)])
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    response = await client.get(f"/api/v1/plans/{plan.id}/export", headers=headers)
    assert response.status_code == 200, response.text
    assert not _unsafe_cells(response.content)


async def test_the_record_form_neutralises_formula_injection(client, session):
    enterprise = await _poisoned(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    body = visit_body(enterprise, await make_inspectors(session), representative_name="=A1", notes="+SUM(1)")
    visit = await archived_visit(client, headers, body)
    response = await client.get(f"/api/v1/visits/{visit['id']}/record-form", headers=headers)
    assert response.status_code == 200, response.text
    assert not _unsafe_cells(response.content)


def test_the_corpus_is_built_in_code() -> None:
    assert len(CORPUS) >= 12 and PNG.startswith(b"\x89PNG")
