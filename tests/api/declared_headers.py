"""Every response of the API test client is held to the contract: a header it carries must be declared on its
operation and status in the OpenAPI document (or be one of the headers of every response). Hooked into the
`client` fixture, so every API test checks the answers it gets."""

import re
from typing import Any

import httpx
from fastapi import FastAPI

from app.core.openapi import EVERY_RESPONSE

PARAMETER = re.compile(r"\{[^}]+\}")
TRANSPORT = frozenset({"vary", "transfer-encoding", "connection"})
"""Headers of HTTP itself rather than of the API (Starlette varies a compressed or CORS answer)."""
CORS = "access-control-"
"""CORS answers, negotiated with the browser's Origin (CORS_ORIGINS), not part of any one operation."""

Operations = list[tuple[re.Pattern[str], str, dict[str, Any]]]
_BY_ROUTES: dict[tuple[Any, ...], Operations] = {}
"""The operations of each set of routes seen in this process: every test builds its own app, but from the same
routes, and writing the OpenAPI document costs a second of CPU."""


def _routes_of(app: FastAPI) -> tuple[Any, ...]:
    """What the document is written from: each route in it (an included router counts as the router itself)."""
    return tuple(
        (
            getattr(route, "path", None),
            tuple(sorted(getattr(route, "methods", None) or ())),
            id(route.__dict__.get("original_router") or route.__dict__.get("endpoint")),
        )
        for route in app.routes
        if getattr(route, "include_in_schema", True)
    )


class DeclaredHeaders:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._operations: Operations | None = None

    def operations(self) -> Operations:
        if self._operations is None:
            routes = _routes_of(self.app)
            if routes not in _BY_ROUTES:
                _BY_ROUTES[routes] = _operations(self.app.openapi())
            self._operations = _BY_ROUTES[routes]
        return self._operations

    def undeclared(self, method: str, path: str, status: int, names: list[str]) -> list[str] | None:
        """The headers of this answer its operation and status do not declare; None: not an operation."""
        operation = next((op for regex, m, op in self.operations() if m == method and regex.match(path)), None)
        if operation is None:
            return None
        responses = operation.get("responses", {})
        response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
        if response is None:
            return None  # an undocumented status: the schemathesis runs' status_code_conformance check
        declared = {name.lower() for name in response.get("headers", {})}
        known = EVERY_RESPONSE | TRANSPORT | declared
        return sorted(name for name in {n.lower() for n in names} if name not in known and not name.startswith(CORS))

    async def __call__(self, response: httpx.Response) -> None:
        request = response.request
        undeclared = self.undeclared(request.method, request.url.path, response.status_code, list(response.headers))
        assert not undeclared, (
            f"{request.method} {request.url.path} → {response.status_code} sent headers its operation does not "
            f"declare: {undeclared} (declare them in app/core/openapi.py SENT_HEADERS)"
        )


def _operations(document: dict[str, Any]) -> Operations:
    literal_first = sorted(document["paths"].items(), key=lambda item: len(PARAMETER.findall(item[0])))
    return [
        (re.compile("^" + PARAMETER.sub("[^/]+", path) + "$"), method.upper(), operation)
        for path, item in literal_first
        for method, operation in item.items()
    ]
