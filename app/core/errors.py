"""One error shape: RFC 9457 problem+json with a stable `code`, and `errors: [{loc, code, msg}]` for field- and
row-level problems; words in the caller's language (`app/core/i18n.py`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any, get_args

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from pydantic_core.core_schema import ErrorType
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.i18n import ZH_CN, language, text, title
from app.core.messages import zh_cn
from app.core.validation_messages import NUL_REFUSED, message_for
from app.domain.errors import Message, RuleViolation

log = logging.getLogger("app.core.errors")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://zhijian.example.gov.cn/problems/"


ORIGINS = ("body", "query", "path", "header", "rows")
"""Where an error item's `loc` starts: the part of the request it came from, or `rows` for an import's rows."""


def _codes(*catalogues: dict[str, str]) -> list[str]:
    return sorted({code for catalogue in catalogues for code in catalogue})


ITEM_CODES = _codes(zh_cn.MESSAGES, zh_cn.FIELD, dict.fromkeys(get_args(ErrorType), ""))
PROBLEM_CODES = _codes(zh_cn.TITLES)


class FieldError(BaseModel):
    """One thing wrong, where it is: `loc` starts with `body`, `query`, `path`, `header` or `rows`."""

    loc: list[str | int] = Field(description="where: `body`/`query`/`path`/`header` then the field, or `rows`")
    code: str = Field(
        description="stable machine code of the error (README: error codes); pydantic's error type for framework "
        "checks we do not word ourselves",
        json_schema_extra={"enum": ITEM_CODES},
    )
    msg: str = Field(description="the message, in the language of `Content-Language`")
    sheet_row: int | None = Field(
        default=None, description="an import row only: the row a person sees in the sheet (null for a JSON upload)"
    )
    index: int | None = Field(default=None, description="an import row only: its 0-based position among the rows")


class Problem(BaseModel):
    """RFC 9457 problem details, worded in the language `Accept-Language` asks for (zh-CN or en)."""

    type: str
    code: str = Field(description="stable machine code of the problem", json_schema_extra={"enum": PROBLEM_CODES})
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] = []


Located = tuple[Sequence[str | int], Message]


class AppError(Exception):
    """An error a service raises: a problem code (the class's), a detail and error items as Messages (codes and
    parameters); they are worded in the caller's language when the answer is written."""

    status = 400
    code = "bad_request"
    keep_changes = False  # commit the session's work although the request fails (e.g. failed-login audit)
    headers: dict[str, str] | None = None

    def __init__(
        self,
        detail: Message | str | None = None,
        *,
        errors: Sequence[Located] = (),
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail.code if isinstance(detail, Message) else detail or self.code)
        self.detail = detail
        self.errors = [(list(loc), msg) for loc, msg in errors]
        if headers is not None:
            self.headers = headers

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None, **kwargs: Any) -> None:
        """A subclass names its answer in its header: ``class Conflict(AppError, status=409, code="conflict")``;
        what it leaves out it inherits."""
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if code is not None:
            cls.code = code

    def items(self) -> list[FieldError]:
        """The error items, worded in the request's language."""
        return field_errors(self.errors)


class NotFound(AppError, status=404, code="not_found"): ...


class Unauthorized(AppError, status=401, code="unauthorized"):
    headers = {"WWW-Authenticate": "Bearer"}


class InvalidCredentials(Unauthorized, code="invalid_credentials"):
    """The one answer to every refused sign-in — unknown user, wrong password, locked account, missing or wrong
    second factor — so the answer never tells which usernames exist, are locked, or had the right password."""

    keep_changes = True


class Forbidden(AppError, status=403, code="forbidden"): ...


class PasswordExpired(Forbidden, code="password_expired"): ...


class TwoFactorEnrolmentRequired(Forbidden, code="two_factor_enrolment_required"): ...


class Conflict(AppError, status=409, code="conflict"): ...


class PreconditionFailed(AppError, status=412, code="precondition_failed"): ...


class PayloadTooLarge(AppError, status=413, code="payload_too_large"): ...


class UnsupportedMediaType(AppError, status=415, code="unsupported_media_type"): ...


class Unprocessable(AppError, status=422, code="validation_error"): ...


class RuleBroken(Unprocessable, code="rule_violation"): ...


class TooManyRequests(AppError, status=429, code="too_many_requests"): ...


class ServiceUnavailable(AppError, status=503, code="service_unavailable"): ...


def error_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each error class shows in OpenAPI as problem+json."""
    return {e.status: {"model": Problem, "description": title(e.code, ZH_CN)} for e in errors}


COMMON_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, Unprocessable)
"""What most operations answer besides success: not signed in, not permitted, not found (or not yours), invalid."""
WRITE_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, Conflict, Unprocessable)
VERSIONED_WRITE_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, Unprocessable)
"""A write that honours If-Match: 412 when the record changed since it was read."""


def worded(exc: AppError | RuleViolation, lang: str | None = None) -> str:
    """A refusal in one line of words (for the command line and logs)."""
    if isinstance(exc, RuleViolation):
        return "; ".join(text(p.message, lang) for p in exc.problems)
    return title(exc.code, lang) if exc.detail is None else text(exc.detail, lang)


def located(loc: Sequence[Any], default_origin: str = "body") -> list[str | int]:
    """A `loc` that says where it came from: a rule's field (`["required_visits"]`) is a field of the body."""
    parts: list[str | int] = [p if isinstance(p, int) else str(p) for p in loc]
    return parts if parts and parts[0] in ORIGINS else [default_origin, *parts]


