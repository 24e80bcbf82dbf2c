"""With RATE_LIMIT_STORAGE on Redis, every worker counts against one limit (in memory, each counts alone)."""

import logging
import os
import uuid

import httpx
import pytest

from app.core.config import Settings
from app.core.ratelimit import RateLimiter
from app.main import create_app
from tests.api.conftest import TEST_SECRET

pytestmark = pytest.mark.anyio

REDIS = os.environ.get("TEST_REDIS_URL", "async+redis://127.0.0.1:6379/15")
"""Set TEST_REDIS_URL= (empty) to skip these on a machine without Redis; .ci/run starts one."""


@pytest.fixture
def redis_url() -> str:
    if not REDIS:
        pytest.skip("TEST_REDIS_URL is empty")
    return REDIS


def _worker(storage: str, database_url: str, address: str) -> httpx.AsyncClient:
    settings = Settings(
        env="test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        public_rate_limit="3/minute",
        rate_limit_storage=storage,
    )
    transport = httpx.ASGITransport(app=create_app(settings), client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def _statuses(workers: list[httpx.AsyncClient], calls: int) -> list[int]:
    return [(await workers[i % 2].get("/api/v1/public/inspection-results")).status_code for i in range(calls)]


async def test_two_workers_sharing_redis_enforce_one_limit_between_them(redis_url, database_url):
    if not await RateLimiter(redis_url).reachable():
        pytest.fail(f"Redis does not answer at {redis_url}; start it, or set TEST_REDIS_URL= to skip")
    address = f"test-{uuid.uuid4().hex}"  # a key of its own: no earlier run's window counts, nothing else is touched
    workers = [_worker(redis_url, database_url, address) for _ in range(2)]
    statuses = await _statuses(workers, 5)
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]


async def test_two_workers_in_memory_each_count_alone(database_url):
    address = f"test-{uuid.uuid4().hex}"
    workers = [_worker("async+memory://", database_url, address) for _ in range(2)]
    assert 429 not in await _statuses(workers, 6)  # 3 each: the per-process limit, as documented


async def test_an_unreachable_rate_limit_store_lets_the_request_through_and_says_so(caplog):
    limiter = RateLimiter("async+redis://127.0.0.1:1/0")
    assert not await limiter.reachable()
    with caplog.at_level(logging.WARNING, logger="app.core.ratelimit"):
        await limiter.hit("1/minute", "login", "192.0.2.1")
        await limiter.hit("1/minute", "login", "192.0.2.1")  # would raise 429 if counted; the store is down
    warnings = [r for r in caplog.records if r.name == "app.core.ratelimit" and r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert "let through" in warnings[0].getMessage()
