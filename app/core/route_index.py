"""Routing by the path's first literal segments: a request tries the few routers that can hold its path, not all.

FastAPI walks the app's routes in order and asks each included router whether it matches; each of them walks its
own routes (the enterprises router was the 17th of 35: a fifth of a signed-in read went there). Every route path
begins with literal segments (`/api/v1/enterprises/{enterprise_id}` with `api`, `v1`, `enterprises`), and a path
it matches begins with the same. So each included router is given a `matches` that first asks this index whether
any of its routes can hold the path's first segments; when none can, it answers "no match" at once — what its own
walk would have answered — and FastAPI's walk, its order, its 404 and 405 and its redirects stay as they are.

A router whose routes change after the first request (a test adding one) is read again: its route count is
checked on every call.
"""

from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

KEY_SEGMENTS = 3
_SCOPE_KEY = "zhijian.route_prefixes"

Key = tuple[str, ...]
T = TypeVar("T")


def route_key(path: str) -> Key:
    """A route path's leading whole literal segments, at most KEY_SEGMENTS: every path it matches begins with them.
    Anything it cannot read for certain gives fewer segments (at worst none: a candidate for every path)."""
    key: list[str] = []
    for segment in path.split("/")[1 : KEY_SEGMENTS + 1] if path.startswith("/") else ():
        if not segment or "{" in segment or "}" in segment:
            break
        key.append(segment)
    return tuple(key)


def path_prefixes(path: str) -> tuple[Key, ...]:
    """The keys a request path can meet: its first 0, 1, … KEY_SEGMENTS segments."""
    segments = path.split("/", KEY_SEGMENTS + 1)[1 : KEY_SEGMENTS + 1] if path.startswith("/") else []
    return tuple(tuple(segments[:n]) for n in range(len(segments) + 1))


def _route_paths(router_route: Any) -> Iterable[str | None]:
    """The full paths of the routes an included router holds (None where a route has no path: a host route)."""
    for context in router_route.effective_route_contexts():
        starlette_route = getattr(context, "starlette_route", None)
        path = getattr(starlette_route, "path", None) if starlette_route is not None else getattr(context, "path", None)
        yield path if isinstance(path, str) else None


class PathIndex(Generic[T]):
    """Items stored under a route path, found again by a request path: the items of every route that can match
    it, in the order they were given (a superset: the caller still matches each)."""

    def __init__(self, entries: Iterable[tuple[str | None, T]]) -> None:
        buckets: dict[Key, list[tuple[int, T]]] = {(): []}
        for position, (path, item) in enumerate(entries):
            buckets.setdefault(route_key(path) if path else (), []).append((position, item))
        self._found: dict[Key, list[T]] = {}
        for key in buckets:
            held = [entry for n in range(len(key) + 1) for entry in buckets.get(key[:n], ())]
            self._found[key] = [item for _, item in sorted(held, key=lambda entry: entry[0])]

    def candidates(self, path: str) -> list[T]:
        prefixes = path_prefixes(path)
        for key in reversed(prefixes):  # the longest key held: its list holds those of the shorter ones
            found = self._found.get(key)
            if found is not None:
                return found
        return self._found[()]


class RouterKeys:
    """The keys of one included router's routes; read again when its route count changes."""

    def __init__(self, route: Any) -> None:
        self.route = route
        self.count = -1
        self.keys: frozenset[Key] = frozenset()

    def may_match(self, scope: Scope) -> bool:
        if len(self.route.original_router.routes) != self.count:
            self.count = len(self.route.original_router.routes)
            self.keys = frozenset(route_key(p) if p else () for p in _route_paths(self.route))
        if () in self.keys:
            return True
        cached = scope.get(_SCOPE_KEY)
        if cached is None or cached[0] != scope["path"]:  # a redirect check copies the scope with another path
            cached = scope[_SCOPE_KEY] = (scope["path"], path_prefixes(get_route_path(scope)))
        return not self.keys.isdisjoint(cached[1])


def _prefiltered(keys: RouterKeys, matches: Callable[[Scope], tuple[Match, Scope]]) -> Callable[..., Any]:
    def prefiltered_matches(scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and not keys.may_match(scope):
            return Match.NONE, {}
        return matches(scope)

    return prefiltered_matches


def install(routes: list[BaseRoute]) -> int:
    """Give every included router among `routes` the prefilter; returns how many got it."""
    installed = 0
    for route in routes:
        if getattr(route, "original_router", None) is None or hasattr(route, "effective_route_contexts") is False:
            continue
        if getattr(route.matches, "__name__", "") == "prefiltered_matches":
            continue
        route.matches = _prefiltered(RouterKeys(route), route.matches)  # type: ignore[method-assign]
        installed += 1
    return installed