def _coded(msg: Message | str) -> Message:
    """A plain string (from code not yet given a code) shown as it is, under the code `unworded_text`."""
    return msg if isinstance(msg, Message) else Message("unworded_text", text=msg)


def field_errors(
    errors: Sequence[tuple[Sequence[str | int], Message | str]], lang: str | None = None
) -> list[FieldError]:
    return [FieldError(loc=located(loc), code=_coded(msg).code, msg=text(msg, lang)) for loc, msg in errors]


def problem_response(
    status: int,
    code: str,
    detail: Message | str | None = None,
    errors: Sequence[FieldError] = (),
    headers: dict[str, str] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    """The problem+json answer, worded in the request's language (told in Content-Language)."""
    lang = language.get()
    body = Problem(
        type=TYPE_BASE + code.replace("_", "-"),
        code=code,
        title=title(code, lang),
        status=status,
        detail=title(code, lang) if detail is None else text(detail, lang),
        errors=list(errors),
        instance=instance,
    )
    out = {"Content-Language": lang, "Vary": "Accept-Language"} | (headers or {})
    content = body.model_dump(exclude_unset=True)  # an import row's null sheet_row stays; other items have none
    if instance is None:
        content.pop("instance", None)
    return JSONResponse(content, status_code=status, media_type=PROBLEM_JSON, headers=out)


UNAVAILABLE_SQLSTATES = ("08", "53", "57P")
"""connection exception, insufficient resources (too many connections), operator intervention (57P01 admin
shutdown, 57P02 crash shutdown, 57P03 cannot connect now) — not 57014 (statement timeout)."""


UNSTORABLE_TEXT = "22021"
"""character_not_in_repertoire: PostgreSQL refuses a NUL character in text."""


def _cause_chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error, wherever it sits along the cause chain."""
    states = (getattr(e, "sqlstate", None) for e in _cause_chain(exc))
    return next((state for state in states if isinstance(state, str)), None)


def database_unavailable(exc: BaseException) -> bool:
    """A DBAPIError that means "the database is restarting or not reachable", not a bug: asyncpg's errors
    during a PostgreSQL restart reach SQLAlchemy as plain DBAPIError (not OperationalError), so look at the
    SQLSTATE along the cause chain, and at what asyncpg says about a connection left broken by one."""
    for current in _cause_chain(exc):
        if getattr(current, "connection_invalidated", False) or isinstance(current, ConnectionError):
            return True
        state = getattr(current, "sqlstate", None)
        if isinstance(state, str) and state.startswith(UNAVAILABLE_SQLSTATES):
            return True
        name = type(current).__name__
        if name == "ConnectionDoesNotExistError" or (
            name == "InternalClientError" and "another operation" in str(current)
        ):
            return True
    return False


def _loc(raw: Sequence[Any]) -> list[str | int]:
    return [p if isinstance(p, int) else str(p) for p in raw]


HTTP_CODES = {
    400: "malformed_body",
    401: Unauthorized.code,
    403: Forbidden.code,
    404: NotFound.code,
    405: "method_not_allowed",
    406: "not_acceptable",
    413: PayloadTooLarge.code,
    415: UnsupportedMediaType.code,
    422: Unprocessable.code,
    429: TooManyRequests.code,
    503: ServiceUnavailable.code,
}
"""Problem codes of the framework's own HTTP errors (an unknown route, a method the route lacks, a body not JSON)."""


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return problem_response(exc.status, exc.code, exc.detail, exc.items(), exc.headers, request.url.path)

    @app.exception_handler(RuleViolation)
    async def _rule_violation(request: Request, exc: RuleViolation) -> JSONResponse:
        errors = field_errors([(p.loc, p.message) for p in exc.problems])
        detail = "; ".join(e.msg for e in errors)
        return problem_response(422, RuleBroken.code, detail, errors, instance=request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            FieldError(loc=located(e.get("loc", ())), code=str(e.get("type", "value_error")), msg=message_for(e))
            for e in exc.errors()
        ]
        detail = Message("request_did_not_validate")
        return problem_response(422, Unprocessable.code, detail, errors, instance=request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        fallback = "internal_error" if exc.status_code >= 500 else "bad_request"
        code = HTTP_CODES.get(exc.status_code, fallback)
        headers = getattr(exc, "headers", None)
        return problem_response(exc.status_code, code, headers=headers, instance=request.url.path)

    @app.exception_handler(OSError)
    async def _os_error(request: Request, exc: Exception) -> JSONResponse:
        """A refused or timed-out connection is the database being away; a full disk is our fault (500)."""
        if database_unavailable(exc) or isinstance(exc, TimeoutError) or "Connect call failed" in str(exc):
            return await _database_down(request, exc)
        return await _unexpected(request, exc)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def _database_down(request: Request, exc: Exception) -> JSONResponse:
        log.error("database unavailable: %s", type(exc).__name__)
        return problem_response(
            503,
            ServiceUnavailable.code,
            Message("database_unavailable"),
            headers={"Retry-After": "5"},
            instance=request.url.path,
        )

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: Exception) -> JSONResponse:
        if database_unavailable(exc):
            return await _database_down(request, exc)
        if sqlstate(exc) == UNSTORABLE_TEXT:
            # a NUL in a query, path or form value (bodies are refused earlier, at the field); nothing was written
            return problem_response(422, Unprocessable.code, Message(NUL_REFUSED), instance=request.url.path)
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem_response(500, "internal_error", Message("internal_error_logged"), instance=request.url.path)
