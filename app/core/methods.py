"""A method the path does not have is 405 with `Allow` naming the methods it has, decided before routing.

Starlette lets a route with a parameter take a path whose literal segment belongs to another route:
`PATCH /enterprises/import-template` reached `PATCH /enterprises/{enterprise_id}` with the id "import-template"
and answered 422. Here the most literal routes that match a path own it (fewest parameters, as a reader of the
contract sees the paths); a method none of them has is 405. Starlette's own 405 named only the first route's
methods (`Allow: GET` where the path also has `PATCH`). The answer is the app's own problem+json for an HTTP error.
A path is tried against the routes whose literal first segments it shares (`app.core.route_index`), not all.
"""

import re
from dataclasses import dataclass

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.route_index import PathIndex

MAX_PATHS = 4096
"""Paths whose methods are remembered (the routes are fixed by the first request); the table is emptied when full."""
MAX_PATH_CHARS = 512
"""A longer path is looked up every time, never remembered."""


@dataclass(frozen=True)
class PathMethods:
    regex: re.Pattern[str]
    parameters: int
    methods: frozenset[str]
    path: str | None = None


def _routes(routes: list[BaseRoute]) -> list[PathMethods]:
    found = []
    for route in routes:
        original = getattr(route, "original_router", None)  # an included router (FastAPI ≥ 0.16x)
        if original is not None:
            found.extend(_routes(original.routes))
        elif getattr(route, "methods", None) and hasattr(route, "path_regex"):
            parameters = len(getattr(route, "param_convertors", {}))
            path = getattr(route, "path", None)
            found.append(PathMethods(route.path_regex, parameters, frozenset(route.methods), path))
    return found


def allowed_methods(routes: list[PathMethods], path: str) -> frozenset[str] | None:
    """The methods of the most literal routes matching `path`; None when no route matches it."""
    matching = [route for route in routes if route.regex.match(path)]
    if not matching:
        return None
    fewest = min(route.parameters for route in matching)
    return frozenset().union(*(route.methods for route in matching if route.parameters == fewest))


class MethodNotAllowedMiddleware:
    def __init__(self, app: ASGIApp, fastapi_app: FastAPI) -> None:
        self.app = app
        self.fastapi_app = fastapi_app
        self.routes: PathIndex[PathMethods] | None = None
        self.known: dict[str, frozenset[str] | None] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.routes is None:  # every route is in place by the first request (docs, openapi.json too)
            self.routes = PathIndex((route.path, route) for route in _routes(self.fastapi_app.routes))
        path = scope["path"]
        try:
            methods = self.known[path]
        except KeyError:
            methods = allowed_methods(self.routes.candidates(path), path)
            if len(path) <= MAX_PATH_CHARS:
                if len(self.known) >= MAX_PATHS:
                    self.known.clear()
                self.known[path] = methods
        if methods is None or scope["method"] in methods:
            await self.app(scope, receive, send)
            return
        answer = self.fastapi_app.exception_handlers[HTTPException]
        refused = HTTPException(405, headers={"Allow": ", ".join(sorted(methods))})
        response = await answer(Request(scope, receive), refused)
        await response(scope, receive, send)
