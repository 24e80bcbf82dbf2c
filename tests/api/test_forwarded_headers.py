"""X-Forwarded-For and Forwarded are believed only from the proxies in TRUSTED_PROXIES (none by default): anyone
else could name a new address on every request and never meet the per-address limits."""

import re
from pathlib import Path

import httpx
import pytest

from app.main import create_app

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = "/api/v1/public/inspection-results"


async def _statuses(settings, client_address: str, forwarded: list[dict[str, str]]) -> list[int]:  # noqa: ANN001
    app = create_app(settings.model_copy(update={"public_rate_limit": "3/minute"}))
    transport = httpx.ASGITransport(app=app, client=(client_address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        statuses = [(await client.get(PUBLIC, headers=h)).status_code for h in forwarded]
    await app.state.engine.dispose()
    return statuses


SPOOFED = [
    {"X-Forwarded-For": "198.51.100.1"},
    {"X-Forwarded-For": "198.51.100.2"},
    {"Forwarded": "for=198.51.100.3"},
    {"X-Forwarded-For": "198.51.100.4, 198.51.100.5"},
    {"X-Forwarded-For": "198.51.100.6"},
]


async def test_a_client_that_is_not_a_trusted_proxy_cannot_name_another_address(settings) -> None:
    statuses = await _statuses(settings, "203.0.113.9", SPOOFED)
    assert statuses == [200, 200, 200, 429, 429]


async def test_by_default_not_even_a_local_proxy_is_trusted(settings) -> None:
    assert settings.trusted_proxies == []
    assert (await _statuses(settings, "127.0.0.1", SPOOFED))[3:] == [429, 429]


async def test_a_trusted_proxy_names_the_client_and_each_client_is_counted_alone(settings) -> None:
    trusted = settings.model_copy(update={"trusted_proxies": ["10.0.0.0/8"]})
    clients = [{"X-Forwarded-For": f"198.51.100.{n}"} for n in range(1, 6)]
    assert await _statuses(trusted, "10.1.2.3", clients) == [200] * 5
    same_client = [{"X-Forwarded-For": "198.51.100.77"}] * 4
    assert await _statuses(trusted, "10.1.2.3", same_client) == [200, 200, 200, 429]


def test_uvicorn_is_started_without_its_own_forwarded_header_handling() -> None:
    """uvicorn believes X-Forwarded-For from 127.0.0.1 by default; the app's TRUSTED_PROXIES is the one place."""
    for path in ("Makefile", "Dockerfile"):
        commands = [line for line in (ROOT / path).read_text().splitlines() if re.search(r"\buvicorn app\.main", line)]
        assert commands, path
        assert all("--no-proxy-headers" in line for line in commands), path
