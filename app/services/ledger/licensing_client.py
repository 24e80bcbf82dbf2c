"""Pull changed licences from the licensing system (`python -m app.cli sync-licences`).

The contract we expect of the licensing system (JSON over HTTP):

    GET {base}/licences?changed_since=<ISO 8601>&limit=<n>      first page
    GET {base}/licences?cursor=<next_cursor>&limit=<n>          following pages
    200 {"items": [{"licence_no", "credit_code", "product_category", "issued_on", "expires_on",
                    "status", "updated_at"}, ...],
         "next_cursor": "<opaque>" | null}                      items in updated_at order; null = last page

Timeouts, connection errors and 5xx are retried with exponential backoff (a small loop: backoff × 2ⁿ, no
library); 4xx and malformed answers are not. Nothing raises out of `pull_licences`: the run records what was
fetched, applied and what failed with its reason. The cursor (newest `updated_at` of the pages fully read)
only moves past pages that were read, so a page lost to a failure is asked for again next time; a licence that
was read but could not be applied (e.g. its enterprise is not on the ledger) is listed in the run's failures.
"""

import asyncio
import dataclasses
import logging
import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
from pydantic import ValidationError

from app.core.actor import SYSTEM, Actor
from app.core.config import Settings
from app.core.errors import worded
from app.core.i18n import ZH_CN, field_message, text
from app.domain.errors import RuleViolation
from app.models import LicenceSyncCursor, LicenceSyncRun
from app.models.base import utcnow
from app.schemas.licence_sync import LicenceSyncRow, PulledLicence
from app.services.ledger.licence_sync import apply_row, load_lookup, recompute, row_problems

log = logging.getLogger("app.licensing")
SYNC_ACTOR: Actor = dataclasses.replace(SYSTEM, name="licence-sync")
EPOCH = "1970-01-01T00:00:00+00:00"
MAX_PAGES = 10_000


