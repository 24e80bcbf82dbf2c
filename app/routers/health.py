from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text

from app.core.errors import ServiceUnavailable, error_responses
from app.domain.errors import Message

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses=error_responses(ServiceUnavailable))
async def readyz(request: Request) -> Health:
    """The database answers."""
    try:
        async with request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        raise ServiceUnavailable(Message("database_unreachable")) from exc
    return Health(status="ready")
