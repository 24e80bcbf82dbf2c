"""Per-address rate limits (moving window) — `limits` does the counting.

The counters live where `RATE_LIMIT_STORAGE` says: `async+memory://` (the default: per process, so N uvicorn
workers allow N times the limit) or `async+redis://host:6379/0` (shared by every worker and every host). If the
shared store cannot be reached the request is let through and a warning logged: sign-in stays available, and the
per-account lockout (kept in the database) still stops password guessing.
"""

import logging
import time

from fastapi import Request
from limits import RateLimitItem, parse
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from app.core.errors import TooManyRequests
from app.domain.errors import Message

log = logging.getLogger("app.core.ratelimit")


class RateLimiter:
    def __init__(self, storage_uri: str = "async+memory://") -> None:
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))
        self._rules: dict[str, RateLimitItem] = {}

    async def reachable(self) -> bool:
        try:
            return bool(await self._limiter.storage.check())
        except Exception:
            return False

    async def hit(self, rule: str, *keys: str) -> None:
        item = self._rules.setdefault(rule, parse(rule))
        try:
            allowed = await self._limiter.hit(item, *keys)
            reset_at = None if allowed else (await self._limiter.get_window_stats(item, *keys)).reset_time
        except Exception:
            log.warning("rate-limit store unavailable; request let through", exc_info=True)
            return
        if reset_at is not None:
            retry_after = max(1, int(reset_at - time.time()) + 1)
            raise TooManyRequests(
                Message("rate_limit_exceeded", retry_after=retry_after, rule=rule),
                headers={"Retry-After": str(retry_after)},
            )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def limit_logins(request: Request) -> None:
    await request.app.state.rate_limiter.hit(request.app.state.settings.login_rate_limit, "login", _client(request))


async def limit_public(request: Request) -> None:
    await request.app.state.rate_limiter.hit(request.app.state.settings.public_rate_limit, "public", _client(request))
