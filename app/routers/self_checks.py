"""Who files self-checks and who does not (日管控、周排查、月调度), per month, for the county."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.core.db import SessionDep
from app.core.deps import Allowed
from app.core.errors import COMMON_ERRORS
from app.core.paging import OffsetPaging
from app.domain.permissions import Permission
from app.schemas.common import Page
from app.schemas.portal import SelfCheckCompliance
from app.services.portal import compliance

router = APIRouter(prefix="/api/v1", tags=["self-checks"])
Reader = Allowed(Permission.ENTERPRISES_READ)


@router.get("/self-check-compliance", response_model=Page[SelfCheckCompliance], responses=COMMON_ERRORS)
async def self_check_compliance(
    actor: Reader,
    session: SessionDep,
    page: OffsetPaging,
    month: Annotated[str, Query(pattern=r"^(19|2[01])\d{2}-(0[1-9]|1[0-2])$", description="YYYY-MM")],
    county: Annotated[str | None, Query(max_length=12)] = None,
    missing_only: Annotated[bool, Query(description="only those with the ledger signal: no monthly record")] = False,
) -> Page[SelfCheckCompliance]:
    """Per operating enterprise: what it filed in the month against what the month asks for, and whether its
    monthly self-checks are missing for the RuleSet's number of months before (the ledger signal, with its reason)."""
    found = await compliance.self_check_compliance(
        session, actor, month=compliance.first_day(month), county_code=county, missing_only=missing_only, page=page
    )
    return Page.of(found, page)
