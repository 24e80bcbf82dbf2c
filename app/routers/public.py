from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.core.db import SessionDep
from app.core.deps import Today
from app.core.errors import TooManyRequests, Unprocessable, error_responses
from app.core.paging import OffsetPaging
from app.core.ratelimit import limit_public
from app.schemas.common import Page
from app.schemas.disclosure import PublicInspectionResult
from app.services.reports import public_results as service

router = APIRouter(prefix="/api/v1/public", tags=["public"], dependencies=[Depends(limit_public)])


@router.get(
    "/inspection-results",
    response_model=Page[PublicInspectionResult],
    responses=error_responses(Unprocessable, TooManyRequests),
)
async def list_public_inspection_results(
    session: SessionDep,
    page: OffsetPaging,
    today: Today,
    county_code: Annotated[str | None, Query(max_length=12)] = None,
    prefecture_code: Annotated[str | None, Query(max_length=12, description="地州市代码（如 654200 塔城地区）")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    q: Annotated[str | None, Query(max_length=64, description="企业名称包含，或统一社会信用代码")] = None,
) -> Page[PublicInspectionResult]:
    """信息公开: published routine-inspection results. No sign-in; rate-limited per address."""
    window = await service.public_results(
        session, today=today, county_code=county_code, prefecture_code=prefecture_code, year=year, q=q, page=page
    )
    return Page.of(window, page)
