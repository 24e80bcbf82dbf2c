"""A resource's router: under the API's version prefix, tagged for the docs, its POSTs honouring Idempotency-Key."""

from fastapi import APIRouter

from app.core.idempotency import IdempotentRoute

API_PREFIX = "/api/v1"


def resource_router(tag: str, path: str = "") -> APIRouter:
    """The router of one resource at `/api/v1{path}`, its operations under `tag` (the operation ids' first word)."""
    return APIRouter(prefix=f"{API_PREFIX}{path}", tags=[tag], route_class=IdempotentRoute)
