"""Idempotency-Key on every write that creates or moves something (IETF draft-ietf-httpapi-idempotency-key-header):
a client that lost the answer retries with the same key and gets the first answer again — same status, body,
Location and ETag — and nothing is done twice.

One mechanism for every such route: routers use `IdempotentRoute`, which gives each POST the `Idempotency-Key`
header (declared in OpenAPI) through one dependency and wraps its handler. The dependency runs once the caller is
known; with a key it looks the key up among the caller's (keys are scoped per caller: one caller's key never meets
another's):
- not seen: it claims the key (a row inserted at once: a concurrent request holding the same key meets the unique
  constraint and is 409) and the handler runs; the wrapper then completes the row with the answer in the same
  transaction, which commits after the handler returns (`get_session` is function-scoped). A request that fails
  rolls back and leaves no row: the retry runs again;
- seen with the same request (method, path, query and body): the stored answer is sent and the handler's body never
  runs — but only once every other dependency of the route has passed, so a caller who has since lost the
  permission (or the record's jurisdiction) is refused as any other request would be;
- seen with another request: 422 at ["header", "Idempotency-Key"].

A key is kept for `KEPT_FOR` (24 hours) after its request: the calendar's `purge-idempotency-keys` removes older ones
every night, after which the same key starts a new request.

A route whose answer holds a secret shown once (an API key, a signing secret), or that keeps its key itself
(enterprise imports), is marked `exempt` and takes no key here.
"""

import functools
import hashlib
import inspect
import json
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar

import fastapi.routing
from fastapi import Depends, Header, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.db import SessionDep
from app.core.deps import CurrentActor
from app.core.errors import AppError, Conflict, Unprocessable, error_responses
from app.core.lean import lean_handler
from app.domain.errors import Message
from app.models.idempotency import IdempotentRequest

KEY_REUSED = Message("idempotency_key_reused")
IN_PROGRESS = Message("idempotency_key_in_progress")
KEY_DESCRIPTION = (
    "a client's retry with the same key (and the same request) gets the first answer again and changes nothing; "
    "the key with another request is 422; a key is kept for 24 hours"
)
REPLAYED_HEADERS = ("content-type", "location", "etag", "content-disposition")
KEY_ERRORS = error_responses(Conflict, Unprocessable)
EXEMPT = "__zhijian_idempotency_exempt__"
STATE = "idempotent_request"
F = TypeVar("F", bound=Callable[..., Any])
KEPT_FOR = timedelta(hours=24)
_replaying: ContextVar["IdempotentRequest | None"] = ContextVar("replaying", default=None)


def scope(actor: Actor) -> str:
    return f"{actor.kind}:{actor.id}"


def reused() -> Unprocessable:
    return Unprocessable(KEY_REUSED, errors=[(["header", "Idempotency-Key"], KEY_REUSED)])


def exempt(endpoint: F) -> F:
    """Mark a POST that takes no Idempotency-Key here: its answer is a secret shown once (never stored), or it
    keeps its key itself."""
    setattr(endpoint, EXEMPT, True)
    return endpoint


def _canonical_body(body: bytes, content_type: str) -> bytes:
    """The body as a retry would send it again: JSON with its members sorted, multipart without its boundary
    (a client draws a new one for every request)."""
    if content_type.startswith("application/json"):
        try:
            return json.dumps(json.loads(body), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        except ValueError:
            return body
    _, found, boundary = content_type.partition("boundary=")
    if found and boundary:
        return body.replace(boundary.strip('"').encode(), b"")
    return body


def digest(method: str, path: str, query: list[tuple[str, str]], body: bytes, content_type: str) -> str:
    """What makes two requests the same request: method, path, query and body as a retry would send them."""
    sha = hashlib.sha256()
    for part in (method, path, str(sorted(query))):
        sha.update(part.encode() + b"\0")
    sha.update(_canonical_body(body, content_type))
    return sha.hexdigest()


async def request_digest(request: Request) -> str:
    query = request.query_params.multi_items()
    body = await request.body()
    return digest(request.method, request.url.path, query, body, request.headers.get("content-type", ""))


async def claim(session: AsyncSession, row: SQLModel) -> None:
    """Insert the row holding a key now: a concurrent request that holds the same key makes this a 409."""
    session.add(row)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(IN_PROGRESS) from exc


class Replay(Exception):  # noqa: N818  (not an error: the first answer, sent again)
    def __init__(self, stored: IdempotentRequest):
        super().__init__("replay")
        self.response = Response(stored.body, status_code=stored.status_code or 200, headers=stored.headers)


async def claim_key(
    request: Request,
    actor: CurrentActor,
    session: SessionDep,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=128, description=KEY_DESCRIPTION)] = None,
) -> None:
    if not idempotency_key:
        return
    digest = await request_digest(request)
    stmt = select(IdempotentRequest).where(
        IdempotentRequest.scope == scope(actor), IdempotentRequest.key == idempotency_key
    )
    seen = (await session.exec(stmt)).first()
    if seen is not None:
        if seen.request_sha256 != digest:
            raise reused()
        if seen.status_code is None:
            raise Conflict(IN_PROGRESS)
        _replaying.set(seen)  # sent by the endpoint's wrapper, once the route's other dependencies have passed
        return
    claimed = IdempotentRequest(scope=scope(actor), key=idempotency_key, request_sha256=digest)
    await claim(session, claimed)
    setattr(request.state, STATE, (session, claimed))


