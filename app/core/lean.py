"""Hot reads served without FastAPI's per-request dependency solving, with the same answers.

An endpoint marked `lean` (a signed-in read: its path and query parameters, the caller through `Allowed`, the
session) keeps its route, its OpenAPI entry and its full handler. In front of that handler sits a lean one, built
once per route from the same dependency tree FastAPI built for it:

* the path and query parameters are validated by FastAPI's own `request_params_to_args`, and their values are
  remembered per URL (path and raw query string) in a small bounded table: the next request for the same URL skips
  the validation. Only values that cannot change are remembered (numbers, strings, enums, UUIDs, dates, frozen
  models of such); what depends on the caller — who they are, what they may do — is never remembered: the caller is
  worked out on every request, as the full handler does (`app.core.deps`, with its few-seconds cache per token).
* the dependencies are called in FastAPI's order, each at most once per request: the session (`get_session`, as a
  function-scoped dependency: closed, committed or rolled back before the response is sent), the security schemes
  (the bearer token, the API key header), and plain `async` functions of the request and such parameters.

Whenever the lean handler cannot be sure to answer as FastAPI would, the full handler answers instead: a parameter
that does not validate (so a 422 is FastAPI's own, and its order against a 401 stays FastAPI's), dependency
overrides in place (tests), a dependency of a kind not listed above (then the route is never served lean).
Exceptions raised on the lean path are the same exceptions the dependencies and the endpoint raise on the full one,
answered by the same handlers.
"""

import contextlib
import dataclasses
import datetime
import decimal
import enum
import inspect
import uuid
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_params_to_args
from fastapi.security.base import SecurityBase
from pydantic import BaseModel

from app.core.db import get_session

LEAN = "__zhijian_lean__"
MAX_URLS = 4096
"""URLs whose validated parameters are remembered per route; the table is emptied when full."""
MAX_URL_BYTES = 2048
"""A longer URL (unknown query parameters pass validation) is validated every time, never remembered: the table
holds at most MAX_URLS × MAX_URL_BYTES of keys."""

F = TypeVar("F", bound=Callable[..., Any])
Handler = Callable[[Request], Coroutine[Any, Any, Response]]
_IMMUTABLE = (type(None), bool, int, float, str, bytes, enum.Enum, uuid.UUID, datetime.date, datetime.time)
_IMMUTABLE += (datetime.timedelta, decimal.Decimal)


def lean(endpoint: F) -> F:
    """Mark an endpoint to be served lean when its dependencies allow it (see the module's docstring)."""
    setattr(endpoint, LEAN, True)
    return endpoint


def _immutable(value: Any) -> bool:
    if isinstance(value, _IMMUTABLE):
        return True
    if isinstance(value, tuple | frozenset):
        return all(_immutable(item) for item in value)
    if isinstance(value, BaseModel):
        return bool(value.model_config.get("frozen")) and all(_immutable(v) for v in value.__dict__.values())
    return False


@dataclasses.dataclass(frozen=True)
class _Node:
    """One dependant: its callable, its sub-dependencies in FastAPI's order, where its own parameters come from."""

    call: Callable[..., Any]
    name: str | None
    kind: str  # "session", "security" or "call"
    dependencies: tuple["_Node", ...]
    dependant: Dependant
    use_cache: bool


def _answers_response(endpoint: Callable[..., Any]) -> bool:
    """Whether the endpoint declares that it returns a `Response` (sent as it is, as FastAPI sends it)."""
    try:
        returns = inspect.signature(inspect.unwrap(endpoint), eval_str=True).return_annotation
    except (NameError, TypeError, ValueError):
        return False
    return isinstance(returns, type) and issubclass(returns, Response)


def _plan(dependant: Dependant, *, top: bool = False) -> _Node | None:
    """The dependant as a lean node, or None when something of it is outside what the lean handler solves."""
    call = dependant.call
    if call is None or dependant.concurrency is not None:
        return None
    if call is get_session:
        return _Node(call, dependant.name, "session", (), dependant, dependant.use_cache)
    if isinstance(call, SecurityBase):
        if dependant.dependencies or dependant.query_params or dependant.path_params:
            return None
        return _Node(call, dependant.name, "security", (), dependant, dependant.use_cache)
    unsupported = (
        dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
    )
    if unsupported or not inspect.iscoroutinefunction(call):
        return None
    if top and not _answers_response(call):
        return None
    nodes = []
    for sub in dependant.dependencies:
        node = _plan(sub)
        if node is None:
            return None
        nodes.append(node)
    return _Node(call, dependant.name, "call", tuple(nodes), dependant, dependant.use_cache)


def _url_dependants(node: _Node) -> list[Dependant]:
    found = [] if node.kind != "call" else [node.dependant]
    for sub in node.dependencies:
        found.extend(_url_dependants(sub))
    return found


class _LeanHandler:
    def __init__(self, root: _Node, full: Handler) -> None:
        self.root = root
        self.full = full
        self.with_params = [d for d in _url_dependants(root) if d.path_params or d.query_params]
        self.remembered: dict[tuple[str, bytes], dict[int, dict[str, Any]]] = {}

    def _url_values(self, request: Request) -> dict[int, dict[str, Any]] | None:
        """The validated path and query values of every dependant (by id), or None when one does not validate."""
        key = (request.scope["path"], request.scope.get("query_string", b""))
        known = self.remembered.get(key)
        if known is not None:
            return known
        values: dict[int, dict[str, Any]] = {}
        path_params, query_params = request.path_params, request.query_params
        for dependant in self.with_params:
            from_path, path_errors = request_params_to_args(dependant.path_params, path_params)
            from_query, query_errors = request_params_to_args(dependant.query_params, query_params)
            if path_errors or query_errors:
                return None
            values[id(dependant)] = from_path | from_query
        short = len(key[0]) + len(key[1]) <= MAX_URL_BYTES
        if short and all(_immutable(v) for found in values.values() for v in found.values()):
            if len(self.remembered) >= MAX_URLS:
                self.remembered.clear()
            self.remembered[key] = values
        return values

    async def __call__(self, request: Request) -> Response:
        if request.app.dependency_overrides:
            return await self.full(request)
        url_values = self._url_values(request)
        if url_values is None:
            return await self.full(request)
        async with contextlib.AsyncExitStack() as stack:
            solved: dict[Any, Any] = {}
            response = await self._solve(self.root, request, url_values, stack, solved)
        return response

    async def _solve(
        self,
        node: _Node,
        request: Request,
        url_values: dict[int, dict[str, Any]],
        stack: contextlib.AsyncExitStack,
        solved: dict[Any, Any],
    ) -> Any:
        if node.use_cache and node.call in solved:
            return solved[node.call]
        if node.kind == "session":
            value = await stack.enter_async_context(contextlib.asynccontextmanager(get_session)(request))
        elif node.kind == "security":
            value = await node.call(request)
        else:
            arguments: dict[str, Any] = {}
            for sub in node.dependencies:
                result = await self._solve(sub, request, url_values, stack, solved)
                if sub.name is not None:
                    arguments[sub.name] = result
            arguments.update(url_values.get(id(node.dependant), ()))
            if node.dependant.request_param_name:
                arguments[node.dependant.request_param_name] = request
            value = await node.call(**arguments)
        if node.use_cache:
            solved[node.call] = value
        return value


def lean_handler(dependant: Dependant, full: Handler) -> Handler:
    """The route's handler: lean when its endpoint is marked and its dependencies allow it, else the full one."""
    if not getattr(dependant.call, LEAN, False):
        return full
    root = _plan(dependant, top=True)
    if root is None:
        return full
    return _LeanHandler(root, full)
