from fastapi import APIRouter

from app.core.db import SessionDep
from app.core.deps import Allowed
from app.core.errors import Forbidden, Unauthorized, error_responses
from app.core.paging import OffsetPaging, Window
from app.domain.permissions import Permission
from app.schemas.common import Page
from app.schemas.jurisdiction import JurisdictionRead
from app.services.common.jurisdictions import list_jurisdictions

router = APIRouter(prefix="/api/v1/jurisdictions", tags=["jurisdictions"])
Reader = Allowed(Permission.JURISDICTIONS_READ)


@router.get("", response_model=Page[JurisdictionRead], responses=error_responses(Unauthorized, Forbidden))
async def list_all_jurisdictions(actor: Reader, session: SessionDep, page: OffsetPaging) -> Page[JurisdictionRead]:
    """The prefecture and its counties (public reference data for every signed-in caller)."""
    return Page.of(Window.cut(await list_jurisdictions(session), page), page, JurisdictionRead.model_validate)
