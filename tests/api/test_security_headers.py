"""Secrets and headers: security headers and a request id on every response, a CORS allow-list from settings,
and tokens accepted only from headers — never from the URL (where logs, proxies and browser history keep them)."""

import logging
import re
import uuid

import httpx
import pytest

from app.core.config import Settings
from app.core.security import create_access_token
from app.domain.permissions import Role
from app.main import create_app
from tests.api.test_access_matrix import ROUTES
from tests.builders import as_role, make_service_account, make_user

pytestmark = pytest.mark.anyio

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}
ALLOWED_ORIGIN = "https://spa.zhijian.example.gov.cn"
EVIL_ORIGIN = "https://evil.example.com"


def _assert_headers(response: httpx.Response) -> None:
    where = f"{response.request.method} {response.request.url.path} → {response.status_code}"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, f"{where}: {name} = {response.headers.get(name)!r}"
    assert re.fullmatch(r"[A-Za-z0-9._\-]{1,64}", response.headers.get("x-request-id", "")), where


def _concrete(path: str) -> str:
    return re.sub(r"{licence_no}", "新XK08-001-00001", re.sub(r"{\w+_id}", str(uuid.uuid4()), path))


async def test_every_operation_answers_with_security_headers_and_a_request_id(client) -> None:
    for method, path in sorted(ROUTES):
        response = await client.request(method, _concrete(path))
        assert response.status_code < 500, f"{method} {path}: {response.text}"
        _assert_headers(response)


async def test_errors_docs_and_unknown_paths_carry_the_headers_too(client, session) -> None:
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    responses = [
        await client.get("/no/such/path"),
        await client.delete("/api/v1/enterprises"),  # 405
        await client.post(
            "/api/v1/enterprises", content=b"{oops", headers=headers | {"Content-Type": "application/json"}
        ),
        await client.post("/api/v1/enterprises", json={"id": 1}, headers=headers),
        await client.get(f"/api/v1/enterprises/{uuid.uuid4()}", headers=headers),
        await client.get("/openapi.json"),
        await client.get("/docs"),
    ]
    for response in responses:
        _assert_headers(response)
    assert [r.status_code for r in responses][:5] == [404, 405, 400, 422, 404] or all(
        r.status_code < 500 for r in responses
    )


async def test_every_api_answer_forbids_loading_anything_and_being_framed(client, session) -> None:
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    strict = "default-src 'none'; frame-ancestors 'none'"
    for method, path in sorted(ROUTES):
        if path.startswith("/docs"):
            continue  # the Swagger UI page has a policy of its own (tests/api/test_docs.py)
        response = await client.request(method, _concrete(path), headers=headers)
        assert response.headers.get("content-security-policy") == strict, f"{method} {path}"
    for path in ("/no/such/path", "/openapi.json", "/healthz"):
        assert (await client.get(path)).headers.get("content-security-policy") == strict, path


async def test_a_safe_request_id_is_echoed_and_an_unsafe_one_replaced(client) -> None:
    assert (await client.get("/healthz", headers={"X-Request-ID": "abc-123.x_y"})).headers["x-request-id"] == (
        "abc-123.x_y"
    )
    replaced = (await client.get("/healthz", headers={"X-Request-ID": "bad id\r\nSet-Cookie: x=1"})).headers
    assert replaced["x-request-id"] != "bad id" and "set-cookie" not in replaced


# --- CORS ------------------------------------------------------------------------------------------------------


@pytest.fixture
async def cors_client(settings, sessionmaker):  # noqa: ANN001, ANN201
    app = create_app(settings.model_copy(update={"cors_origins": [ALLOWED_ORIGIN]}))
    app.state.sessionmaker = sessionmaker
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c
    await app.state.engine.dispose()


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }


async def test_an_origin_on_the_allow_list_may_call_the_api(cors_client) -> None:
    preflight = await cors_client.options("/api/v1/enterprises", headers=_preflight(ALLOWED_ORIGIN))
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    simple = await cors_client.get("/healthz", headers={"Origin": ALLOWED_ORIGIN})
    assert simple.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()


async def test_an_origin_not_on_the_allow_list_gets_no_cors_grant(cors_client) -> None:
    preflight = await cors_client.options("/api/v1/enterprises", headers=_preflight(EVIL_ORIGIN))
    assert "access-control-allow-origin" not in preflight.headers
    assert preflight.status_code >= 400
    simple = await cors_client.get("/healthz", headers={"Origin": EVIL_ORIGIN})
    assert "access-control-allow-origin" not in simple.headers
    assert simple.headers.get("access-control-allow-credentials") is None


async def test_without_an_allow_list_no_origin_is_granted(client) -> None:
    for origin in (ALLOWED_ORIGIN, EVIL_ORIGIN, "null"):
        response = await client.get("/healthz", headers={"Origin": origin})
        assert "access-control-allow-origin" not in response.headers
        preflight = await client.options("/api/v1/enterprises", headers=_preflight(origin))
        assert "access-control-allow-origin" not in preflight.headers


def test_the_allow_list_comes_from_settings(monkeypatch) -> None:
    monkeypatch.setenv("CORS_ORIGINS", f'["{ALLOWED_ORIGIN}"]')
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    assert Settings(env="test").cors_origins == [ALLOWED_ORIGIN]
    assert "*" not in Settings(env="test").cors_origins


# --- tokens never in the URL -----------------------------------------------------------------------------------


async def test_a_valid_token_in_the_query_string_is_not_accepted(client, session, settings) -> None:
    user = await make_user(session, Role.PREFECTURE_ADMIN)
    token, _ = create_access_token(settings, user.id, user.token_version)
    _, key = await make_service_account(session, ["enterprises:read"])
    assert (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})).status_code == 200
    for params in (
        {"access_token": token},
        {"token": token},
        {"Authorization": f"Bearer {token}"},
        {"api_key": key},
        {"X-API-Key": key},
        {"key": key},
    ):
        for path in ("/api/v1/me", "/api/v1/enterprises"):
            response = await client.get(path, params=params)
            assert response.status_code == 401, f"{path}?{list(params)[0]}=…: {response.status_code}"


async def test_the_access_log_never_holds_the_query_string_or_a_token(client, session, settings, caplog) -> None:
    user = await make_user(session, Role.PREFECTURE_ADMIN)
    token, _ = create_access_token(settings, user.id, user.token_version)
    with caplog.at_level(logging.DEBUG):
        await client.get("/api/v1/enterprises", params={"access_token": token, "q": "secret-query-value"})
        await client.get("/api/v1/enterprises", headers={"Authorization": f"Bearer {token}"})
        await client.post("/api/v1/auth/token", data={"username": user.username, "password": "Wrong-Password-1"})
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]  # not the test client's
    assert any(r.name == "app.access" for r in server)
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in server)
    assert token not in logged and "secret-query-value" not in logged and "Wrong-Password-1" not in logged