async def _keep_answer(session: AsyncSession, claimed: IdempotentRequest, response: Response) -> None:
    body = getattr(response, "body", None)
    if not 200 <= response.status_code < 300 or not isinstance(body, bytes):
        await _release(session, claimed)  # only a success is replayed; anything else runs again
        return
    claimed.status_code = response.status_code
    claimed.body = body
    claimed.headers = {name: response.headers[name] for name in REPLAYED_HEADERS if name in response.headers}
    session.add(claimed)
    await session.flush()


async def _release(session: AsyncSession, claimed: IdempotentRequest) -> None:
    await session.delete(claimed)
    await session.flush()


async def purge_expired(session: AsyncSession, *, now: datetime) -> int:
    """Remove the keys whose request is older than `KEPT_FOR`; says how many. (Only answered requests are ever
    committed: a request that failed took its row with it.)"""
    stmt = delete(IdempotentRequest).where(col(IdempotentRequest.created_at) < now - KEPT_FOR)
    result = await session.exec(stmt)  # type: ignore[call-overload]
    return result.rowcount or 0


def _replay_before(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """The endpoint, preceded by the replay of a kept answer: FastAPI has solved every dependency of the route (the
    caller's permission, the record's scope) by the time it calls the endpoint."""
    if not inspect.iscoroutinefunction(endpoint):
        raise TypeError(f"{endpoint.__name__}: an idempotent POST is an async def")

    @functools.wraps(endpoint)
    async def replaying_first(*args: Any, **kwargs: Any) -> Any:
        if (seen := _replaying.get()) is not None:
            raise Replay(seen)
        return await endpoint(*args, **kwargs)

    return replaying_first


Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def _effective_dependant(route: APIRoute) -> Dependant:
    """The dependency tree FastAPI's handler for this route is being built from: the included route's own (with its
    inclusion's dependencies) while FastAPI builds the handler of an inclusion, else the route's."""
    building = getattr(fastapi.routing, "_effective_route_context_var", None)
    context = building.get() if building is not None else None
    if context is not None and getattr(context, "original_route", None) is route and context.dependant is not None:
        return context.dependant
    return route.dependant


class IdempotentRoute(APIRoute):
    """A route whose POST honours `Idempotency-Key` (see the module's docstring); other methods are untouched, but
    for an endpoint marked `lean`, served by `app.core.lean`'s handler in front of FastAPI's."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        self.takes_key = "POST" in (kwargs.get("methods") or ()) and not getattr(endpoint, EXEMPT, False)
        if self.takes_key:
            dependencies = list(kwargs.get("dependencies") or ())
            if not any(d.dependency is claim_key for d in dependencies):
                dependencies.append(Depends(claim_key))
            kwargs["dependencies"] = dependencies
            responses = dict(kwargs.get("responses") or {})
            for status, answer in KEY_ERRORS.items():  # 409: the key is held; 422: the key came with another request
                responses.setdefault(status, answer)
            kwargs["responses"] = responses
            endpoint = _replay_before(endpoint)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Handler:
        handler = super().get_route_handler()
        if not self.takes_key:
            return lean_handler(_effective_dependant(self), handler)

        async def answer_once(request: Request) -> Response:
            reset = _replaying.set(None)
            try:
                response = await handler(request)
            except Replay as replay:
                return replay.response
            except AppError as exc:
                if exc.keep_changes and (pending := getattr(request.state, STATE, None)):
                    await _release(*pending)
                raise
            finally:
                _replaying.reset(reset)
            if pending := getattr(request.state, STATE, None):
                await _keep_answer(*pending, response)
            return response

        return answer_once
