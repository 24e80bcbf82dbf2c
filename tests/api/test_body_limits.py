"""Bodies are limited before anything reads them: a body over the limit is 413 problem+json without credentials —
declared by its Content-Length or found out while it streams — so nobody can make the server read, parse or spool
to disk megabytes before it asks who they are."""

import uuid
from collections.abc import AsyncIterator

import pytest

from app.core.body_limit import MULTIPART_SLACK
from app.domain.permissions import Role
from tests.builders import TACHENG, as_role, make_enterprise, make_inspectors, new_credit_code, post_visit, visit_body

pytestmark = pytest.mark.anyio

ENTERPRISES = "/api/v1/enterprises"
IMPORTS = "/api/v1/enterprise-imports"
CHUNK = 16 * 1024
MULTIPART = {"Content-Type": "multipart/form-data; boundary=b"}
FILE_PART = b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF-1.7\n'


def attachments() -> str:
    return f"/api/v1/visits/{uuid.uuid4()}/attachments"


class Stream:
    """A request body sent in chunks without a Content-Length; counts how much of it the server pulled."""

    def __init__(self, total: int, head: bytes = b"") -> None:
        self.total = total
        self.head = head
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self.head:
            self.pulled += len(self.head)
            yield self.head
        while self.pulled < self.total:
            self.pulled += CHUNK
            yield b"x" * CHUNK


def _assert_413(response) -> None:  # noqa: ANN001
    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/payload-too-large")
    assert problem["code"] == "payload_too_large" and response.headers["content-language"] == "zh-CN"
    assert problem["title"] == "上传内容过大" and "上限" in problem["detail"]  # Chinese, the default


@pytest.fixture
def small_limits(settings):  # noqa: ANN001, ANN201
    settings.max_json_bytes = 64 * 1024
    settings.max_upload_bytes = 256 * 1024
    return settings


async def test_a_json_body_declared_over_the_limit_is_413_before_authentication(client, small_limits) -> None:
    headers = {"Content-Type": "application/json", "Content-Length": str(small_limits.max_json_bytes + 1)}
    body = Stream(small_limits.max_json_bytes + 1)
    response = await client.post(ENTERPRISES, content=body, headers=headers)
    _assert_413(response)
    assert body.pulled <= CHUNK
    assert "请求内容超过" in response.json()["detail"]


async def test_a_json_body_streamed_past_the_limit_is_413_before_authentication(client, small_limits) -> None:
    body = Stream(10 * small_limits.max_json_bytes)
    response = await client.post(ENTERPRISES, content=body, headers={"Content-Type": "application/json"})
    _assert_413(response)
    assert body.pulled <= small_limits.max_json_bytes + CHUNK  # reading stopped at the limit


async def test_an_upload_declared_over_the_limit_is_413_before_authentication(client, small_limits) -> None:
    limit = small_limits.max_upload_bytes + MULTIPART_SLACK
    for url in (attachments(), IMPORTS):
        headers = MULTIPART | {"Content-Length": str(limit + 1)}
        body = Stream(limit + 1, head=FILE_PART)
        response = await client.post(url, content=body, headers=headers)
        _assert_413(response)
        assert "上传内容超过" in response.json()["detail"]
        assert body.pulled <= CHUNK  # not a byte read past what the client had already sent


async def test_an_upload_streamed_past_the_limit_is_413_as_soon_as_it_passes(client, session, small_limits) -> None:
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    visit = await post_visit(
        client, headers, visit_body(await make_enterprise(session), await make_inspectors(session))
    )
    limit = small_limits.max_upload_bytes + MULTIPART_SLACK
    for url in (f"/api/v1/visits/{visit['id']}/attachments", IMPORTS):
        body = Stream(10 * limit, head=FILE_PART)
        response = await client.post(url, content=body, headers=headers | MULTIPART)
        _assert_413(response)
        assert body.pulled <= limit + CHUNK  # the rest was never read, parsed or spooled
    assert not any(p.is_file() for p in small_limits.upload_dir.rglob("*"))


async def test_an_upload_from_a_stranger_is_refused_before_it_is_read(client, small_limits) -> None:
    for url in (attachments(), IMPORTS):
        body = Stream(10 * small_limits.max_upload_bytes, head=FILE_PART)
        response = await client.post(url, content=body, headers=MULTIPART)
        assert response.status_code == 401
        assert body.pulled <= CHUNK


async def test_an_upload_is_allowed_the_upload_limit_not_the_json_one(client, session, small_limits) -> None:
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    row = f'{{"credit_code": "{new_credit_code()}", "name": "塔城市恒通水泥有限公司", "county_code": "{TACHENG}"}}'
    padding = " " * (small_limits.max_json_bytes * 2)  # over the JSON limit, under the upload limit
    content = f"[{row}{padding}]".encode()
    response = await client.post(
        IMPORTS, content=content, params={"dry_run": True}, headers=headers | {"Content-Type": "application/json"}
    )
    assert response.status_code == 200, response.text


async def test_a_body_within_the_limit_still_works(client, session, small_limits) -> None:
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    body = {"credit_code": new_credit_code(), "name": "塔城市恒通水泥有限公司", "county_code": TACHENG}
    assert (await client.post(ENTERPRISES, json=body)).status_code == 401  # in the limit: now it is asked who
    assert (await client.post(ENTERPRISES, json=body, headers=headers)).status_code == 201
