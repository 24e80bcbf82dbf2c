import uuid
from typing import Annotated

from fastapi import Query

from app.core.db import SessionDep
from app.core.deps import Allowed, Today
from app.core.errors import (
    COMMON_ERRORS,
    WRITE_ERRORS,
)
from app.core.paging import CursorPaging
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.schemas.common import Page
from app.schemas.finding import (
    CaseCreate,
    ExtensionCreate,
    FindingCreate,
    FindingDetail,
    FindingFilter,
    FindingRead,
    RectificationCreate,
    RefusalCreate,
    ReinspectionCreate,
)
from app.services.findings import findings as service
from app.services.findings import steps as finding_steps

router = resource_router("findings")
Reader = Allowed(Permission.VISITS_READ)
Writer = Allowed(Permission.FINDINGS_WRITE)
Filter = Annotated[FindingFilter, Query()]


@router.get("/findings", response_model=Page[FindingRead], responses=COMMON_ERRORS)
async def list_findings(
    actor: Reader, session: SessionDep, page: CursorPaging, today: Today, f: Filter
) -> Page[FindingRead]:
    """Findings the caller may see, earliest deadline first; overdue, level and late re-inspection as of today."""
    window = await service.list_findings(session, actor, today=today, f=f, page=page)
    return Page.of(window, page, lambda finding: service.present_finding(finding, today))


@router.post("/visits/{visit_id}/findings", status_code=201, response_model=FindingDetail, responses=WRITE_ERRORS)
async def create_finding(
    visit_id: uuid.UUID, body: FindingCreate, actor: Writer, session: SessionDep, today: Today
) -> FindingDetail:
    """Record a further finding on an archived visit; its deadline follows from its severity (限期整改)."""
    finding = await service.create_finding(session, actor, visit_id, body, today=today)
    return await service.present_detail(session, finding, today)


@router.get("/findings/{finding_id}", response_model=FindingDetail, responses=COMMON_ERRORS)
async def read_finding(finding_id: uuid.UUID, actor: Reader, session: SessionDep, today: Today) -> FindingDetail:
    """One finding with every step of its loop."""
    finding = await service.get_finding(session, actor, finding_id)
    return await service.present_detail(session, finding, today)


@router.post("/findings/{finding_id}/extension", response_model=FindingDetail, responses=WRITE_ERRORS)
async def extend_finding(
    finding_id: uuid.UUID, body: ExtensionCreate, actor: Writer, session: SessionDep, today: Today
) -> FindingDetail:
    """Extend the deadline (延期整改): asked before it passes, once, with a reason, within the year's limit."""
    finding = await finding_steps.extend(session, actor, finding_id, body, today=today)
    return await service.present_detail(session, finding, today)


@router.post("/findings/{finding_id}/rectification", response_model=FindingDetail, responses=WRITE_ERRORS)
async def record_rectification(
    finding_id: uuid.UUID, body: RectificationCreate, actor: Writer, session: SessionDep, today: Today
) -> FindingDetail:
    """Record the enterprise's rectification report (整改报告) with its attachments."""
    finding = await finding_steps.record_rectification(session, actor, finding_id, body, today=today)
    return await service.present_detail(session, finding, today)


@router.post("/findings/{finding_id}/reinspection", response_model=FindingDetail, responses=WRITE_ERRORS)
async def record_reinspection(
    finding_id: uuid.UUID, body: ReinspectionCreate, actor: Writer, session: SessionDep, today: Today
) -> FindingDetail:
    """Link an archived 复查回访 visit: pass closes (a violation also needs its case), fail escalates."""
    finding = await finding_steps.record_reinspection(session, actor, finding_id, body, today=today)
    return await service.present_detail(session, finding, today)


@router.post("/findings/{finding_id}/refusal", response_model=FindingDetail, responses=WRITE_ERRORS)
async def record_refusal(
    finding_id: uuid.UUID, body: RefusalCreate, actor: Writer, session: SessionDep, today: Today
) -> FindingDetail:
    """Record that the enterprise refused to rectify (拒不整改): level 3, onto the risk list, a case must follow."""
    finding = await finding_steps.record_refusal(session, actor, finding_id, body, today=today)
    return await service.present_detail(session, finding, today)


@router.post("/findings/{finding_id}/case", response_model=FindingDetail, responses=WRITE_ERRORS)
async def file_case(
    finding_id: uuid.UUID, body: CaseCreate, actor: Writer, session: SessionDep, today: Today
) -> FindingDetail:
    """Record the case filed (立案查处): number, date, officer; required before a violation can close."""
    finding = await finding_steps.file_case(session, actor, finding_id, body, today=today)
    return await service.present_detail(session, finding, today)
