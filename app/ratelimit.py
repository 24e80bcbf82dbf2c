"""Per-address rate limits (moving window, in process) — `limits` does the counting."""

import time

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from app.errors import TooManyRequests


class RateLimiter:
    def __init__(self) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._rules: dict[str, RateLimitItem] = {}

    def hit(self, rule: str, *keys: str) -> None:
        item = self._rules.setdefault(rule, parse(rule))
        if not self._limiter.hit(item, *keys):
            reset_at, _ = self._limiter.get_window_stats(item, *keys)
            retry_after = max(1, int(reset_at - time.time()) + 1)
            raise TooManyRequests(
                f"请求过于频繁，请{retry_after}秒后重试 (rate limit {rule} exceeded)",
                headers={"Retry-After": str(retry_after)},
            )


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def limit_logins(request: Request) -> None:
    request.app.state.rate_limiter.hit(request.app.state.settings.login_rate_limit, "login", _client(request))


async def limit_public(request: Request) -> None:
    request.app.state.rate_limiter.hit(request.app.state.settings.public_rate_limit, "public", _client(request))
