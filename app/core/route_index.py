"""Routing by the path's first literal segments: a request tries the few routers that can hold its path, not all.

FastAPI walks the app's routes in order and asks each included router whether it matches; each of them walks its
own routes (the enterprises router was the 17th of 35: a fifth of a signed-in read went there). So each included
router is given a `matches` that first tries one regular expression made of its routes' own path expressions (one
C-level match, where FastAPI's walk costs a few Python calls per route); when it does not match, the router answers
"no match" at once — exactly what its own walk would have answered, whatever the method — and FastAPI's walk, its
order, its 404 and 405 and its redirects stay as they are. (The first version compared the path's first literal
segments, which let the class-suggestion router, whose path also starts `/api/v1/enterprises/`, walk every
enterprise read.) `PathIndex` keeps the literal-segment index for the 405 check (`app.core.methods`).

A router whose routes change after the first request (a test adding one) is read again: its route count is
checked on every call.
"""

import re
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

KEY_SEGMENTS = 3
_SCOPE_KEY = "zhijian.route_path"

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


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


def _paths_pattern(router_route: Any) -> re.Pattern[str] | None:
    """One regular expression matching exactly the paths the included router's routes match (their own path
    expressions, as alternatives, groups unnamed); None when a route is not a plain path route (a mount, a host):
    then any path is a candidate."""
    alternatives = []
    for context in router_route.effective_route_contexts():
        regex = getattr(context, "path_regex", None)
        if getattr(context, "starlette_route", None) is not None or not isinstance(regex, re.Pattern):
            return None
        alternatives.append(f"(?:{_NAMED_GROUP.sub('(?:', regex.pattern)})")
    return re.compile("|".join(alternatives)) if alternatives else re.compile(r"(?!)")


class RouterKeys:
    """What paths one included router's routes can match (one regular expression); read again when its route
    count changes."""

    def __init__(self, route: Any) -> None:
        self.route = route
        self.count = -1
        self.pattern: re.Pattern[str] | None = None

    def may_match(self, scope: Scope) -> bool:
        if len(self.route.original_router.routes) != self.count:
            self.count = len(self.route.original_router.routes)
            self.pattern = _paths_pattern(self.route)
        if self.pattern is None:
            return True
        cached = scope.get(_SCOPE_KEY)
        if cached is None or cached[0] != scope["path"]:  # a redirect check copies the scope with another path
            cached = scope[_SCOPE_KEY] = (scope["path"], get_route_path(scope))
        return self.pattern.match(cached[1]) is not None


def _prefiltered(keys: RouterKeys, matches: Callable[[Scope], tuple[Match, Scope]]) -> Callable[..., Any]:
    def prefiltered_matches(scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and not keys.may_match(scope):
            return Match.NONE, {}
        return matches(scope)

    return prefiltered_matches


_MATCHED = "zhijian.matched"


def _remembered(router: Any, match: Callable[[Scope], Any]) -> Callable[[Scope], Any]:
    """The included router's walk over its routes, remembered for the request: FastAPI walks it once to choose
    the router and again to handle the request, for the same path and method, with the same answer."""

    def remembered_match(scope: Scope) -> Any:
        known = scope.get(_MATCHED)
        if known is not None and known[0] is router and known[1] == scope["path"] and known[2] == scope.get("method"):
            return known[3]
        found = match(scope)
        if found[0] == Match.FULL:
            scope[_MATCHED] = (router, scope["path"], scope.get("method"), found)
        return found

    return remembered_match


def install(routes: list[BaseRoute]) -> int:
    """Give every included router among `routes` the prefilter and the remembered walk; returns how many got
    them."""
    installed = 0
    for route in routes:
        if getattr(route, "original_router", None) is None or hasattr(route, "effective_route_contexts") is False:
            continue
        if getattr(route.matches, "__name__", "") == "prefiltered_matches":
            continue
        route.matches = _prefiltered(RouterKeys(route), route.matches)  # type: ignore[method-assign]
        if callable(getattr(route, "_match", None)):
            route._match = _remembered(route, route._match)  # type: ignore[attr-defined]
        installed += 1
    return installed
