"""The outbound client against a small licensing system on loopback that fails the way real ones do."""

import json
import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import select

from app.core.config import Settings
from app.models import Licence, LicenceSyncCursor
from app.services.ledger.licensing_client import pull_licences
from tests.builders import make_enterprise, new_credit_code

pytestmark = pytest.mark.anyio
TODAY = date(2026, 6, 1)


class FakeLicensingSystem:
    """Answers GET /licences from a script: each request takes the next behaviour, the last one repeats."""

    def __init__(self) -> None:
        self.script: list[Any] = []
        self.requests: list[dict[str, list[str]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.requests.append(parse_qs(urlparse(self.path).query))
                behaviour = outer.script.pop(0) if len(outer.script) > 1 else outer.script[0]
                kind, payload = behaviour
                if kind == "sleep":
                    time.sleep(payload)
                    kind, payload = "json", {"items": [], "next_cursor": None}
                status, text = {
                    "json": lambda: (200, json.dumps(payload, ensure_ascii=False)),
                    "status": lambda: (payload, "boom"),
                    "raw": lambda: (200, payload),
                }[kind]()
                data = text.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def settings(self, **overrides: Any) -> Settings:
        fields = {
            "env": "test",
            "secret_key": "x" * 40,
            "licensing_system_url": self.url,
            "licensing_timeout_seconds": 0.3,
            "licensing_retries": 2,
            "licensing_backoff_seconds": 0.01,
        }
        return Settings(**(fields | overrides))


@pytest.fixture
def remote() -> Iterator[FakeLicensingSystem]:
    fake = FakeLicensingSystem()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def item(credit_code: str, number: str, updated_at: str, **overrides: Any) -> dict[str, Any]:
    return {
        "licence_no": number,
        "credit_code": credit_code,
        "product_category": "水泥",
        "issued_on": "2023-01-01",
        "expires_on": "2028-12-31",
        "status": "valid",
        "updated_at": updated_at,
    } | overrides


async def test_a_pull_applies_every_page_and_remembers_where_it_stopped(session, remote) -> None:
    enterprise = await make_enterprise(session)
    page1 = {
        "items": [item(enterprise.credit_code, "新XK08-001-10001", "2026-05-01T10:00:00+08:00")],
        "next_cursor": "p2",
    }
    page2 = {
        "items": [item(enterprise.credit_code, "新XK08-001-10002", "2026-05-02T10:00:00+08:00")],
        "next_cursor": None,
    }
    remote.script = [("json", page1), ("json", page2)]
    run = await pull_licences(session, remote.settings(), today=TODAY)
    assert (run.status, run.fetched, run.created, run.failed) == ("succeeded", 2, 2, 0)
    assert remote.requests[0]["changed_since"] == ["1970-01-01T00:00:00+00:00"]
    assert remote.requests[1]["cursor"] == ["p2"]
    assert run.cursor_after == "2026-05-02T02:00:00+00:00"
    cursor = await session.get(LicenceSyncCursor, remote.url)
    assert cursor.changed_since == run.cursor_after
    remote.script = [("json", page2)]
    again = await pull_licences(session, remote.settings(), today=TODAY)
    assert remote.requests[2]["changed_since"] == ["2026-05-02T02:00:00+00:00"]
    assert (again.status, again.unchanged, again.created) == ("succeeded", 1, 0)


async def test_the_client_retries_a_500_and_a_timeout_then_succeeds(session, remote) -> None:
    enterprise = await make_enterprise(session)
    good = {"items": [item(enterprise.credit_code, "新XK08-001-10003", "2026-05-01T00:00:00Z")], "next_cursor": None}
    remote.script = [("status", 500), ("sleep", 1.0), ("json", good)]
    run = await pull_licences(session, remote.settings(), today=TODAY)
    assert (run.status, run.created) == ("succeeded", 1)
    assert len(remote.requests) == 3


async def test_a_licensing_system_that_keeps_timing_out_is_recorded_as_a_failed_run(session, remote) -> None:
    remote.script = [("sleep", 1.0)]
    run = await pull_licences(session, remote.settings(licensing_retries=1), today=TODAY)
    assert run.status == "failed" and "timeout" in run.detail and "2 attempts" in run.detail
    assert run.cursor_after is None and await session.get(LicenceSyncCursor, remote.url) is None


async def test_a_500_on_the_second_page_keeps_the_first_page_and_the_cursor_before_the_lost_page(
    session, remote
) -> None:
    enterprise = await make_enterprise(session)
    page1 = {"items": [item(enterprise.credit_code, "新XK08-001-10004", "2026-05-01T00:00:00Z")], "next_cursor": "p2"}
    remote.script = [("json", page1), ("status", 503)]
    run = await pull_licences(session, remote.settings(), today=TODAY)
    assert (run.status, run.created) == ("partial", 1)
    assert "HTTP 503" in run.detail
    assert run.cursor_after == "2026-05-01T00:00:00+00:00"
    assert len(remote.requests) == 1 + 3  # the first page, then the second page tried three times


async def test_malformed_json_is_not_retried_and_is_recorded(session, remote) -> None:
    remote.script = [("raw", '{"items": [ {"licence_no": ')]
    run = await pull_licences(session, remote.settings(), today=TODAY)
    assert run.status == "failed" and "malformed JSON" in run.detail
    assert len(remote.requests) == 1
    remote.script = [("json", {"licences": []})]
    run = await pull_licences(session, remote.settings(), today=TODAY)
    assert run.status == "failed" and "no items list" in run.detail


async def test_items_that_cannot_be_applied_are_recorded_with_their_reason_and_the_rest_apply(session, remote) -> None:
    enterprise = await make_enterprise(session)
    stranger = new_credit_code()
    page = {
        "items": [
            item(enterprise.credit_code, "新XK08-001-10005", "2026-05-01T00:00:00Z"),
            item(stranger, "新XK08-001-10006", "2026-05-01T00:00:01Z"),
            {"licence_no": "新XK08-001-10007", "credit_code": enterprise.credit_code},
            item(enterprise.credit_code, "新XK08-001-10008", "2026-05-01T00:00:02Z", product_category="不存在"),
        ],
        "next_cursor": None,
    }
    remote.script = [("json", page)]
    run = await pull_licences(session, remote.settings(), today=TODAY)
    assert (run.status, run.fetched, run.created, run.failed) == ("partial", 4, 1, 3)
    reasons = {f["licence_no"]: f["reason"] for f in run.failures}
    assert stranger in reasons["新XK08-001-10006"]
    assert "invalid item" in reasons["新XK08-001-10007"]
    assert "许可目录" in reasons["新XK08-001-10008"]
    numbers = (await session.exec(select(Licence.licence_no).where(Licence.enterprise_id == enterprise.id))).all()
    assert numbers == ["新XK08-001-10005"]


async def test_an_unreachable_licensing_system_is_a_failed_run_not_a_crash(session) -> None:
    settings = Settings(
        env="test",
        secret_key="x" * 40,
        licensing_system_url="http://127.0.0.1:9/api",
        licensing_retries=1,
        licensing_backoff_seconds=0.01,
    )
    run = await pull_licences(session, settings, today=TODAY)
    assert run.status == "failed" and "connection error" in run.detail


async def test_without_a_configured_url_the_run_says_so(session) -> None:
    run = await pull_licences(session, Settings(env="test", secret_key="x" * 40), today=TODAY)
    assert run.status == "failed" and "LICENSING_SYSTEM_URL" in run.detail
