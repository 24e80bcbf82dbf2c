"""/docs works on a closed network: the page and everything it loads come from the app itself."""

import re

import pytest

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


async def test_the_bundled_swagger_ui_renders_openapi_3_1(client) -> None:
    bundle = (await client.get("/docs/assets/swagger-ui-bundle.js")).text
    assert (await client.get("/openapi.json")).json()["openapi"].startswith("3.1")
    assert "OAS31" in bundle or "oas31" in bundle  # Swagger UI 5 and later; 4.x cannot render 3.1
