"""The OpenAPI document as the contract: every error response is problem+json with the `Problem` schema; every
response header the server sends is declared on its operation and status (SENT_HEADERS, by rule)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.datastructures import UploadFile

from app.core.errors import PROBLEM_JSON, PayloadTooLarge, Problem, Unprocessable
from app.core.i18n import ZH_CN, title
from app.core.middleware import SECURITY_HEADERS
from app.core.openapi_links import add_create_links
from app.core.summaries import SUMMARIES, TAGS
from app.core.text_guard import NO_CONTROL_PATTERN
from app.domain.errors import Message

EVERY_RESPONSE_NOTE = (
    "\nEvery response carries `X-Request-ID` (yours if you sent a safe one, else a new one: quote it when reporting a"
    " problem) and the security headers " + ", ".join(f"`{name}`" for name in SECURITY_HEADERS) + ".\n"
)
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
MALFORMED_BODY = title("malformed_body", ZH_CN)
MALFORMED_MULTIPART = Message("malformed_multipart_body")


def multipart_upload(
    file_description: str, *, extra: dict[str, Any] | None = None, also: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`openapi_extra` of a route that reads its multipart body itself: a required `file` (plus `extra` form
    fields), and `also` other media types the same route takes."""
    text = {
        name: {"pattern": NO_CONTROL_PATTERN} | field for name, field in (extra or {}).items() if "format" not in field
    }
    fields = {"file": {"type": "string", "format": "binary", "description": file_description}} | (extra or {}) | text
    form = {"schema": {"type": "object", "properties": fields, "required": ["file"]}}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": form} | (also or {})}}


EVERY_RESPONSE = frozenset(
    {"content-type", "content-length", "date", "server", "x-request-id", *(name.lower() for name in SECURITY_HEADERS)}
)
"""Headers of every response, stated once in the API's description rather than on each operation."""


@dataclass(frozen=True)
class SentHeader:
    description: str
    schema: dict[str, Any]
    sent_with: Callable[[str, dict[str, Any], dict[str, Any]], bool]
    """(status, the response's OpenAPI object, the document's schemas) → the server may send it with it"""


def _content(response: dict[str, Any]) -> dict[str, Any]:
    return response.get("content", {})


def _is_file(response: dict[str, Any]) -> bool:
    return any(media not in ("application/json", PROBLEM_JSON) for media in _content(response))


def _has_version(response: dict[str, Any], schemas: dict[str, Any]) -> bool:
    ref = _content(response).get("application/json", {}).get("schema", {}).get("$ref", "")
    return "version" in schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {})


def _is_download(status: str, response: dict[str, Any], _: dict[str, Any]) -> bool:
    return status == "200" and _is_file(response)


SENT_HEADERS: dict[str, SentHeader] = {
    "ETag": SentHeader(
        'W/"<version>" of a record (send it back as If-Match), or the digest of a file',
        {"type": "string"},
        lambda status, response, schemas: (
            status in ("200", "201") and (_has_version(response, schemas) or _is_file(response))
        ),
    ),
    "Location": SentHeader(
        "the created record (or the accepted job; on a 200, the one a dry run or a replay is about)",
        {"type": "string"},
        lambda status, *_: status in ("200", "201", "202"),
    ),
    "Retry-After": SentHeader(
        "seconds to wait before trying again",
        {"type": "string", "pattern": "^[0-9]+$"},
        lambda status, *_: status in ("429", "503"),
    ),
    "WWW-Authenticate": SentHeader("Bearer", {"type": "string"}, lambda status, *_: status == "401"),
    "Content-Disposition": SentHeader("attachment; the file's name", {"type": "string"}, _is_download),
    "Last-Modified": SentHeader("when the file was stored", {"type": "string"}, _is_download),
    "Accept-Ranges": SentHeader("bytes: a range of the file may be asked for", {"type": "string"}, _is_download),
    "Content-Language": SentHeader(
        "the language of the problem's title, detail and messages (zh-CN, or en when Accept-Language asks)",
        {"type": "string", "enum": ["zh-CN", "en"]},
        lambda status, response, schemas: PROBLEM_JSON in _content(response),
    ),
}
"""Every response header beyond EVERY_RESPONSE, and the responses it may come with; a new header is one line here.
tests/api/conftest.py fails any test whose response carries a header its operation and status do not declare."""


