"""Request id, access log as JSON lines, security headers: a pure ASGI middleware (no body buffering)."""

import json
import logging
import re
import sys
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from app.core.asgi import HttpMiddleware
from app.core.context import RequestContext, request_context
from app.core.i18n import language, negotiate

access_log = logging.getLogger("app.access")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",  # /docs sets its own (app/core/docs.py)
}
DOCS_PATHS = ("/docs", "/openapi.json")
_RAW_SECURITY_HEADERS = tuple(
    (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in SECURITY_HEADERS.items()
)
_REQUEST_ID = b"x-request-id"


def _add_headers(message: Message, request_id: str, path: str) -> None:
    """X-Request-ID set and the security headers the response lacks added, on the raw header list (what
    `MutableHeaders` item assignment and `setdefault` would do, without a pass over the list per header)."""
    raw = message["headers"] = list(message.get("headers", ()))
    present = {name for name, _ in raw}
    if _REQUEST_ID in present:
        MutableHeaders(raw=raw)["X-Request-ID"] = request_id
    else:
        raw.append((_REQUEST_ID, request_id.encode("latin-1")))
    docs = path.startswith(DOCS_PATHS)
    raw.extend(
        header
        for header in _RAW_SECURITY_HEADERS
        if header[0] not in present and not (docs and header[0] == b"cache-control")
    )


class RequestContextMiddleware(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        client = scope.get("client")
        token = request_context.set(RequestContext(request_id, client[0] if client else None))
        spoken = language.set(negotiate(headers.get(b"accept-language", b"").decode("latin-1")))
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                _add_headers(message, request_id, scope["path"])
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            access_log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": scope["path"],  # never the query string: nothing secret is logged
                    "status": status,
                    "ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            request_context.reset(token)
            language.reset(spoken)


class JsonFormatter(logging.Formatter):
    FIELDS = ("request_id", "method", "path", "status", "ms")

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: getattr(record, k) for k in self.FIELDS if hasattr(record, k)})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("uvicorn.access").disabled = True
