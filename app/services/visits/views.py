"""What a client reads about a visit: the record with labels, inspectors, checklist rows, findings, amendments,
and the duplicate-inspection warning (避免重复检查)."""

from collections.abc import Sequence
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.checklist import ChecklistItem, Conclusion, ItemResult, applicable_items
from app.domain.findings import Severity
from app.domain.ruleset import ruleset_for
from app.domain.statuses import VisitStatus
from app.domain.visit_rules import duplicate_visit_warning
from app.domain.visit_types import SupervisoryFunction, VisitType, counts_toward_frequency
from app.models import Enterprise, Finding, User, Visit, VisitAmendment, VisitInspector
from app.schemas.visit import (
    AmendmentRead,
    ChecklistRowRead,
    FindingBrief,
    InspectorRead,
    Labelled,
    VisitRead,
    VisitSummary,
    VisitWarning,
)
from app.services.visits.visits import is_licence_holder


async def inspectors_of(session: AsyncSession, visit: Visit) -> list[InspectorRead]:
    stmt = (
        select(VisitInspector, User.full_name)
        .join(User, col(User.id) == VisitInspector.user_id)
        .where(VisitInspector.visit_id == visit.id)
        .order_by(col(VisitInspector.position))
    )
    return [
        InspectorRead(**inspector.model_dump(), full_name=name) for inspector, name in (await session.exec(stmt)).all()
    ]


def checklist_rows(visit: Visit, licence_holder: bool) -> list[ChecklistRowRead]:
    """Every applicable item in plan order, answered or not; an answered item is shown even if not applicable."""
    rows = []
    for item in ChecklistItem:
        entry = visit.checklist.get(item.value)
        if entry is None and item not in applicable_items(licence_holder):
            continue
        result = ItemResult(entry["result"]) if entry else None
        severity = Severity(entry["severity"]) if entry and entry.get("severity") else None
        if result == ItemResult.nonconforming and severity is None:
            severity = Severity.general
        rows.append(
            ChecklistRowRead(
                item=item,
                label=item.label,
                content=item.content,
                result=result,
                result_label=result.label if result else None,
                note=entry.get("note") if entry else None,
                severity=severity,
                severity_label=severity.label if severity else None,
            )
        )
    return rows


async def recent_visit_warnings(session: AsyncSession, visit: Visit) -> list[VisitWarning]:
    """Earlier visits by anyone, of any type, to the same enterprise within the window. Not scoped to the
    caller's county on purpose: whoever may see the enterprise should know it was just inspected."""
    window = ruleset_for(visit.visit_date.year).duplicate_visit_window_days
    stmt = (
        select(Visit)
        .where(
            Visit.enterprise_id == visit.enterprise_id,
            Visit.id != visit.id,
            Visit.visit_date >= visit.visit_date - timedelta(days=window),
            Visit.visit_date <= visit.visit_date,
        )
        .order_by(col(Visit.visit_date).desc())
    )
    warnings = []
    for earlier in (await session.exec(stmt)).all():
        reason = duplicate_visit_warning(visit.visit_date, earlier.visit_date, ruleset_for(visit.visit_date.year))
        if reason is None:
            continue
        visit_type = VisitType(earlier.visit_type)
        warnings.append(
            VisitWarning(
                code=reason.code,
                msg=reason.label,
                visit_id=earlier.id,
                visit_date=earlier.visit_date,
                visit_type=visit_type,
                visit_type_label=visit_type.label,
                status=earlier.status,
            )
        )
    return warnings


async def present_visit(session: AsyncSession, visit: Visit, *, warnings: Sequence[VisitWarning] = ()) -> VisitRead:
    enterprise = await session.get(Enterprise, visit.enterprise_id)
    assert enterprise is not None
    holder = await is_licence_holder(session, visit.enterprise_id)
    findings = (
        await session.exec(select(Finding).where(Finding.visit_id == visit.id).order_by(col(Finding.created_at)))
    ).all()
    amendments = (
        await session.exec(
            select(VisitAmendment).where(VisitAmendment.visit_id == visit.id).order_by(col(VisitAmendment.created_at))
        )
    ).all()
    visit_type = VisitType(visit.visit_type)
    conclusion = Conclusion(visit.conclusion) if visit.conclusion else None
    return VisitRead(
        id=visit.id,
        enterprise_id=visit.enterprise_id,
        enterprise_name=enterprise.name,
        county_code=visit.county_code,
        visit_type=visit_type,
        visit_type_label=visit_type.label,
        visit_date=visit.visit_date,
        status=visit.status,
        status_label=VisitStatus.label_of(visit.status),
        licence_holder=holder,
        covers_full_checklist=visit.covers_full_checklist,
        counts_toward_frequency=visit.status == "archived"
        and counts_toward_frequency(visit_type, visit.covers_full_checklist),
        assignment_id=visit.assignment_id,
        inspectors=await inspectors_of(session, visit),
        supervisory_functions=[
            Labelled(code=f, label=SupervisoryFunction(f).label) for f in visit.supervisory_functions
        ],
        checklist=checklist_rows(visit, holder),
        conclusion=conclusion,
        conclusion_label=conclusion.label if conclusion else None,
        representative_name=visit.representative_name,
        representative_title=visit.representative_title,
        notes=visit.notes,
        findings=[
            FindingBrief(
                id=f.id,
                checklist_item=f.checklist_item,
                description=f.description,
                severity=Severity(f.severity),
                severity_label=Severity(f.severity).label,
                deadline=f.deadline,
                status=f.status,
            )
            for f in findings
        ],
        amendments=[AmendmentRead.model_validate(a) for a in amendments],
        version=visit.version,
        created_by_id=visit.created_by_id,
        created_at=visit.created_at,
        updated_at=visit.updated_at,
        archived_at=visit.archived_at,
        warnings=list(warnings),
    )


async def summarize(session: AsyncSession, visits: list[Visit]) -> list[VisitSummary]:
    """A page of visits for a work list, with the enterprise's name (one query for the page)."""
    ids = {v.enterprise_id for v in visits}
    names = dict((await session.exec(select(Enterprise.id, Enterprise.name).where(col(Enterprise.id).in_(ids)))).all())
    summaries = []
    for visit in visits:
        summary = VisitSummary.model_validate(visit)
        summary.enterprise_name = names.get(visit.enterprise_id, "")
        summary.visit_type_label = summary.visit_type.label
        summaries.append(summary)
    return summaries
