"""Ledger-wide figures."""

from fastapi import APIRouter

from app.core.db import SessionDep
from app.core.deps import Allowed
from app.core.errors import Forbidden, Unauthorized, error_responses
from app.domain.permissions import Permission
from app.schemas.enterprise_ledger import CompletenessReport
from app.services.ledger import completeness as service

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"])
Reader = Allowed(Permission.ENTERPRISES_READ)


@router.get("/completeness", response_model=CompletenessReport, responses=error_responses(Unauthorized, Forbidden))
async def read_ledger_completeness(actor: Reader, session: SessionDep) -> CompletenessReport:
    """Per county: enterprises on the ledger, share with every required field filled, missing fields by name."""
    return await service.completeness(session, actor)
