"""The OpenAPI document as the contract: every error response is problem+json with the `Problem` schema."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.datastructures import UploadFile

from app.core.errors import PROBLEM_JSON, PayloadTooLarge, Problem, Unprocessable
from app.core.openapi_links import add_create_links

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
MALFORMED_BODY = "请求体无法解析 (malformed request body)"


def multipart_upload(
    file_description: str, *, extra: dict[str, Any] | None = None, also: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`openapi_extra` of a route that reads its multipart body itself: a required `file` (plus `extra` form
    fields), and `also` other media types the same route takes."""
    fields = {"file": {"type": "string", "format": "binary", "description": file_description}} | (extra or {})
    form = {"schema": {"type": "object", "properties": fields, "required": ["file"]}}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": form} | (also or {})}}


async def read_file_form(request: Request, description: TypeAdapter[Any]) -> tuple[UploadFile, Any]:
    """The multipart form of a `multipart_upload` route — one `file` and an optional `description` checked by
    `description` — read after the caller is known: a stranger's upload is never parsed or spooled."""
    try:
        form = await request.form(max_files=1, max_fields=5)
    except Exception as exc:  # malformed multipart: a client error, not a 500
        raise Unprocessable("无法解析上传表单 (malformed multipart body)", errors=[(["body"], str(exc))]) from exc
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


def build_openapi(
    app: FastAPI, referenced_by_hand: tuple[type[BaseModel], ...] = (), sent: tuple[type[BaseModel], ...] = ()
) -> dict[str, Any]:
    """The document; `referenced_by_hand` are models that hand-written `openapi_extra` bodies point at with a
    $ref (FastAPI does not see them); `sent` are the bodies of `app.webhooks` — what we send, so registered as
    serialized (a record inside is the very schema its GET answers with)."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes, tags=app.openapi_tags,
        webhooks=app.webhooks.routes,
    )  # fmt: skip
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for model in (Problem, *referenced_by_hand):
        _register(components, model)
    for model in sent:
        _register(components, model, mode="serialization")
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            if "requestBody" in operation:
                operation["responses"].setdefault("400", {"description": MALFORMED_BODY})
                operation["responses"].setdefault("413", {"description": PayloadTooLarge.title})  # app/core/body_limit
            for status, response in operation.get("responses", {}).items():
                if status[0] in "45":
                    if status == "422" and response.get("description") == "Validation Error":
                        response["description"] = Unprocessable.title
                    response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
    for hook in schema.get("webhooks", {}).values():  # what we send: the receiver's answer is only its status
        for operation in hook.values():
            operation["responses"].pop("422", None)
            for response in operation["responses"].values():
                response.pop("content", None)
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    add_create_links(schema)
    app.openapi_schema = schema
    return schema
