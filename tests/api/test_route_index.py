"""The route index only ever skips routes that cannot match: every route that matches a path is still tried, for
the paths of every operation, their neighbours, and paths no route has."""

import re

import pytest
from starlette.routing import Match

from app.core.config import Settings
from app.core.methods import _routes
from app.core.route_index import PathIndex, path_prefixes, route_key
from app.main import create_app
from tests.api.conftest import TEST_SECRET


@pytest.fixture(scope="module")
def app():  # noqa: ANN201
    return create_app(Settings(env="test", database_url="sqlite+aiosqlite:///:memory:", secret_key=TEST_SECRET))


def sample_paths(app) -> list[str]:  # noqa: ANN001
    paths = ["", "/", "/api", "/api/", "/api/v1", "/api/v1/", "/nope", "/api/v1/nope/x", "/API/v1/enterprises"]
    for route in _routes(app.routes):
        filled = re.sub(r"\{[^}:]+:path\}", "a/b", route.path)
        filled = re.sub(r"\{[^}]+\}", "0f6b7c1e-3c6a-4d67-9f0e-3f7c1b2a9d10", filled)
        paths += [filled, filled + "/", filled + "/more", filled.rstrip("/") + "x", filled.replace("/v1/", "/v2/")]
    return paths


def test_the_key_of_a_route_is_its_leading_literal_segments():
    assert route_key("/api/v1/enterprises/{enterprise_id}") == ("api", "v1", "enterprises")
    assert route_key("/api/v1/{kind}/x") == ("api", "v1")
    assert route_key("/healthz") == ("healthz",)
    assert route_key("/") == ()
    assert route_key("/files/report-{id}.xlsx") == ("files",)
    assert path_prefixes("/api/v1/enterprises/1/history") == ((), ("api",), ("api", "v1"), ("api", "v1", "enterprises"))


def test_every_route_matching_a_path_is_among_its_candidates(app):  # noqa: ANN001
    routes = _routes(app.routes)
    index = PathIndex((route.path, route) for route in routes)
    for path in sample_paths(app):
        matching = [route for route in routes if route.regex.match(path)]
        assert [route for route in index.candidates(path) if route.regex.match(path)] == matching, path


def test_an_included_router_skipped_by_the_index_holds_no_route_for_the_path(app):  # noqa: ANN001
    included = [route for route in app.router.routes if getattr(route, "original_router", None) is not None]
    assert included and all(route.matches.__name__ == "prefiltered_matches" for route in included)
    for path in sample_paths(app):
        scope = {"type": "http", "path": path, "root_path": "", "method": "GET"}
        for route in included:
            held = [c for c in route.effective_route_contexts() if c.path_regex and c.path_regex.match(path)]
            answer, _ = route.matches(dict(scope))
            assert (answer != Match.NONE) == bool(held), (path, route.original_router.prefix)
