"""Errors a UI can show: every representative error, asked in Chinese and in English, answers with a stable problem
code and item codes, a `loc` that starts where the problem is, and title, detail and messages in the language the
caller asked for (Content-Language says which)."""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from app.core.messages import en, zh_cn
from app.domain.permissions import Role
from tests.api.test_enterprise_imports import row, upload, workbook
from tests.builders import PASSWORD, TACHENG, WUSU, as_role, make_enterprise, make_user, new_credit_code

pytestmark = pytest.mark.anyio

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ENTERPRISES = "/api/v1/enterprises"
IMPORTS = "/api/v1/enterprise-imports"
ASKED = {"zh-CN": {}, "en": {"Accept-Language": "fr;q=0.9, en;q=0.8, zh-CN;q=0.2"}}
"""Chinese is what a caller gets without asking; English is asked for with q-values around it."""


def _enterprise(**overrides: Any) -> dict[str, Any]:
    return {"credit_code": new_credit_code(), "name": "测试机械厂", "county_code": TACHENG} | overrides


@dataclass(frozen=True)
class Case:
    status: int
    code: str
    item: tuple[str, list[str | int]] | None
    """The first error item's code and the start of its loc (None: the problem has no items)."""
    send: Callable[[httpx.AsyncClient, Any, Any, dict[str, str]], Awaitable[httpx.Response]]


async def _framework_body(client, session, app, lang):  # noqa: ANN001, ANN202
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    body = {"credit_code": new_credit_code(), "county_code": TACHENG}
    return await client.post(ENTERPRISES, json=body, headers=headers | lang)


async def _framework_query(client, session, app, lang):  # noqa: ANN001, ANN202
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    return await client.get(f"{ENTERPRISES}/{enterprise.id}/class-suggestion?year=1", headers=headers | lang)


async def _framework_path(client, session, app, lang):  # noqa: ANN001, ANN202
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    return await client.get(f"{ENTERPRISES}/not-a-uuid", headers=headers | lang)


async def _rule(client, session, app, lang):  # noqa: ANN001, ANN202
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    code = new_credit_code()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    return await client.post(ENTERPRISES, json=_enterprise(credit_code=wrong), headers=headers | lang)


async def _not_found(client, session, app, lang):  # noqa: ANN001, ANN202
    theirs = await make_enterprise(session, county_code=WUSU)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    return await client.get(f"{ENTERPRISES}/{theirs.id}", headers=headers | lang)


async def _conflict(client, session, app, lang):  # noqa: ANN001, ANN202
    ours = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    return await client.post(ENTERPRISES, json=_enterprise(credit_code=ours.credit_code), headers=headers | lang)


async def _stale(client, session, app, lang):  # noqa: ANN001, ANN202
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    etag = (await client.get(f"{ENTERPRISES}/{enterprise.id}", headers=headers)).headers["ETag"]
    await client.patch(f"{ENTERPRISES}/{enterprise.id}", json={"name": "甲"}, headers=headers | {"If-Match": etag})
    return await client.patch(
        f"{ENTERPRISES}/{enterprise.id}", json={"name": "乙"}, headers=headers | {"If-Match": etag} | lang
    )


async def _unauthenticated(client, session, app, lang):  # noqa: ANN001, ANN202
    return await client.get(ENTERPRISES, headers=lang)


async def _forbidden(client, session, app, lang):  # noqa: ANN001, ANN202
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR)
    return await client.post(ENTERPRISES, json=_enterprise(), headers=headers | lang)


async def _too_large(client, session, app, lang):  # noqa: ANN001, ANN202
    limit = app.state.settings.max_json_bytes
    headers = {"Content-Type": "application/json", "Content-Length": str(limit + 1)}
    return await client.post(ENTERPRISES, content=b" " * (limit + 1), headers=headers | lang)


async def _unsupported(client, session, app, lang):  # noqa: ANN001, ANN202
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    return await client.post(IMPORTS, content=b"a,b", headers=headers | {"Content-Type": "text/csv"} | lang)


async def _rate_limited(client, session, app, lang):  # noqa: ANN001, ANN202
    app.state.settings = app.state.settings.model_copy(update={"login_rate_limit": "1/minute"})
    user = await make_user(session)
    form = {"username": user.username, "password": PASSWORD}
    await client.post("/api/v1/auth/token", data=form)
    return await client.post("/api/v1/auth/token", data=form, headers=lang)


async def _json_rows(client, session, app, lang):  # noqa: ANN001, ANN202
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    rows = [_enterprise(), _enterprise(credit_code="91654201MA000000X0")]
    return await client.post(IMPORTS, json=rows, headers=headers | lang)


