"""/docs works on a closed network: the page and everything it loads come from the app itself."""

import base64
import hashlib
import json
import re

import httpx
import pytest

from app.cli import export_openapi
from app.core.config import Settings
from app.main import create_app

pytestmark = pytest.mark.anyio


async def test_the_docs_page_loads_swagger_ui_from_the_app_not_from_a_cdn(client) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text) + re.findall(r"url: '([^']+)'", page.text)
    assert sources, page.text
    assert all(source.startswith("/") for source in sources), sources


@pytest.mark.parametrize(
    ("asset", "media_type"),
    [("swagger-ui-bundle.js", "javascript"), ("swagger-ui.css", "text/css"), ("favicon-32x32.png", "image/png")],
)
async def test_every_file_the_docs_page_needs_is_served(client, asset, media_type) -> None:
    page = await client.get("/docs")
    assert f"/docs/assets/{asset}" in page.text
    response = await client.get(f"/docs/assets/{asset}")
    assert response.status_code == 200
    assert media_type in response.headers["content-type"]
    assert len(response.content) > 500


async def test_the_docs_page_has_a_content_security_policy_that_lets_only_its_own_script_run(client) -> None:
    page = await client.get("/docs")
    policy = dict(p.strip().split(" ", 1) for p in page.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    inline = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy["script-src"]
    assert policy["connect-src"] == "'self'"


async def test_the_bundled_swagger_ui_renders_openapi_3_1(client) -> None:
    bundle = (await client.get("/docs/assets/swagger-ui-bundle.js")).text
    assert (await client.get("/openapi.json")).json()["openapi"].startswith("3.1")
    assert "OAS31" in bundle or "oas31" in bundle  # Swagger UI 5 and later; 4.x cannot render 3.1


PII_KEYS = {"2026a": "cHJvZHVjdGlvbi1rZXktb2YtdGhlLWJ1cmVhdS0wMTI="}


# --- DOCS_ENABLED: off by default in production ----------------------------------------------------------------


def test_the_docs_are_off_by_default_in_production_and_on_elsewhere(monkeypatch) -> None:
    monkeypatch.delenv("DOCS_ENABLED", raising=False)
    assert Settings(env="production", secret_key="x" * 40, audit_key="a" * 40, pii_keys=PII_KEYS).docs_enabled is False
    assert Settings(env="test", secret_key="x" * 40).docs_enabled is True
    assert Settings(env="development").docs_enabled is True
    monkeypatch.setenv("DOCS_ENABLED", "true")
    assert Settings(env="production", secret_key="x" * 40, audit_key="a" * 40, pii_keys=PII_KEYS).docs_enabled is True


async def test_with_the_docs_off_the_pages_and_the_document_are_not_found(settings) -> None:
    app = create_app(settings.model_copy(update={"docs_enabled": False}))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for path in ("/docs", "/redoc", "/openapi.json", "/docs/assets/swagger-ui-bundle.js", "/docs/oauth2-redirect"):
            assert (await client.get(path)).status_code == 404, path
        assert (await client.get("/healthz")).status_code == 200
    await app.state.engine.dispose()


def test_the_contract_export_works_with_the_docs_off(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("DOCS_ENABLED", "false")
    export_openapi(tmp_path / "openapi.json")
    assert json.loads((tmp_path / "openapi.json").read_text())["paths"]
