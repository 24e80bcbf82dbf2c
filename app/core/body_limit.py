"""Request bodies are limited before anything reads them: a pure ASGI middleware, ahead of routing, parsing
and authentication.

A Content-Length above the limit is answered 413 without reading a byte; a body sent without one (chunked) is
counted as it streams and answered 413 the moment it passes the limit — the application is then told the
client went away and whatever it answers is dropped. JSON and form routes get `MAX_JSON_BYTES`; the upload
routes named by the app get `MAX_UPLOAD_BYTES` plus room for the multipart framing (the file itself is held to
`MAX_UPLOAD_BYTES` where it is read). The limits are read from the app's settings on every request.
"""

import logging
import re
from collections.abc import Sequence

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.asgi import HttpMiddleware
from app.core.config import Settings
from app.core.errors import PayloadTooLarge, problem_response
from app.domain.errors import Message as ErrorMessage

log = logging.getLogger("app.core.body_limit")

MULTIPART_SLACK = 64 * 1024
"""Room for the multipart framing (boundaries, part headers, other small fields) around an upload's file."""


def upload_too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(ErrorMessage("upload_too_large", megabytes=limit // 2**20, limit=limit))


def body_too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(ErrorMessage("body_too_large", kilobytes=limit // 1024, limit=limit))


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class BodyLimitMiddleware(HttpMiddleware):
    def __init__(self, app: ASGIApp, upload_paths: Sequence[re.Pattern[str]] = ()) -> None:
        super().__init__(app)
        self.upload_paths = tuple(upload_paths)

    def _refusal(self, scope: Scope) -> tuple[int, PayloadTooLarge]:
        settings: Settings = scope["app"].state.settings
        if any(pattern.match(scope["path"]) for pattern in self.upload_paths):
            return settings.max_upload_bytes + MULTIPART_SLACK, upload_too_large(settings.max_upload_bytes)
        return settings.max_json_bytes, body_too_large(settings.max_json_bytes)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        refusal: tuple[int, PayloadTooLarge] | None = None  # worked out when a body is declared or arrives

        def limit() -> int:
            nonlocal refusal
            refusal = refusal or self._refusal(scope)
            return refusal[0]

        async def refuse() -> None:
            error = (refusal or self._refusal(scope))[1]
            response = problem_response(error.status, error.code, error.detail, instance=scope["path"])
            await response(scope, receive, send)

        declared = _declared_length(scope)
        if declared is not None and declared > limit():
            await refuse()
            return

        received = 0
        refused = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received and received > limit():
                    refused = True
                    if not started:
                        await refuse()
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # the 413 went out; the application's own answer to a cut-off body is dropped
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not refused:
                raise
            log.debug("request failed after its body was refused", exc_info=True)
