"""Findings (问题): created from nonconforming items or by hand; overdue and escalation always as of `today`."""

import uuid
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Conflict
from app.domain.checklist import ChecklistItem
from app.domain.findings import FindingState, Severity, consequences, deadline_for, escalation_level, is_overdue
from app.domain.ruleset import ruleset_for
from app.models import Finding, FindingStep, Visit
from app.schemas.finding import (
    FINDING_STATUS_LABELS,
    STEP_LABELS,
    FindingCreate,
    FindingDetail,
    FindingRead,
    FindingStepRead,
    ReasonRead,
)
from app.services.common import audit
from app.services.common.access import one_or_404, scope_visits
from app.services.common.paging import paginate
from app.services.findings import risk_list
from app.services.visits import get_visit


def _state(finding: Finding) -> FindingState:
    return FindingState(
        deadline=finding.deadline,
        closed=finding.status == "closed",
        failed_reinspections=finding.failed_reinspections,
        refused=finding.refused_on is not None,
    )


def level_of(finding: Finding, today: date) -> tuple[int, list[ReasonRead]]:
    level, reasons = escalation_level(today, _state(finding), ruleset_for(finding.found_on.year))
    return level, [ReasonRead(code=r.code, label=r.label) for r in reasons]


def present_finding(finding: Finding, today: date) -> FindingRead:
    level, reasons = level_of(finding, today)
    severity = Severity(finding.severity)
    item = ChecklistItem(finding.checklist_item) if finding.checklist_item else None
    return FindingRead(
        **finding.model_dump(exclude={"checklist_item", "severity"}),
        checklist_item=item,
        checklist_item_label=item.label if item else None,
        severity=severity,
        severity_label=severity.label,
        status_label=FINDING_STATUS_LABELS[finding.status],
        overdue=is_overdue(today, _state(finding)),
        escalation_level=level,
        escalation_reasons=reasons,
        consequences=[ReasonRead(code=r.code, label=r.label) for r in consequences(severity)],
    )


async def present_detail(session: AsyncSession, finding: Finding, today: date) -> FindingDetail:
    stmt = select(FindingStep).where(FindingStep.finding_id == finding.id).order_by(col(FindingStep.at))
    steps = []
    for step in (await session.exec(stmt)).all():
        read = FindingStepRead.model_validate(step)
        read.kind_label = STEP_LABELS.get(step.kind, step.kind)
        steps.append(read)
    return FindingDetail(**present_finding(finding, today).model_dump(), steps=steps)


def _scoped(stmt):  # noqa: ANN001, ANN202
    return stmt.join(Visit, col(Visit.id) == Finding.visit_id)


async def get_finding(session: AsyncSession, actor: Actor, finding_id: uuid.UUID, *, lock: bool = False) -> Finding:
    stmt = scope_visits(_scoped(select(Finding)).where(Finding.id == finding_id), actor)
    if lock:
        stmt = stmt.with_for_update(of=Finding)
    return await one_or_404(session, stmt, "问题不存在 (finding not found)")


async def list_findings(
    session: AsyncSession,
    actor: Actor,
    *,
    today: date,
    county_code: str | None = None,
    enterprise_id: uuid.UUID | None = None,
    visit_id: uuid.UUID | None = None,
    status: str | None = None,
    severity: Severity | None = None,
    overdue: bool | None = None,
    escalation_level: int | None = None,
    limit: int,
    offset: int,
) -> tuple[list[Finding], int]:
    """Filters in SQL; the escalation level is the domain's, so that filter is applied to the SQL result."""
    stmt = scope_visits(_scoped(select(Finding)), actor)
    filters = {
        Finding.county_code: county_code,
        Finding.enterprise_id: enterprise_id,
        Finding.visit_id: visit_id,
        Finding.status: status,
        Finding.severity: severity.value if severity else None,
    }
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(column == value)
    if overdue is not None:
        late = (col(Finding.status) != "closed") & (col(Finding.deadline) < today)
        stmt = stmt.where(late if overdue else ~late)
    stmt = stmt.order_by(col(Finding.deadline), col(Finding.created_at))
    if escalation_level is None:
        return await paginate(session, stmt, limit=limit, offset=offset)
    matching = [f for f in (await session.exec(stmt)).all() if level_of(f, today)[0] == escalation_level]
    return matching[offset : offset + limit], len(matching)


async def add_finding(
    session: AsyncSession,
    actor: Actor,
    visit: Visit,
    *,
    description: str,
    severity: Severity,
    checklist_item: ChecklistItem | None,
) -> Finding:
    """One finding, found on the visit's date, its deadline by severity (限期整改); a serious hazard also
    goes onto the risk problem list."""
    deadline = deadline_for(severity, visit.visit_date, ruleset_for(visit.visit_date.year))
    finding = Finding(
        visit_id=visit.id,
        enterprise_id=visit.enterprise_id,
        county_code=visit.county_code,
        checklist_item=checklist_item.value if checklist_item else None,
        description=description,
        severity=severity.value,
        found_on=visit.visit_date,
        original_deadline=deadline,
        deadline=deadline,
        created_by_id=actor.user_id,
    )
    await audit.record_create(session, actor, finding, county_code=finding.county_code)
    if severity == Severity.serious_hazard:
        await risk_list.enter_automatically(session, actor, finding, "serious_hazard")
    return finding


async def create_finding(session: AsyncSession, actor: Actor, visit_id: uuid.UUID, data: FindingCreate) -> Finding:
    """A finding added by hand to an archived visit (nonconforming items become findings on submit)."""
    visit = await get_visit(session, actor, visit_id)
    if visit.status != "archived":
        raise Conflict("请先提交归档检查记录，不符合项将自动生成问题 (submit the visit first)")
    return await add_finding(
        session, actor, visit, description=data.description, severity=data.severity, checklist_item=data.checklist_item
    )
