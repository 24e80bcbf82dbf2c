"""The enterprise read and list, served lean, answer exactly what FastAPI's full handler answers: the same status,
headers and body for every caller and every input, the caller worked out on every request."""

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import fastapi.routing
import httpx
import pytest

from app.core import lean
from app.domain.permissions import Role
from tests.builders import TACHENG, WUSU, as_role, make_enterprise, make_service_account

pytestmark = pytest.mark.anyio
URL = "/api/v1/enterprises"
VARYING = {"x-request-id", "date"}


def _never_called() -> None:  # an override that forces the full handler and changes nothing else
    raise AssertionError


def _shape(response: httpx.Response) -> tuple[int, dict[str, str], Any]:
    headers = {k: v for k, v in response.headers.items() if k not in VARYING}
    if response.headers.get("content-type", "").endswith("json"):
        body = response.json()
        if isinstance(body, dict):
            body.pop("as_of", None)  # the list's moment of reading
        return response.status_code, headers, body
    return response.status_code, headers, response.content


async def _lean_and_full(app, ask: Callable[[], Awaitable[httpx.Response]]) -> tuple[Any, Any]:  # noqa: ANN001
    """The answer as served (lean where it can be) and as FastAPI's own handler gives it (forced by an override)."""
    served_lean = await ask()
    app.dependency_overrides[_never_called] = _never_called
    try:
        served_full = await ask()
    finally:
        app.dependency_overrides.pop(_never_called)
    return _shape(served_lean), _shape(served_full)


@pytest.fixture
def solved(monkeypatch) -> list[int]:  # noqa: ANN001
    """How many times FastAPI solved a route's dependencies."""
    calls: list[int] = []
    original = fastapi.routing.solve_dependencies

    async def counted(**kwargs: Any) -> Any:
        calls.append(1)
        return await original(**kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counted)
    return calls


async def test_a_signed_in_read_and_list_are_answered_without_fastapi_solving_their_dependencies(
    client, session, solved
):
    e = await make_enterprise(session, county_code=TACHENG)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, county_code=TACHENG)
    solved.clear()
    assert (await client.get(f"{URL}/{e.id}", headers=headers)).status_code == 200
    assert (await client.get(URL, params={"county_code": TACHENG, "limit": 5}, headers=headers)).status_code == 200
    assert solved == []


async def test_the_read_answers_alike_lean_and_full_for_the_own_county_the_other_county_and_no_caller(
    app, client, session, solved
):
    e = await make_enterprise(session, county_code=TACHENG)
    _, own = await as_role(client, session, Role.COUNTY_ADMIN, county_code=TACHENG)
    _, other = await as_role(client, session, Role.COUNTY_ADMIN, county_code=WUSU)
    read = f"{URL}/{e.id}"
    cases = {
        "own county": (read, own, 200),
        "other county, same URL just after": (read, other, 404),
        "no credentials": (read, {}, 401),
        "a token that is not one": (read, {"Authorization": "Bearer nonsense"}, 401),
        "not an id": (f"{URL}/not-a-uuid", own, 422),
        "not an id, no credentials": (f"{URL}/not-a-uuid", {}, 401),
        "an id in capitals": (read.upper().replace("/API/V1/ENTERPRISES", URL), own, 200),
    }
    for name, (url, headers, status) in cases.items():
        solved.clear()
        served_lean, served_full = await _lean_and_full(app, lambda u=url, h=headers: client.get(u, headers=h))
        assert served_lean == served_full, name
        assert served_lean[0] == status, name
        assert len(solved) == (2 if "not an id" in name else 1), name  # FastAPI solved only what was not lean


async def test_the_list_answers_alike_lean_and_full_for_good_and_bad_filters_and_cursors(app, client, session):
    for _ in range(3):
        await make_enterprise(session, county_code=TACHENG)
    _, own = await as_role(client, session, Role.COUNTY_ADMIN, county_code=TACHENG)
    first = (await client.get(URL, params={"county_code": TACHENG, "limit": 2}, headers=own)).json()
    cases = {
        "a filtered page": ({"county_code": TACHENG, "risk_class": "B", "limit": 2}, own, 200),
        "the next page": ({"county_code": TACHENG, "limit": 2, "cursor": first["cursor"]}, own, 200),
        "another county's filter": ({"county_code": WUSU}, own, None),
        "an unknown class": ({"risk_class": "Z"}, own, 422),
        "a page too large": ({"limit": 5000}, own, 422),
        "an altered cursor": ({"cursor": first["cursor"][:-2] + "AA"}, own, 422),
        "a bad filter, no credentials": ({"risk_class": "Z"}, {}, 401),
        "an unknown sort": ({"sort": "nonsense"}, own, 422),
        "a date that is not ISO": ({"updated_since": "1700000000"}, own, 422),
    }
    for name, (params, headers, status) in cases.items():
        served_lean, served_full = await _lean_and_full(
            app, lambda p=params, h=headers: client.get(URL, params=p, headers=h)
        )
        assert served_lean == served_full, name
        assert status is None or served_lean[0] == status, name


async def test_a_signed_out_token_is_refused_at_once_on_a_url_read_just_before(client, session):
    e = await make_enterprise(session, county_code=TACHENG)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, county_code=TACHENG)
    assert (await client.get(f"{URL}/{e.id}", headers=headers)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert (await client.get(f"{URL}/{e.id}", headers=headers)).status_code == 401


async def test_a_service_key_reads_alike_lean_and_full_and_one_without_the_scope_is_refused(app, client, session):
    e = await make_enterprise(session, county_code=TACHENG)
    _, reader = await make_service_account(session, ["enterprises:read"], county_code=TACHENG)
    _, other = await make_service_account(session, ["visits:read"], county_code=TACHENG)
    for key, status in ((reader, 200), (other, 403)):
        served_lean, served_full = await _lean_and_full(
            app, lambda k=key: client.get(f"{URL}/{e.id}", headers={"X-API-Key": k})
        )
        assert served_lean == served_full and served_lean[0] == status


def test_only_values_that_cannot_change_are_remembered_per_url():
    assert lean._immutable(("B", 3, None)) and not lean._immutable(["B"]) and not lean._immutable({"a": 1})


async def test_a_long_url_is_answered_but_its_parameters_are_not_remembered(app, client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, county_code=TACHENG)
    padding = "x" * lean.MAX_URL_BYTES
    assert (await client.get(URL, params={"limit": 2, "pad": padding}, headers=headers)).status_code == 200
    assert (await client.get(URL, params={"limit": 2}, headers=headers)).status_code == 200
    remembered = [key for handler in _lean_handlers(app) for key in handler.remembered]
    assert remembered and all(len(path) + len(query) <= lean.MAX_URL_BYTES for path, query in remembered)


def _lean_handlers(app) -> list[lean._LeanHandler]:  # noqa: ANN001
    found = []
    for route in app.router.routes:
        for context in getattr(route, "effective_route_contexts", list)():
            handler = getattr(context, "app", None)
            found.extend(_handlers_under(handler))
    return found


def _handlers_under(app) -> list[lean._LeanHandler]:  # noqa: ANN001
    """The lean handler an effective route's ASGI app closes over (request_response wraps the route's handler)."""
    found, seen, todo = [], set(), [app]
    while todo:
        item = todo.pop()
        if id(item) in seen or item is None:
            continue
        seen.add(id(item))
        if isinstance(item, lean._LeanHandler):
            found.append(item)
            continue
        for cell in getattr(item, "__closure__", None) or ():
            todo.append(cell.cell_contents)
        if isinstance(item, functools.partial):
            todo.append(item.func)
    return found