def _declare_headers(document: dict[str, Any]) -> None:
    schemas = document.get("components", {}).get("schemas", {})
    for path in document.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                declared = {
                    name: {"description": header.description, "schema": header.schema}
                    for name, header in SENT_HEADERS.items()
                    if header.sent_with(status, response, schemas)
                }
                if declared:
                    response["headers"] = response.get("headers", {}) | declared


async def read_file_form(request: Request, description: TypeAdapter[Any]) -> tuple[UploadFile, Any]:
    """The multipart form of a `multipart_upload` route — one `file` and an optional `description` checked by
    `description` — read after the caller is known: a stranger's upload is never parsed or spooled."""
    try:
        form = await request.form(max_files=1, max_fields=5)
    except Exception as exc:  # malformed multipart: a client error, not a 500
        raise Unprocessable(MALFORMED_MULTIPART, errors=[(["body"], MALFORMED_MULTIPART)]) from exc
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise RequestValidationError([{"type": "missing", "loc": ("body", "file"), "msg": "Field required"}])
    try:
        return file, description.validate_python(form.get("description"))
    except ValidationError as exc:
        raise RequestValidationError([e | {"loc": ("body", "description")} for e in exc.errors()]) from exc


def _register(components: dict[str, Any], model: type[BaseModel], mode: str = "validation") -> None:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}", mode=mode)  # type: ignore[arg-type]
    for name, definition in schema.pop("$defs", {}).items():
        if not any(existing.endswith(f"__{name}") for existing in components):  # FastAPI named it by module
            components.setdefault(name, definition)
    components.setdefault(model.__name__, schema)


ACCESS_TOKEN_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "JWT",
    "description": (
        "An access token pasted as it is. For accounts that sign in with a second factor (administrators), whom "
        "the password dialog of OAuth2PasswordBearer cannot sign in: call POST /api/v1/auth/token with "
        "`totp_code` (Try it out), then paste its `access_token` here."
    ),
}


def _offer_access_token(schema: dict[str, Any]) -> None:
    """Wherever a signed-in user is accepted, a pasted access token is offered beside the password dialog (the
    same `Authorization: Bearer` header), so an account with two factors can use /docs too."""
    schema["components"].setdefault("securitySchemes", {})["AccessToken"] = ACCESS_TOKEN_SCHEME
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            security = operation.get("security", [])
            if {"OAuth2PasswordBearer": []} in security:
                at = security.index({"OAuth2PasswordBearer": []})
                security.insert(at + 1, {"AccessToken": []})


def build_openapi(
    app: FastAPI, referenced_by_hand: tuple[type[BaseModel], ...] = (), sent: tuple[type[BaseModel], ...] = ()
) -> dict[str, Any]:
    """The document; `referenced_by_hand` are models that hand-written `openapi_extra` bodies point at with a
    $ref (FastAPI does not see them); `sent` are the bodies of `app.webhooks` — what we send, so registered as
    serialized (a record inside is the very schema its GET answers with)."""
    if app.openapi_schema:
        return app.openapi_schema
    tags = app.openapi_tags or [{"name": name, "description": text} for name, text in TAGS.items()]
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes, tags=tags,
        webhooks=app.webhooks.routes,
    )  # fmt: skip
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (Problem, *referenced_by_hand):
        _register(components, model)
    for model in sent:
        _register(components, model, mode="serialization")
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            operation["summary"] = SUMMARIES.get(operation["operationId"], operation.get("summary", ""))
            if "requestBody" in operation:
                operation["responses"].setdefault("400", {"description": MALFORMED_BODY})
                operation["responses"].setdefault(
                    "413", {"description": title(PayloadTooLarge.code, ZH_CN)}
                )  # app/core/body_limit
            for status, response in operation.get("responses", {}).items():
                if status[0] in "45":
                    if status == "422" and response.get("description") == "Validation Error":
                        response["description"] = title(Unprocessable.code, ZH_CN)
                    response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
    for hook in schema.get("webhooks", {}).values():  # what we send: the receiver's answer is only its status
        for operation in hook.values():
            operation["responses"].pop("422", None)
            for response in operation["responses"].values():
                response.pop("content", None)
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    add_create_links(schema)
    _declare_headers(schema)
    _offer_access_token(schema)
    schema["info"]["description"] += EVERY_RESPONSE_NOTE
    app.openapi_schema = schema
    return schema
