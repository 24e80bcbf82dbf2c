"""One page shape for every list: the contract says so for every list operation, keyset lists see each row once
while rows are inserted between pages, and a cursor that is altered or belongs to another list is a 422."""

import base64
import json
import random
import uuid
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.domain.permissions import Role
from tests.builders import TACHENG, WUSU, as_role, make_enterprise, make_finding_record, make_visit_record

pytestmark = pytest.mark.anyio
CONTRACT = json.loads((Path(__file__).parents[2] / "openapi" / "openapi.json").read_text())
PAGE_FIELDS = {"items", "limit", "has_more", "next", "total", "offset", "cursor"}
ALWAYS_GIVEN = {"items", "limit", "has_more", "next", "total"}
NOT_LISTS = {  # operations whose answer holds rows but is one document, not a list to page through
    "enterprises-read_enterprise_timeline": "one enterprise's story, newest first, cut at `limit`",
    "reports-list_reports": "the year's report overview: a fixed table of periods × counties",
}


def _schema(ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    ref = ref_or_schema.get("$ref")
    return CONTRACT["components"]["schemas"][ref.split("/")[-1]] if ref else ref_or_schema


def _json_200(operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation["responses"].get("200", {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def list_operations() -> list[tuple[str, dict[str, Any]]]:
    """Every GET whose answer is rows: an array, an object with an `items` array, or an operation named a list."""
    found = []
    for path, operations in CONTRACT["paths"].items():
        get = operations.get("get")
        schema = _json_200(get) if get else None
        if schema is None or get["operationId"] in NOT_LISTS:
            continue
        resolved = _schema(schema)
        named = "-list_" in get["operationId"]
        if named or resolved.get("type") == "array" or "items" in resolved.get("properties", {}):
            found.append((path, get))
    return found


def test_every_list_operation_answers_the_one_page_schema() -> None:
    operations = list_operations()
    assert len(operations) >= 27, [p for p, _ in operations]
    wrong = {}
    for path, get in operations:
        page = _schema(_json_200(get) or {})
        properties, required = page.get("properties", {}), set(page.get("required", []))
        if not PAGE_FIELDS <= set(properties) or not ALWAYS_GIVEN <= required:
            wrong[path] = sorted(properties)
            continue
        if properties["items"].get("type") != "array" or properties["has_more"].get("type") != "boolean":
            wrong[path] = "items is not an array or has_more not a boolean"
        query = {p["name"] for p in get.get("parameters", []) if p["in"] == "query"}
        if "limit" not in query or not query & {"offset", "cursor"}:
            wrong[path] = f"pages by neither offset nor cursor: {sorted(query)}"
    assert not wrong, wrong


def test_the_lists_that_grow_page_by_cursor_and_count_only_when_asked() -> None:
    keyset = {path for path, get in list_operations() if "cursor" in {p["name"] for p in get["parameters"]}}
    assert keyset == {"/api/v1/enterprises", "/api/v1/visits", "/api/v1/findings", "/api/v1/audit-events",
                      "/api/v1/events"}  # fmt: skip
    for path in keyset - {"/api/v1/events"}:
        parameters = {p["name"] for p in CONTRACT["paths"][path]["get"]["parameters"]}
        assert "total" in parameters and "offset" not in parameters, path


# --- keyset walks --------------------------------------------------------------------------------------------


async def walk(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], params: dict[str, Any],
    between: Callable[[], Awaitable[None]],
) -> list[str]:  # fmt: skip
    """Every id `next` leads to, calling `between` after each page."""
    ids: list[str] = []
    response = await client.get(url, params=params, headers=headers)
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= params["limit"] and page["offset"] is None
        assert page["has_more"] == (page["next"] is not None) == (page["cursor"] is not None)
        ids += [item["id"] for item in page["items"]]
        if page["next"] is None:
            return ids
        await between()
        response = await client.get(page["next"], headers=headers)


RANDOM = random.Random(16)


def _day() -> date:
    return date(2026, 1, 1) + timedelta(days=RANDOM.randrange(300))


async def _enterprise(session: Any, county: str = TACHENG) -> Any:
    return await make_enterprise(
        session, county_code=county, name=f"企业{uuid.uuid4().hex[:6]}", risk_class=RANDOM.choice("ABCD")
    )


async def _visit(session: Any, county: str = TACHENG) -> Any:
    return await make_visit_record(session, await _enterprise(session, county), _day())


async def _finding(session: Any, county: str = TACHENG) -> Any:
    day = _day()
    return await make_finding_record(session, await _visit(session, county), day, day + timedelta(RANDOM.randrange(9)))


LISTS = {
    "enterprises by name": ("/api/v1/enterprises", {"sort": "name"}, _enterprise),
    "enterprises by class, downwards": ("/api/v1/enterprises", {"sort": "-risk_class"}, _enterprise),
    "enterprises newest change first": ("/api/v1/enterprises", {"sort": "-updated_at"}, _enterprise),
    "visits": ("/api/v1/visits", {}, _visit),
    "findings": ("/api/v1/findings", {}, _finding),
}


@pytest.mark.parametrize("name", sorted(LISTS))
async def test_a_keyset_walk_sees_every_row_that_existed_at_the_start_once_while_rows_are_inserted(
    client, session, name
):
    url, params, make = LISTS[name]
    before = {str((await make(session)).id) for _ in range(9)}
    other_county = {str((await make(session, WUSU)).id) for _ in range(3)}
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    inserted: set[str] = set()

    async def insert_two() -> None:
        inserted.update({str((await make(session)).id) for _ in range(2)})

    seen = await walk(client, url, headers, params | {"limit": 2}, insert_two)
    assert len(seen) == len(set(seen)), "a row came twice"
    assert before <= set(seen), f"rows that existed at the start were skipped: {before - set(seen)}"
    assert set(seen) <= before | inserted and not set(seen) & other_county


async def test_a_keyset_list_counts_only_when_asked_or_when_one_page_holds_everything(client, session):
    for _ in range(3):
        await _visit(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    first = (await client.get("/api/v1/visits", params={"limit": 2}, headers=headers)).json()
    counted = (await client.get("/api/v1/visits", params={"limit": 2, "total": "true"}, headers=headers)).json()
    whole = (await client.get("/api/v1/visits", params={"limit": 5}, headers=headers)).json()
    assert (first["total"], counted["total"], whole["total"]) == (None, 3, 3)
    assert "total=true" in counted["next"] and "limit=2" in counted["next"]
    last = (await client.get(counted["next"], headers=headers)).json()
    assert (len(last["items"]), last["has_more"], last["next"], last["total"]) == (1, False, None, 3)


async def test_an_offset_list_links_its_next_page_with_every_parameter_kept(client, session):
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    for _ in range(3):
        await as_role(client, session, Role.COUNTY_INSPECTOR, WUSU)
    params = {"county_code": WUSU, "role": "county_inspector", "limit": 2}
    first = (await client.get("/api/v1/users", params=params, headers=headers)).json()
    assert (first["total"], first["offset"], first["cursor"], first["has_more"]) == (3, 0, None, True)
    assert first["next"].startswith("/api/v1/users?") and "county_code=654202" in first["next"]
    second = (await client.get(first["next"], headers=headers)).json()
    assert (len(second["items"]), second["offset"], second["next"]) == (1, 2, None)
    assert {u["county_code"] for u in first["items"] + second["items"]} == {WUSU}


# --- cursors that are not this list's ------------------------------------------------------------------------


def _flip(cursor: str) -> str:
    middle = len(cursor) // 2
    return cursor[:middle] + ("A" if cursor[middle] != "A" else "B") + cursor[middle + 1 :]


def _unsigned(path: str, key: list[Any]) -> str:
    payload = json.dumps([path, key]).encode()
    return base64.urlsafe_b64encode(b"\0" * 12 + payload).decode().rstrip("=")


async def _cursor(client: httpx.AsyncClient, url: str, headers: dict[str, str], **params: Any) -> str:
    page = (await client.get(url, params={"limit": 1, **params}, headers=headers)).json()
    assert page["cursor"], page
    return page["cursor"]


async def test_an_altered_foreign_or_made_up_cursor_is_a_422_at_the_cursor(client, session):
    for _ in range(2):
        await _finding(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    visits = await _cursor(client, "/api/v1/visits", headers)
    by_name = await _cursor(client, "/api/v1/enterprises", headers, sort="name")
    _, auditor = await as_role(client, session, Role.AUDIT_ADMIN)
    cases = [
        ("/api/v1/visits", {"cursor": _flip(visits)}),
        ("/api/v1/visits", {"cursor": visits[:-3]}),
        ("/api/v1/findings", {"cursor": visits}),  # another list's
        ("/api/v1/enterprises", {"cursor": by_name, "sort": "credit_code"}),  # made under another sort
        ("/api/v1/enterprises", {"cursor": _unsigned("/api/v1/enterprises", ["name", "甲", str(uuid.uuid4())])}),
        ("/api/v1/audit-events", {"cursor": "!!!"}, auditor),
        ("/api/v1/audit-events", {"cursor": visits}, auditor),
        ("/api/v1/events", {"cursor": "e30"}),
        ("/api/v1/findings", {"cursor": ""}),
    ]
    for url, params, *caller in cases:
        response = await client.get(url, params=params, headers=caller[0] if caller else headers)
        assert response.status_code == 422, (url, params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["loc"] == ["query", "cursor"], response.text


async def test_a_cursor_reveals_nothing_of_another_county(client, session):
    """A cursor only says where to continue: the next page is still the caller's county alone."""
    for county in (TACHENG, TACHENG, WUSU, WUSU):
        await _visit(session, county)
    _, prefecture = await as_role(client, session, Role.PREFECTURE_ADMIN)
    _, county = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    cursor = await _cursor(client, "/api/v1/visits", county)
    page = (await client.get("/api/v1/visits", params={"cursor": cursor}, headers=county)).json()
    assert {v["county_code"] for v in page["items"]} == {TACHENG}
    wusu = (await client.get("/api/v1/visits", params={"county_code": WUSU}, headers=prefecture)).json()
    other = wusu["items"][0]["id"]
    assert (await client.get(f"/api/v1/visits/{other}", headers=county)).status_code == 404
