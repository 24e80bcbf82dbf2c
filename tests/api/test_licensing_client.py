"""The outbound client against a licensing system that fails the way real ones do (in process, no waiting)."""

import json
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from sqlmodel import select

from app.core.config import Settings
from app.models import Licence, LicenceSyncCursor
from app.services.ledger.licensing_client import pull_licences
from tests.builders import make_enterprise, new_credit_code

pytestmark = pytest.mark.anyio
TODAY = date(2026, 6, 1)


class FakeLicensingSystem:
    """Answers GET /licences from a script, in process (httpx.MockTransport): each request takes the next
    behaviour, the last one repeats. A "timeout" raises the timeout the client would meet, without waiting."""

    url = "http://licensing.test/api"

    def __init__(self) -> None:
        self.script: list[Any] = []
        self.requests: list[dict[str, list[str]]] = []
        self.transport = httpx.MockTransport(self._answer)

    def _answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(parse_qs(urlparse(str(request.url)).query))
        kind, payload = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if kind == "timeout":
            raise httpx.ReadTimeout("timed out", request=request)
        if kind == "status":
            return httpx.Response(payload, text="boom")
        text = payload if kind == "raw" else json.dumps(payload, ensure_ascii=False)
        return httpx.Response(200, text=text, headers={"Content-Type": "application/json"})

    def settings(self, **overrides: Any) -> Settings:
        fields = {
            "env": "test",
            "secret_key": "x" * 40,
            "licensing_system_url": self.url,
            "licensing_retries": 2,
            "licensing_backoff_seconds": 0,
        }
        return Settings(**(fields | overrides))

    async def pull(self, session: Any, **overrides: Any) -> Any:
        return await pull_licences(session, self.settings(**overrides), today=TODAY, transport=self.transport)


@pytest.fixture
def remote() -> FakeLicensingSystem:
    return FakeLicensingSystem()


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
    run = await remote.pull(session)
    assert (run.status, run.fetched, run.created, run.failed) == ("succeeded", 2, 2, 0)
    assert remote.requests[0]["changed_since"] == ["1970-01-01T00:00:00+00:00"]
    assert remote.requests[1]["cursor"] == ["p2"]
    assert run.cursor_after == "2026-05-02T02:00:00+00:00"
    cursor = await session.get(LicenceSyncCursor, remote.url)
    assert cursor.changed_since == run.cursor_after
    remote.script = [("json", page2)]
    again = await remote.pull(session)
    assert remote.requests[2]["changed_since"] == ["2026-05-02T02:00:00+00:00"]
    assert (again.status, again.unchanged, again.created) == ("succeeded", 1, 0)


async def test_the_client_retries_a_500_and_a_timeout_then_succeeds(session, remote) -> None:
    enterprise = await make_enterprise(session)
    good = {"items": [item(enterprise.credit_code, "新XK08-001-10003", "2026-05-01T00:00:00Z")], "next_cursor": None}
    remote.script = [("status", 500), ("timeout", None), ("json", good)]
    run = await remote.pull(session)
    assert (run.status, run.created) == ("succeeded", 1)
    assert len(remote.requests) == 3


async def test_a_licensing_system_that_keeps_timing_out_is_recorded_as_a_failed_run(session, remote) -> None:
    remote.script = [("timeout", None)]
    run = await remote.pull(session, licensing_retries=1)
    assert run.status == "failed" and "响应超时" in run.detail and "2次请求均未成功" in run.detail
    assert run.cursor_after is None and await session.get(LicenceSyncCursor, remote.url) is None


async def test_a_500_on_the_second_page_keeps_the_first_page_and_the_cursor_before_the_lost_page(
    session, remote
) -> None:
    enterprise = await make_enterprise(session)
    page1 = {"items": [item(enterprise.credit_code, "新XK08-001-10004", "2026-05-01T00:00:00Z")], "next_cursor": "p2"}
    remote.script = [("json", page1), ("status", 503)]
    run = await remote.pull(session)
    assert (run.status, run.created) == ("partial", 1)
    assert "HTTP 503" in run.detail
    assert run.cursor_after == "2026-05-01T00:00:00+00:00"
    assert len(remote.requests) == 1 + 3  # the first page, then the second page tried three times


async def test_malformed_json_is_not_retried_and_is_recorded(session, remote) -> None:
    remote.script = [("raw", '{"items": [ {"licence_no": ')]
    run = await remote.pull(session)
    assert run.status == "failed" and "不是有效 JSON" in run.detail
    assert len(remote.requests) == 1
    remote.script = [("json", {"licences": []})]
    run = await remote.pull(session)
    assert run.status == "failed" and "缺少 items 列表" in run.detail


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
    run = await remote.pull(session)
    assert (run.status, run.fetched, run.created, run.failed) == ("partial", 4, 1, 3)
    reasons = {f["licence_no"]: f["reason"] for f in run.failures}
    assert stranger in reasons["新XK08-001-10006"]
    assert reasons["新XK08-001-10007"].startswith("数据格式错误：") and "必填" in reasons["新XK08-001-10007"]
    assert "许可目录" in reasons["新XK08-001-10008"]
    numbers = (await session.exec(select(Licence.licence_no).where(Licence.enterprise_id == enterprise.id))).all()
    assert numbers == ["新XK08-001-10005"]


async def test_an_unreachable_licensing_system_is_a_failed_run_not_a_crash(session) -> None:
    settings = Settings(
        env="test",
        secret_key="x" * 40,
        licensing_system_url="http://127.0.0.1:9/api",
        licensing_retries=1,
        licensing_backoff_seconds=0,
    )
    run = await pull_licences(session, settings, today=TODAY)
    assert run.status == "failed" and "无法连接许可系统：ConnectError" in run.detail


async def test_without_a_configured_url_the_run_says_so(session) -> None:
    run = await pull_licences(session, Settings(env="test", secret_key="x" * 40), today=TODAY)
    assert run.status == "failed" and "LICENSING_SYSTEM_URL" in run.detail
