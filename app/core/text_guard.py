"""A NUL character is refused wherever text comes in, on every database: PostgreSQL cannot store one (it was a
500, then a 422 after the fact) and SQLite stored it silently. JSON bodies are refused at the field by the request
schemas; this pure ASGI middleware refuses the path, the query string and url-encoded form bodies (sign-in) with
422 at the parameter before any handler runs. Multipart text fields are refused by their type (`PlainText`).
"""

from urllib.parse import parse_qsl

from starlette.types import Message, Receive, Scope, Send

from app.core.asgi import HttpMiddleware
from app.core.errors import Unprocessable, field_errors, problem_response
from app.core.validation_messages import NUL_REFUSED
from app.domain.errors import Message as ErrorMessage

NO_CONTROL_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"
"""Text without C0 controls other than tab, line feed and carriage return, as the contract states it on the text
fields of request bodies (app.schemas.common.Input refuses them, 422 at the field)."""

FORM = b"application/x-www-form-urlencoded"


def _nul_names(encoded: str) -> list[str]:
    if "%00" not in encoded and "\x00" not in encoded:  # the only ways a NUL comes through: nothing to parse
        return []
    return [name for name, value in parse_qsl(encoded, keep_blank_values=True) if "\x00" in name + value]


def _content_type(scope: Scope) -> bytes:
    for name, value in scope.get("headers") or ():
        if name == b"content-type":
            return value.split(b";")[0].strip().lower()
    return b""


class NulGuardMiddleware(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        locs: list[list[str | int]] = []
        if "\x00" in scope["path"]:
            locs.append(["path"])
        locs += [["query", name] for name in _nul_names(scope.get("query_string", b"").decode("latin-1"))]
        if not locs and _content_type(scope) == FORM:
            body, complete = await _read_all(receive)
            if not complete:
                return  # the client went away, or the body limit already answered
            locs += [["body", name] for name in _nul_names(body.decode("latin-1"))]
            receive = _replay(body, receive)
        if locs:
            refused = ErrorMessage(NUL_REFUSED)
            errors = field_errors([(loc, refused) for loc in locs])
            response = problem_response(422, Unprocessable.code, refused, errors, instance=scope["path"])
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _read_all(receive: Receive) -> tuple[bytes, bool]:
    """The whole body (already held to MAX_JSON_BYTES by the body-limit middleware outside this one)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(body: bytes, receive: Receive) -> Receive:
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