async def _sheet_rows(client, session, app, lang):  # noqa: ANN001, ANN202
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    content = workbook([row(), row(统一社会信用代码="91654201MA000000X0")])
    return await client.post(IMPORTS, files=upload(content), headers=headers | lang)


CASES = {
    "framework 422 at a body field": Case(422, "validation_error", ("missing", ["body", "name"]), _framework_body),
    "framework 422 at a query parameter": Case(
        422, "validation_error", ("greater_than_equal", ["query", "year"]), _framework_query
    ),
    "framework 422 at a path parameter": Case(
        422, "validation_error", ("uuid_parsing", ["path", "enterprise_id"]), _framework_path
    ),
    "a rule of the plan broken by a body field": Case(
        422, "rule_violation", ("credit_code_check_character", ["body", "credit_code"]), _rule
    ),
    "another county's record": Case(404, "not_found", None, _not_found),
    "a duplicate": Case(409, "conflict", None, _conflict),
    "a stale If-Match": Case(412, "precondition_failed", None, _stale),
    "no credentials": Case(401, "unauthorized", None, _unauthenticated),
    "a missing permission": Case(403, "forbidden", None, _forbidden),
    "a body over the limit": Case(413, "payload_too_large", None, _too_large),
    "an upload of another media type": Case(
        415, "unsupported_media_type", ("unsupported_content_type", ["header", "Content-Type"]), _unsupported
    ),
    "too many sign-ins": Case(429, "too_many_requests", None, _rate_limited),
    "a bad row of a JSON import": Case(
        422, "import_rejected", ("credit_code_check_character", ["rows", 1, "credit_code"]), _json_rows
    ),
    "a bad row of a sheet import": Case(
        422, "import_rejected", ("credit_code_check_character", ["rows", 1, "credit_code"]), _sheet_rows
    ),
}


@pytest.mark.parametrize("language", ["zh-CN", "en"])
@pytest.mark.parametrize("name", list(CASES))
async def test_every_error_has_a_code_a_located_item_and_words_in_the_asked_language(
    client, session, app, name, language
):
    case = CASES[name]
    response = await case.send(client, session, app, ASKED[language])
    assert response.status_code == case.status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["content-language"] == language
    problem = response.json()
    assert problem["code"] == case.code and problem["status"] == case.status
    assert problem["type"].endswith("/" + case.code.replace("_", "-"))
    catalogue = zh_cn if language == "zh-CN" else en
    assert problem["title"] == catalogue.TITLES[case.code]
    words = [problem["title"], problem["detail"], *(e["msg"] for e in problem.get("errors", []))]
    for said in words:
        assert bool(CHINESE.search(said)) is (language == "zh-CN"), said
        assert not re.search(r"[\u4e00-\u9fff].*\([A-Za-z][^()]*\)$", said), said  # no "中文 (English)" left
    for item in problem.get("errors", []):
        assert item["loc"][0] in ("body", "query", "path", "header", "rows"), item
    if case.item is not None:
        code, loc = case.item
        first = problem["errors"][0]
        assert first["code"] == code and first["loc"][: len(loc)] == loc, first


async def test_an_import_row_says_its_sheet_row_and_its_index_for_a_sheet_and_for_json(client, session, app):
    json_problem = (await _json_rows(client, session, app, {})).json()
    sheet_problem = (await _sheet_rows(client, session, app, {})).json()
    [json_error] = json_problem["errors"]
    [sheet_error] = sheet_problem["errors"]
    assert json_error["index"] == 1 and json_error["sheet_row"] is None
    assert sheet_error["index"] == 1 and sheet_error["sheet_row"] == 3  # header on row 1, the second data row on 3


async def test_the_job_of_a_rejected_import_keeps_codes_and_words_them_in_the_readers_language(client, session, app):
    rejected = await _json_rows(client, session, app, {})
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    location = rejected.headers["Location"]
    chinese = (await client.get(location, headers=headers)).json()
    english = (await client.get(location, headers=headers | {"Accept-Language": "en"})).json()
    [zh_row] = chinese["errors"]
    [en_row] = english["errors"]
    assert zh_row["code"] == en_row["code"] == "credit_code_check_character"
    assert (zh_row["sheet_row"], zh_row["index"], zh_row["column"]) == (None, 1, "credit_code")
    assert CHINESE.search(zh_row["msg"]) and not CHINESE.search(en_row["msg"])
    assert chinese["detail"] == "1处错误，未写入任何数据" and english["detail"] == "1 problem(s): nothing was written"


async def test_the_other_countys_import_job_is_not_found_in_either_language(client, session, app):
    rejected = await _json_rows(client, session, app, {})
    _, theirs = await as_role(client, session, Role.COUNTY_ADMIN, county_code=WUSU)
    for lang in ASKED.values():
        response = await client.get(rejected.headers["Location"], headers=theirs | lang)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
