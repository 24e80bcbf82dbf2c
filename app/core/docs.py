"""The interactive docs, served by the app itself: a closed government network reaches no CDN.

Swagger UI's JavaScript and CSS come from the fastapi-swagger wheel (it ships the current swagger-ui-dist, which
renders OpenAPI 3.1); the page is FastAPI's own template pointed at them. ReDoc is not offered: it has no bundle.
Off (404) when DOCS_ENABLED is false — by default in production; `app.cli export-openapi` works either way.

The pages carry a Content-Security-Policy of their own, as narrow as Swagger UI allows: scripts from this origin
and the page's one inline script by its hash, styles from this origin and inline (Swagger UI sets style
attributes), images from this origin and data: URIs (its icons), requests to this origin only.
"""

import base64
import hashlib
import re
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS = "/docs"
ASSETS = "/docs/assets"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
SWAGGER_UI_PARAMETERS = {"persistAuthorization": True, "displayRequestDuration": True, "filter": True}
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    """The page's Content-Security-Policy: its inline scripts are allowed by their SHA-256, nothing else inline."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(bytes(page.body).decode())
    )
    page.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    return page


def install_docs(app: FastAPI) -> None:
    app.mount(ASSETS, StaticFiles(directory=str(files("fastapi_swagger") / "resources")), name="docs-assets")

    @app.get(DOCS, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        page = get_swagger_ui_html(
            openapi_url=root + (app.openapi_url or "/openapi.json"),
            title=f"{app.title} — 接口文档",
            swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS}/favicon-32x32.png",
            oauth2_redirect_url=root + OAUTH2_REDIRECT,
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )
        return _with_policy(page)

    @app.get(OAUTH2_REDIRECT, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return _with_policy(get_swagger_ui_oauth2_redirect_html())
