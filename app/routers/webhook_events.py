"""What a webhook receiver is sent: one OpenAPI 3.1 `webhooks` entry per event type, each a CloudEvent whose `data`
is the record as the API returns it — so a client generates types for what it receives as well as what it calls.
Never routed: these are the receiver's operations, not ours."""

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, create_model

from app.schemas.event import EVENT_TYPES, TEST_TYPE, TYPE_PREFIX, CloudEvent, EventType

router = APIRouter(tags=["webhooks"])

_HEADERS = [
    {"name": "webhook-id", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "the message's id (msg_…): the same on every attempt — drop a repeat"},
    {"name": "webhook-timestamp", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "this attempt's time, Unix seconds"},
    {"name": "webhook-signature", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "v1,<base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}.{body}` with the whsec_ secret> "
     "(Standard Webhooks): verify with the standardwebhooks package"},
]  # fmt: skip
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "received (any 2xx); anything else, or no answer within 10 s, is retried"}
}


def _model_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.removeprefix(TYPE_PREFIX).replace(".", "_").split("_")) + "Event"


MODELS: list[type[BaseModel]] = []
"""The CloudEvent of each type, for the document's components (registered in serialization mode: what is sent)."""


def _add(name: str, label: str, data: Any) -> None:
    model = create_model(_model_name(name), __base__=CloudEvent, type=(Literal[name], ...), data=(data, ...))  # type: ignore[call-overload]
    MODELS.append(model)

    async def receive() -> None:
        """Sent to a subscription's URL."""

    receive.__name__ = name.removeprefix(TYPE_PREFIX).replace(".", "_")
    body = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
    }
    router.add_api_route(
        name, receive, methods=["POST"], summary=f"{label} ({name})", status_code=200, responses=_RESPONSES,
        openapi_extra={"parameters": _HEADERS, "requestBody": body}, operation_id=f"webhook-{receive.__name__}",
    )  # fmt: skip


def _build(kinds: dict[str, EventType]) -> None:
    for kind in kinds.values():
        _add(kind.name, kind.label, kind.schema)
    _add(TEST_TYPE, "测试推送", dict[str, Any])


_build(EVENT_TYPES)
