"""Through the app, every list operation of the route table answers the one page shape, and its `next` works: a
page of one row links the following page, which is another row of the same list, until `next` is null.

Records are the committed world of the access matrix (tests/api/record_factories.py): one of everything in two
counties, read by a caller who may read the list (prefecture-wide where one may).
"""

from typing import Any

import pytest

from app.domain.permissions import Permission
from tests.api import record_factories
from tests.api.access_table import TABLE
from tests.api.record_factories import World
from tests.api.test_access_matrix import ALLOWED, ROUTES, Cell, call, expected
from tests.api.test_list_pages import NOT_LISTS, PAGE_FIELDS

pytestmark = pytest.mark.anyio
world_database = record_factories.world_database  # module-scoped fixtures: the committed world
world = record_factories.world
READERS = ("prefecture_admin", "system_admin", "audit_admin", "prefecture_viewer", "county_admin",
           "service_with_scope", "enterprise_user")  # fmt: skip


def list_routes() -> list[str]:
    paths = []
    for (method, path), route in ROUTES.items():
        model = getattr(route.response_model, "model_fields", {})
        if method == "GET" and {"items", "next", "has_more"} <= set(model):
            paths.append(path)
    return sorted(paths)


def _reader(path: str) -> str:
    if path.startswith("/api/v1/webhook-subscriptions"):
        return "service_with_scope"  # the world's subscriptions are its service keys' own
    return next(c for c in READERS if expected("GET", path, c, "own") == ALLOWED)


def _headers(world: World, caller: str, path: str) -> dict[str, str]:
    """Fresh credentials of this world (the access matrix keeps tokens of its own world)."""
    if caller == "service_with_scope":
        return {"X-API-Key": world.scoped_keys[Permission(TABLE[("GET", path)].perm)]}
    return world.token(caller)


def test_every_list_of_the_contract_is_a_route_that_pages() -> None:
    from tests.api.test_list_pages import list_operations

    assert {path for path, _ in list_operations()} == set(list_routes())
    assert not {op for op in NOT_LISTS if any(op.endswith(p) for p in list_routes())}


async def _page(world: World, path: str, headers: dict[str, str], url: str | None = None) -> dict[str, Any]:
    cell = Cell("GET", path, _reader(path), "own")
    if url is None:
        response = await call(world, cell, headers)
        response = await world.client.get(str(response.url.copy_add_param("limit", 1)), headers=headers)
    else:
        response = await world.client.get(url, headers=headers)
    assert response.status_code == 200, f"{path}: {response.status_code} {response.text[:300]}"
    page = response.json()
    assert PAGE_FIELDS <= set(page), f"{path}: {sorted(page)}"
    return page


async def test_every_list_answers_the_page_shape_and_its_next_link_leads_through_the_list(world: World) -> None:
    followed, problems = [], []
    for path in list_routes():
        headers = _headers(world, _reader(path), path)
        page = await _page(world, path, headers)
        seen = [repr(item) for item in page["items"]]
        feed = path == "/api/v1/events"
        if page["limit"] != 1 or len(page["items"]) > 1:
            problems.append(f"{path}: asked for one row, got {len(page['items'])} (limit {page['limit']})")
        if not feed and page["has_more"] != (page["next"] is not None):
            problems.append(f"{path}: has_more {page['has_more']} but next {page['next']}")
        if not page["has_more"] and page["total"] not in (None, len(page["items"])):
            problems.append(f"{path}: the last page says total {page['total']}")
        steps = 0
        while page["has_more"] and steps < 3:
            assert page["next"].startswith(path.split("{")[0]) and "limit=1" in page["next"], page["next"]
            page = await _page(world, path, headers, page["next"])
            items = [repr(item) for item in page["items"]]
            if not items or set(items) & set(seen):
                problems.append(f"{path}: `next` gave {len(items)} rows, {len(set(items) & set(seen))} seen before")
            seen += items
            steps += 1
        followed += [path] if steps else []
    assert not problems, "\n".join(problems)
    print(f"\n{len(list_routes())} lists answer the page shape; `next` followed on {len(followed)}: {followed}")
    assert len(followed) >= len(list_routes()) // 2
