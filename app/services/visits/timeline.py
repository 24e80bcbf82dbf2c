"""An enterprise's history, newest first: what an inspector reads before walking in."""

import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.domain.findings import Severity
from app.domain.statuses import FindingStatus, FindingStepKind, SignalKind, VisitStatus
from app.domain.visit_types import VisitType
from app.models import AuditEvent, Finding, FindingStep, Licence, RiskSignal, Visit
from app.schemas.timeline import EnterpriseTimeline, TimelineItem
from app.services.common.access import scope_visits
from app.services.ledger import get_enterprise


async def _visit_items(session: AsyncSession, actor: Actor, enterprise_id: uuid.UUID) -> list[TimelineItem]:
    stmt = scope_visits(select(Visit).where(Visit.enterprise_id == enterprise_id), actor)
    return [
        TimelineItem(
            on=v.visit_date,
            at=v.archived_at or v.created_at,
            kind="visit",
            title=f"{VisitType(v.visit_type).label}（{VisitStatus.label_of(v.status)}）",
            ref_id=str(v.id),
            detail={"visit_type": v.visit_type, "status": v.status, "conclusion": v.conclusion},
        )
        for v in (await session.exec(stmt)).all()
    ]


async def _finding_items(session: AsyncSession, actor: Actor, enterprise_id: uuid.UUID) -> list[TimelineItem]:
    stmt = scope_visits(
        select(Finding).join(Visit, col(Visit.id) == Finding.visit_id).where(Finding.enterprise_id == enterprise_id),
        actor,
    )
    findings = {f.id: f for f in (await session.exec(stmt)).all()}
    items = [
        TimelineItem(
            on=f.found_on,
            at=f.created_at,
            kind="finding",
            title=f"发现问题（{Severity(f.severity).label}）：{f.description}",
            ref_id=str(f.id),
            detail={"status": f.status, "status_label": FindingStatus.label_of(f.status), "deadline": f.deadline},
        )
        for f in findings.values()
    ]
    if not findings:
        return items
    steps = (await session.exec(select(FindingStep).where(col(FindingStep.finding_id).in_(list(findings))))).all()
    for step in steps:
        detail = {"finding_id": str(step.finding_id), "actor_name": step.actor_name, "text": step.text}
        if step.kind == "extension":
            detail |= {"deadline_before": step.deadline_before, "deadline_after": step.deadline_after}
        if step.kind == "reinspection":
            detail |= {"result": step.result, "visit_id": str(step.reinspection_visit_id)}
        if step.kind == "case":
            detail |= {"case_no": step.case_no, "officer": step.case_officer}
        if step.kind == "escalation":
            detail |= {"level_before": step.level_before, "level_after": step.level_after, "event": step.level_event}
        items.append(
            TimelineItem(
                on=step.case_filed_on or step.level_on or step.at.date(),
                at=step.at,
                kind="finding_step",
                title=f"{FindingStepKind.label_of(step.kind)}：{findings[step.finding_id].description}",
                ref_id=str(step.id),
                detail=detail,
            )
        )
    return items


async def _signal_items(session: AsyncSession, enterprise_id: uuid.UUID) -> list[TimelineItem]:
    signals = (await session.exec(select(RiskSignal).where(RiskSignal.enterprise_id == enterprise_id))).all()
    return [
        TimelineItem(
            on=s.occurred_on,
            at=s.created_at,
            kind="signal",
            title=SignalKind.label_of(s.kind) + (f"：{s.note}" if s.note else ""),
            ref_id=str(s.id),
            detail={"kind": s.kind, "source": s.source, "qualified": s.qualified, "is_open": s.is_open},
        )
        for s in signals
    ]


async def _licence_items(session: AsyncSession, enterprise_id: uuid.UUID) -> list[TimelineItem]:
    """Each licence as issued, then every audited change to it (the ledger's change history)."""
    licences = (await session.exec(select(Licence).where(Licence.enterprise_id == enterprise_id))).all()
    items = [
        TimelineItem(
            on=lic.issued_on or lic.created_at.date(),
            at=lic.created_at,
            kind="licence",
            title=f"生产许可证 {lic.licence_no}（{lic.product_category}，有效期至{lic.expires_on.isoformat()}）",
            ref_id=str(lic.id),
            detail={"licence_no": lic.licence_no, "status": lic.status, "expires_on": lic.expires_on},
        )
        for lic in licences
    ]
    if not licences:
        return items
    numbers = {str(lic.id): lic.licence_no for lic in licences}
    events = (
        await session.exec(
            select(AuditEvent).where(AuditEvent.entity == "licence", col(AuditEvent.entity_id).in_(numbers))
        )
    ).all()
    items += [
        TimelineItem(
            on=e.at.date(),
            at=e.at,
            kind="licence_change",
            title=f"许可证变更 {numbers[e.entity_id or '']}（{e.action}）",
            ref_id=str(e.id),
            detail={"action": e.action, "before": e.before, "after": e.after, "actor_name": e.actor_name},
        )
        for e in events
    ]
    return items


async def enterprise_timeline(
    session: AsyncSession, actor: Actor, enterprise_id: uuid.UUID, *, limit: int
) -> EnterpriseTimeline:
    enterprise = await get_enterprise(session, actor, enterprise_id)
    items = (
        await _visit_items(session, actor, enterprise.id)
        + await _finding_items(session, actor, enterprise.id)
        + await _signal_items(session, enterprise.id)
        + await _licence_items(session, enterprise.id)
    )
    items.sort(key=lambda i: (i.on, i.at.timestamp() if i.at else 0.0), reverse=True)
    return EnterpriseTimeline(enterprise_id=enterprise.id, enterprise_name=enterprise.name, items=items[:limit])
