import uuid
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import Query, Response

from app.core.db import SessionDep
from app.core.deps import Allowed, Day, Today
from app.core.errors import COMMON_ERRORS, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable, error_responses
from app.core.routing import resource_router
from app.domain.calendar import ReportPeriod
from app.domain.permissions import Permission
from app.schemas.report import RegionSummary, ReportCreate, ReportOverview, ReportRead, Summary
from app.services.reports import export as report_export
from app.services.reports import reports, rollup, summary

router = resource_router("reports", "/reports")
Reader = Allowed(Permission.REPORTS_READ)
Submitter = Allowed(Permission.REPORTS_SUBMIT)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Year = Annotated[int, Query(ge=2000, le=2100)]


@router.get("/summary", response_model=Summary, responses=COMMON_ERRORS)
async def read_summary(
    actor: Reader,
    session: SessionDep,
    today: Today,
    year: Year,
    as_of: Annotated[Day | None, Query(description="count up to this day (default: today, or Dec 31)")] = None,
) -> Summary:
    """附件3 figures per county from January 1 to `as_of`, live from the records; a county sees its own row."""
    as_of = as_of or min(today, date(year, 12, 31))
    return await summary.completion_summary(session, actor, year=year, as_of=as_of)


@router.post(
    "",
    status_code=201,
    response_model=ReportRead,
    responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict, Unprocessable),
)
async def submit_report(body: ReportCreate, actor: Submitter, session: SessionDep, today: Today) -> ReportRead:
    """Freeze the county's figures for the period; before the due date a resubmission replaces the last one."""
    return ReportRead.model_validate(await reports.submit_report(session, actor, body, today=today))


@router.get("", response_model=ReportOverview, responses=COMMON_ERRORS)
async def list_reports(actor: Reader, session: SessionDep, today: Today, year: Year) -> ReportOverview:
    """Who submitted, who is late, who is missing, and what changed in the records since each submission."""
    return await reports.report_overview(session, actor, year=year, today=today)


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "附件3 xlsx"}, **COMMON_ERRORS},
)
async def export_reports(
    actor: Reader, session: SessionDep, today: Today, year: Year, period: ReportPeriod
) -> Response:
    """附件3 监督检查完成情况汇总表 from the submitted snapshots: a row per county, totals, A4 landscape."""
    filename, content = await report_export.export_reports(session, actor, year=year, period=period, today=today)
    disposition = f"attachment; filename=\"report.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=XLSX, headers={"Content-Disposition": disposition})


PrefectureCode = Annotated[
    str | None, Query(max_length=12, description="drill down: that prefecture's counties instead of every prefecture")
]


@router.get("/region-summary", response_model=RegionSummary, responses=COMMON_ERRORS)
async def read_region_summary(
    actor: Reader, session: SessionDep, year: Year, period: ReportPeriod, prefecture_code: PrefectureCode = None
) -> RegionSummary:
    """附件3 rolled up from the counties' submitted snapshots: a row per prefecture in reach, or per county of one."""
    return await rollup.region_summary(session, actor, year=year, period=period, prefecture_code=prefecture_code)


@router.get(
    "/region-summary/export",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "附件3 汇总 xlsx"}, **COMMON_ERRORS},
)
async def export_region_summary(
    actor: Reader,
    session: SessionDep,
    today: Today,
    year: Year,
    period: ReportPeriod,
    prefecture_code: PrefectureCode = None,
) -> Response:
    """The roll-up as a 附件3 workbook: a row per prefecture (or per county of one), the total, A4 landscape."""
    filename, content = await rollup.export_region_summary(
        session, actor, year=year, period=period, today=today, prefecture_code=prefecture_code
    )
    disposition = f"attachment; filename=\"report.xlsx\"; filename*=UTF-8''{quote(filename)}"
    return Response(content, media_type=XLSX, headers={"Content-Disposition": disposition})


@router.get("/{report_id}", response_model=ReportRead, responses=COMMON_ERRORS)
async def read_report(report_id: uuid.UUID, actor: Reader, session: SessionDep) -> ReportRead:
    """One submission with its frozen figures (also superseded versions)."""
    return ReportRead.model_validate(await reports.get_report(session, actor, report_id))