class LicensingError(Exception):
    """The licensing system could not give us a page; `reason` says why in words an operator can act on (kept on
    the run, in Chinese: the bureau's staff read it; HTTP statuses and exception names as they are)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LicensingClient:
    def __init__(self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not settings.licensing_system_url:
            raise LicensingError("未配置许可系统地址 LICENSING_SYSTEM_URL")
        self.base_url = settings.licensing_system_url.rstrip("/")
        self.retries = settings.licensing_retries
        self.backoff = settings.licensing_backoff_seconds
        self.limit = settings.licensing_page_limit
        headers = {"Accept": "application/json"}
        if settings.licensing_system_token:
            headers["Authorization"] = f"Bearer {settings.licensing_system_token}"
        self.http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(settings.licensing_timeout_seconds),
            transport=transport,
        )

    async def __aenter__(self) -> "LicensingClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    async def page(self, params: dict[str, Any]) -> tuple[list[Any], str | None]:
        """One page, retried on timeouts, connection errors and 5xx; raises LicensingError when it gives up."""
        attempt = 0
        while True:
            try:
                response = await self.http.get("/licences", params={**params, "limit": self.limit})
                if response.status_code >= 500:
                    raise _Retryable(f"许可系统服务端出错：HTTP {response.status_code}")
                if response.status_code != 200:
                    raise LicensingError(f"许可系统拒绝请求 HTTP {response.status_code}: {response.text[:200]}")
                return _parse(response)
            except httpx.TimeoutException as exc:
                reason = f"许可系统响应超时：{type(exc).__name__}"
            except httpx.TransportError as exc:
                reason = f"无法连接许可系统：{type(exc).__name__}: {exc}"
            except _Retryable as exc:
                reason = exc.reason
            if attempt >= self.retries:
                raise LicensingError(f"{reason}；已重试{self.retries}次，{attempt + 1}次请求均未成功")
            delay = self.backoff * 2**attempt
            log.warning("licensing system: %s; retry %d in %.2fs", reason, attempt + 1, delay)
            await asyncio.sleep(delay)
            attempt += 1


class _Retryable(LicensingError):
    pass


def _parse(response: httpx.Response) -> tuple[list[Any], str | None]:
    try:
        body = response.json()
    except ValueError as exc:
        raise LicensingError(f"许可系统返回的不是有效 JSON：{exc}") from exc
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise LicensingError("许可系统返回格式不符：缺少 items 列表")
    cursor = body.get("next_cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise LicensingError("许可系统返回格式不符：next_cursor 应为字符串")
    return body["items"], cursor


def _failure(item: Any, reason: str, loc: list[Any]) -> dict[str, Any]:
    number = item.get("licence_no") if isinstance(item, dict) else None
    return {"licence_no": number if isinstance(number, str) else None, "loc": loc, "reason": reason}


async def _apply_page(
    session: Any, run: LicenceSyncRun, items: list[Any], page_no: int, changed: set[uuid.UUID]
) -> datetime | None:
    """Apply one page item by item: a bad item is recorded and skipped, the others still apply."""
    newest: datetime | None = None
    rows: list[tuple[int, LicenceSyncRow, PulledLicence]] = []
    for n, item in enumerate(items):
        run.fetched += 1
        try:
            pulled = PulledLicence.model_validate(item)
        except ValidationError as exc:
            problems = "；".join(
                f"{'.'.join(map(str, e['loc']))}：{field_message(e['type'], e.get('ctx'), e['msg'], ZH_CN)}"
                for e in exc.errors()
            )
            run.failures.append(_failure(item, f"数据格式错误：{problems}", ["pages", page_no, n]))
            continue
        updated_at = pulled.updated_at if pulled.updated_at.tzinfo else pulled.updated_at.replace(tzinfo=UTC)
        newest = max(newest, updated_at) if newest else updated_at
        rows.append((n, LicenceSyncRow(**pulled.model_dump(exclude={"updated_at"})), pulled))
    lookup = await load_lookup(session, SYNC_ACTOR, [row for _, row, _ in rows])
    for n, row, _ in rows:
        problems = row_problems(row, lookup)
        if problems:
            reason = "；".join(text(p.message, ZH_CN) for p in problems)
            run.failures.append(_failure(row.model_dump(), reason, ["pages", page_no, n]))
            continue
        try:
            async with session.begin_nested():
                licence, outcome = await apply_row(session, SYNC_ACTOR, row, lookup)
        except RuleViolation as exc:
            run.failures.append(_failure(row.model_dump(), worded(exc, ZH_CN), ["pages", page_no, n]))
            continue
        setattr(run, outcome, getattr(run, outcome) + 1)
        if outcome != "unchanged":
            changed.add(licence.enterprise_id)
    return newest


async def pull_licences(
    session: Any, settings: Settings, *, today: date, transport: httpx.AsyncBaseTransport | None = None
) -> LicenceSyncRun:
    """Fetch every licence changed since the last pull, apply it, and record the run (never raises on the remote)."""
    source = (settings.licensing_system_url or "").rstrip("/")
    cursor = await session.get(LicenceSyncCursor, source) if source else None
    since = cursor.changed_since if cursor else EPOCH
    run = LicenceSyncRun(direction="pull", source_url=source or None, cursor_before=since, actor_name=SYNC_ACTOR.name)
    run.failures = []  # the run is added at the end, so the failures collected here are all written
    changed: set[uuid.UUID] = set()
    newest: datetime | None = None
    try:
        async with LicensingClient(settings, transport) as client:
            params: dict[str, Any] = {"changed_since": since}
            for page_no in range(MAX_PAGES):
                items, next_cursor = await client.page(params)
                page_newest = await _apply_page(session, run, items, page_no, changed)
                if page_newest and (newest is None or page_newest > newest):
                    newest = page_newest
                if next_cursor is None:
                    break
                params = {"cursor": next_cursor}
    except LicensingError as exc:
        run.detail = exc.reason
        log.error("licence sync stopped: %s", exc.reason)
    await recompute(session, changed, today=today)
    run.failed = len(run.failures)
    if newest is not None:
        run.cursor_after = newest.astimezone(UTC).isoformat()
        if cursor is None:
            cursor = LicenceSyncCursor(source_url=source, changed_since=run.cursor_after)
        elif newest > datetime.fromisoformat(cursor.changed_since):
            cursor.changed_since = run.cursor_after
        cursor.updated_at = utcnow()
        session.add(cursor)
    if run.detail is None:
        run.status = "partial" if run.failures else "succeeded"
    else:
        run.status = "partial" if run.fetched else "failed"
    run.finished_at = utcnow()
    session.add(run)
    await session.flush()
    return run
