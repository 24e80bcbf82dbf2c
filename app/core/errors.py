"""One error shape: RFC 9457 problem+json, with `errors: [{loc, msg}]` for field- and row-level problems."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.validation_messages import NUL_REFUSED, message_for
from app.domain.errors import RuleViolation

log = logging.getLogger("app.core.errors")

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://zhijian.example.gov.cn/problems/"


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] = []


class AppError(Exception):
    status = 400
    code = "bad-request"
    title = "请求无效 (bad request)"
    keep_changes = False  # commit the session's work although the request fails (e.g. failed-login audit)
    headers: dict[str, str] | None = None

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[tuple[Sequence[str | int], str]] = (),
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = [FieldError(loc=list(loc), msg=msg) for loc, msg in errors]
        if headers is not None:
            self.headers = headers


class NotFound(AppError):
    status = 404
    code = "not-found"
    title = "未找到 (not found)"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"
    title = "未认证 (not authenticated)"
    headers = {"WWW-Authenticate": "Bearer"}


class InvalidCredentials(Unauthorized):
    """The one answer to every refused sign-in — unknown user, wrong password, locked account, missing or wrong
    second factor — so the answer never tells which usernames exist, are locked, or had the right password."""

    code = "invalid-credentials"
    title = "用户名、密码或动态口令错误 (wrong username, password or one-time code)"
    keep_changes = True


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    title = "无权限 (forbidden)"


class PasswordExpired(Forbidden):
    code = "password-expired"
    title = "密码已过期，请先修改密码 (password expired: change it at POST /api/v1/me/password)"


class TwoFactorEnrolmentRequired(Forbidden):
    code = "two-factor-enrolment-required"
    title = "须先启用双因素认证 (enrol two-factor sign-in first: POST /api/v1/me/two-factor)"


class Conflict(AppError):
    status = 409
    code = "conflict"
    title = "冲突 (conflict)"


class PreconditionFailed(AppError):
    status = 412
    code = "precondition-failed"
    title = "版本已变化 (the record changed since you read it)"


class PayloadTooLarge(AppError):
    status = 413
    code = "payload-too-large"
    title = "上传内容过大 (payload too large)"


class Unprocessable(AppError):
    status = 422
    code = "validation-error"
    title = "数据校验未通过 (validation failed)"


class RuleBroken(Unprocessable):
    code = "rule-violation"
    title = "不符合计划规则 (violates a rule of the plan)"


class TooManyRequests(AppError):
    status = 429
    code = "too-many-requests"
    title = "请求过于频繁 (too many requests)"


class ServiceUnavailable(AppError):
    status = 503
    code = "service-unavailable"
    title = "服务暂不可用 (service unavailable)"


def error_responses(*errors: type[AppError]) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each error class shows in OpenAPI as problem+json."""
    return {e.status: {"model": Problem, "description": e.title} for e in errors}


COMMON_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, Unprocessable)
"""What most operations answer besides success: not signed in, not permitted, not found (or not yours), invalid."""
WRITE_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, Conflict, Unprocessable)
VERSIONED_WRITE_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, Conflict, PreconditionFailed, Unprocessable)
"""A write that honours If-Match: 412 when the record changed since it was read."""


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str | None,
    errors: Sequence[FieldError] = (),
    headers: dict[str, str] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    body = Problem(
        type=TYPE_BASE + code,
        title=title,
        status=status,
        detail=detail,
        errors=list(errors),
        instance=instance,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


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


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return problem_response(exc.status, exc.code, exc.title, exc.detail, exc.errors, exc.headers, request.url.path)

    @app.exception_handler(RuleViolation)
    async def _rule_violation(request: Request, exc: RuleViolation) -> JSONResponse:
        errors = [FieldError(loc=_loc(p.loc), msg=p.msg) for p in exc.problems]
        return problem_response(
            422,
            RuleBroken.code,
            RuleBroken.title,
            "; ".join(e.msg for e in errors),
            errors,
            instance=request.url.path,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [FieldError(loc=_loc(e.get("loc", ())), msg=message_for(e)) for e in exc.errors()]
        return problem_response(
            422,
            Unprocessable.code,
            Unprocessable.title,
            "请求内容未通过校验 (request did not validate)",
            errors,
            instance=request.url.path,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {
            400: "请求体无法解析 (malformed request body)",
            401: Unauthorized.title,
            404: NotFound.title,
            405: "方法不允许 (method not allowed)",
        }
        return problem_response(
            exc.status_code,
            f"http-{exc.status_code}",
            titles.get(exc.status_code, str(exc.detail)),
            str(exc.detail),
            headers=getattr(exc, "headers", None),
            instance=request.url.path,
        )

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
            ServiceUnavailable.title,
            "数据库暂不可用，请稍后重试 (database unavailable)",
            headers={"Retry-After": "5"},
            instance=request.url.path,
        )

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: Exception) -> JSONResponse:
        if database_unavailable(exc):
            return await _database_down(request, exc)
        if sqlstate(exc) == UNSTORABLE_TEXT:
            # a NUL in a query, path or form value (bodies are refused earlier, at the field); nothing was written
            return problem_response(
                422, Unprocessable.code, Unprocessable.title, NUL_REFUSED, instance=request.url.path
            )
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return problem_response(
            500,
            "internal-error",
            "服务器内部错误 (internal error)",
            "请求未能完成，已记录，请联系管理员 (the request failed and was logged)",
            instance=request.url.path,
        )
