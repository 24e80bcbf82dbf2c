"""Findings (问题): created from nonconforming items or by hand; overdue and escalation always as of `today`."""

import uuid
from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Conflict
from app.core.paging import PageQuery, Window
from app.domain.checklist import ChecklistItem
from app.domain.errors import Message
from app.domain.findings import (
    FindingEvent,
    Severity,
    consequences,
    deadline_for,
    is_overdue,
    reinspection_due_by,
    reinspection_late,
)
from app.domain.reasons import Reason
from app.domain.ruleset import ruleset_for
from app.domain.statuses import FindingStatus, FindingStepKind
from app.models import ExtensionRequest, Finding, FindingStep, RectificationReport, Visit
from app.schemas.finding import (
    FindingCreate,
    FindingDetail,
    FindingFilter,
    FindingRead,
    FindingStepRead,
    LevelChangeRead,
    ReasonRead,
)
from app.schemas.portal import ExtensionRequestRead, RectificationReportRead
from app.services.common import audit
from app.services.common.access import one_or_404, scope_visits
from app.services.common.filters import where_equal
from app.services.common.paging import keyset
from app.services.findings import risk_list
from app.services.findings.announce import announce
from app.services.findings.levels import finding_state, level_of, settle_level
from app.services.visits import get_visit


def _reasons(reasons: list[Reason]) -> list[ReasonRead]:
    return [ReasonRead(code=r.code, label=r.label) for r in reasons]


def is_late(finding: Finding, today: date) -> bool:
    """按时复查回访: the first re-inspection came (or, none yet by `today`, is still missing) after the year's window.
    A finding closed without a recorded re-inspection (records of before the loop was kept) is not flagged."""
    if finding.status == "closed" and finding.reinspected_on is None:
        return False
    reinspected_on = finding.reinspected_on if finding.reinspected_on and finding.reinspected_on <= today else None
    return reinspection_late(finding.deadline, reinspected_on, ruleset_for(finding.found_on.year), today=today)


def present_finding(finding: Finding, today: date) -> FindingRead:
    level, reasons = level_of(finding, today)
    severity = Severity(finding.severity)
    item = ChecklistItem(finding.checklist_item) if finding.checklist_item else None
    return FindingRead(
        **finding.model_dump(exclude={"checklist_item", "severity", "escalation_level"}),
        checklist_item=item,
        checklist_item_label=item.label if item else None,
        severity=severity,
        severity_label=severity.label,
        status_label=FindingStatus.label_of(finding.status),
        overdue=is_overdue(today, finding_state(finding)),
        escalation_level=level,
        escalation_reasons=_reasons(reasons),
        consequences=_reasons(consequences(severity)),
        reinspection_due_by=reinspection_due_by(finding.deadline, ruleset_for(finding.found_on.year)),
        reinspection_late=is_late(finding, today),
    )


async def present_detail(session: AsyncSession, finding: Finding, today: date) -> FindingDetail:
    stmt = select(FindingStep).where(FindingStep.finding_id == finding.id).order_by(col(FindingStep.at))
    steps, history = [], []
    for step in (await session.exec(stmt)).all():
        read = FindingStepRead.model_validate(step)
        read.kind_label = FindingStepKind.label_of(step.kind)
        steps.append(read)
        if step.kind == "escalation":
            event = FindingEvent(step.level_event) if step.level_event else None
            history.append(
                LevelChangeRead(
                    on=step.level_on or step.at.date(),
                    level_before=step.level_before or 0,
                    level_after=step.level_after or 0,
                    event=event,
                    event_label=event.label if event else None,
                    reasons=step.text,
                )
            )
    pending_request = await pending_of(session, ExtensionRequest, finding.id)
    pending_report = await pending_of(session, RectificationReport, finding.id)
    return FindingDetail(
        **present_finding(finding, today).model_dump(),
        pending_extension_request=ExtensionRequestRead.model_validate(pending_request) if pending_request else None,
        pending_rectification_report=RectificationReportRead.model_validate(pending_report) if pending_report else None,
        steps=steps,
        level_history=history,
    )


async def pending_of(session: AsyncSession, model: Any, finding_id: uuid.UUID) -> Any:
    stmt = select(model).where(model.finding_id == finding_id, model.status == "pending")
    return (await session.exec(stmt)).first()


def _scoped(stmt):  # noqa: ANN001, ANN202
    return stmt.join(Visit, col(Visit.id) == Finding.visit_id)


async def get_finding(session: AsyncSession, actor: Actor, finding_id: uuid.UUID, *, lock: bool = False) -> Finding:
    stmt = scope_visits(_scoped(select(Finding)).where(Finding.id == finding_id), actor)
    if lock:
        stmt = stmt.with_for_update(of=Finding)
    return await one_or_404(session, stmt, Message("finding_not_found"))


async def list_findings(
    session: AsyncSession,
    actor: Actor,
    *,
    today: date,
    f: FindingFilter,
    page: PageQuery,
) -> Window[Finding]:
    """Filters in SQL; the escalation level and a late re-inspection are the domain's, so those filters are
    applied to the SQL result."""
    stmt = scope_visits(_scoped(select(Finding)), actor)
    stmt = where_equal(
        stmt,
        [
            (Finding.county_code, f.county_code),
            (Finding.enterprise_id, f.enterprise_id),
            (Finding.visit_id, f.visit_id),
            (Finding.status, f.status),
            (Finding.severity, f.severity.value if f.severity else None),
        ],
    )
    if f.overdue is not None:  # 逾期未整改: open (no rectification report nor passed re-inspection), past the deadline
        late = (col(Finding.status) == "open") & (col(Finding.deadline) < today)
        stmt = stmt.where(late if f.overdue else ~late)
    if f.reinspection_late:  # late only once the deadline has passed
        stmt = stmt.where(col(Finding.deadline) < today)
    keys = (col(Finding.deadline), col(Finding.created_at), col(Finding.id))  # earliest deadline first

    def keep(finding: Finding) -> bool:
        return (f.escalation_level is None or level_of(finding, today)[0] == f.escalation_level) and (
            f.reinspection_late is None or is_late(finding, today) == f.reinspection_late
        )

    by_rule = f.escalation_level is not None or f.reinspection_late is not None
    return await keyset(session, stmt, page, keys, keep=keep if by_rule else None)


async def add_finding(
    session: AsyncSession,
    actor: Actor,
    visit: Visit,
    *,
    description: str,
    severity: Severity,
    checklist_item: ChecklistItem | None,
    today: date,
) -> Finding:
    """One finding, found on the visit's date, its deadline by severity (限期整改); a serious hazard also
    goes onto the risk problem list. A finding recorded late may start escalated: its level is kept from now."""
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
    await announce(session, "finding.created", finding, today)
    await settle_level(session, actor, finding, None, today=today)
    if severity == Severity.serious_hazard:
        await risk_list.enter_automatically(session, actor, finding, "serious_hazard")
    return finding


async def create_finding(
    session: AsyncSession, actor: Actor, visit_id: uuid.UUID, data: FindingCreate, *, today: date
) -> Finding:
    """A finding added by hand to an archived visit (nonconforming items become findings on submit)."""
    visit = await get_visit(session, actor, visit_id)
    if visit.status != "archived":
        raise Conflict(Message("submit_visit_first"))
    return await add_finding(
        session,
        actor,
        visit,
        description=data.description,
        severity=data.severity,
        checklist_item=data.checklist_item,
        today=today,
    )
