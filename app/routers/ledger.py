"""Ledger-wide figures."""

from fastapi import APIRouter

from app.db import SessionDep
from app.deps import Allowed
from app.domain.permissions import Permission
from app.errors import Forbidden, Unauthorized, error_responses
from app.schemas.enterprise_ledger import CompletenessReport
from app.services import ledger as service

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"])


@router.get("/completeness", response_model=CompletenessReport, responses=error_responses(Unauthorized, Forbidden))
async def read_ledger_completeness(
    actor: Allowed(Permission.ENTERPRISES_READ), session: SessionDep
) -> CompletenessReport:
    """Per county: enterprises on the ledger, share with every required field filled, missing fields by name."""
    return await service.completeness(session, actor)
