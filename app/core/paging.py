"""Paging for every list: what the caller asked for (`PageQuery`, a dependency), what a service found (`Window`),
and the opaque cursor of a keyset page.

A list is paged one of two ways. An *offset* list (`OffsetPaging`) is bounded — users, plan lines, a year's
disclosures — and always counts its total. A *keyset* list (`CursorPaging`) can grow without bound — enterprises,
visits, findings, the audit trail, the change feed: it continues after the sort key of the last row it gave, so rows
inserted meanwhile neither shift nor repeat a page, and it counts only when asked (`?total=true`) or when its first
page already holds everything.

A cursor is urlsafe base64 of JSON `[list, key]` and an HMAC of it under the server's secret: `list` is the path it
was made for, `key` the last row's sort key. A cursor that is not one of ours, was altered, or was made for another
list is 422 at `["query", "cursor"]`.
"""

import base64
import functools
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from starlette.datastructures import URL

from app.core.errors import Unprocessable
from app.domain.errors import Message

T = TypeVar("T")
MAX_LIMIT = 200
SIGNATURE_BYTES = 12
BAD_CURSOR = Message("bad_cursor")


def cursor_problem(detail: Message = BAD_CURSOR) -> Unprocessable:
    return Unprocessable(detail, errors=[(["query", "cursor"], detail)])


@dataclass(frozen=True)
class PageQuery:
    """One page asked of a list: its size, where it starts (an offset or the decoded key after which it
    continues), whether the total is wanted, and how to link the next page."""

    limit: int
    offset: int = 0
    after: list[Any] | None = None
    want_total: bool = True
    keyset: bool = False
    path: str = ""
    query: str = ""
    secret: bytes = field(default=b"", repr=False)

    def encode(self, key: list[Any]) -> str:
        payload = json.dumps([self.path, key], separators=(",", ":"), ensure_ascii=False, default=str).encode()
        signature = hmac.new(self.secret, payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]
        return base64.urlsafe_b64encode(signature + payload).decode().rstrip("=")

    def decode(self, cursor: str) -> list[Any]:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            signature, payload = raw[:SIGNATURE_BYTES], raw[SIGNATURE_BYTES:]
            expected = hmac.new(self.secret, payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]
            path, key = json.loads(payload) if hmac.compare_digest(signature, expected) else (None, None)
        except (ValueError, TypeError):  # not base64, not JSON, not a pair
            raise cursor_problem() from None
        if path != self.path or not isinstance(key, list):
            raise cursor_problem()
        return key

    def next_link(self, **replace: Any) -> str:
        """This page's relative URL with every query parameter kept but the ones replaced."""
        return _link(self.path, self.query, tuple(replace.items()))


@functools.lru_cache(maxsize=1024)
def _link(path: str, query: str, replaced: tuple[tuple[str, Any], ...]) -> str:
    """A URL with some query parameters replaced (parsing and quoting it again cost more than the rest of the page's
    fields): remembered, as a page polled or re-read links to the same next page."""
    url = URL(f"{path}?{query}" if query else path).include_query_params(**dict(replaced))
    return f"{url.path}?{url.query}"


@dataclass(frozen=True)
class Window(Generic[T]):
    """What a service found for a `PageQuery`: the rows, whether more follow, the total when it was counted, and
    for a keyset list the sort key of the last row (the next page continues after it)."""

    items: list[T]
    has_more: bool
    total: int | None
    last_key: list[Any] | None = None

    def map(self, present: Callable[[T], Any]) -> "Window[Any]":
        return self.replace([present(item) for item in self.items])

    def replace(self, items: list[Any]) -> "Window[Any]":
        """The same window with its items presented otherwise (as many, in the same order)."""
        return Window(items, self.has_more, self.total, self.last_key)

    @classmethod
    def cut(cls, everything: list[T], query: PageQuery) -> "Window[T]":
        """A page of a short list read whole (jurisdictions, a plan's years, one enterprise's licences)."""
        items = everything[query.offset : query.offset + query.limit]
        return cls(items, query.offset + len(items) < len(everything), len(everything))

    def fields(self, query: PageQuery) -> dict[str, Any]:
        """Everything of the page but its items: size, more, the next page's link and cursor, total, offset. A
        keyset page links onward wherever it knows a key to continue after (the feed always: it is polled)."""
        if query.keyset:
            cursor = None if self.last_key is None else query.encode(self.last_key)
            following = None if cursor is None else query.next_link(cursor=cursor)
        else:
            cursor = None
            following = query.next_link(offset=query.offset + len(self.items)) if self.has_more else None
        return {
            "limit": query.limit,
            "has_more": self.has_more,
            "next": following,
            "total": self.total,
            "offset": None if query.keyset else query.offset,
            "cursor": cursor,
        }


def _secret(request: Request) -> bytes:
    return request.app.state.settings.secret_key.encode()


def _target(request: Request) -> tuple[str, str]:
    return request.url.path, request.url.query


async def offset_paging(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"page size (max {MAX_LIMIT})")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="rows to skip; or follow `next`")] = 0,
) -> PageQuery:
    path, query = _target(request)
    return PageQuery(limit=limit, offset=offset, path=path, query=query)


async def cursor_paging(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"page size (max {MAX_LIMIT})")] = 50,
    cursor: Annotated[
        str | None, Query(max_length=2000, description="opaque: taken from the previous page's `next`")
    ] = None,
    total: Annotated[bool, Query(description="count every matching row (slower on a large list)")] = False,
) -> PageQuery:
    path, query = _target(request)
    page = PageQuery(limit=limit, want_total=total, keyset=True, path=path, query=query, secret=_secret(request))
    return page if cursor is None else replace(page, after=page.decode(cursor))


async def feed_paging(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=2000, description="opaque: the previous page's `cursor`")] = None,
    after: Annotated[int, Query(ge=0, le=2**62, description="or: the last position seen (0: from the start)")] = 0,
) -> PageQuery:
    """The change feed's page: after a cursor, or after a position taken from an event; never counted."""
    path, query = _target(request)
    page = PageQuery(limit=limit, want_total=False, keyset=True, path=path, query=query, secret=_secret(request))
    return replace(page, after=page.decode(cursor) if cursor is not None else [after])


OffsetPaging = Annotated[PageQuery, Depends(offset_paging)]
CursorPaging = Annotated[PageQuery, Depends(cursor_paging)]
FeedPaging = Annotated[PageQuery, Depends(feed_paging)]
