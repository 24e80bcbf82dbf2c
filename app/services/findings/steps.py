"""The loop of a finding (问题闭环): extension, rectification report, re-inspection, case, closure.

Every step is a `FindingStep` row with who and when, and an audit event. After each step the escalation level
kept is settled (services/findings/levels.py): only rectification, a passed re-inspection or closing lower it.
"""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Conflict
from app.domain.errors import Message, Problem, raise_if_any
from app.domain.findings import FindingEvent, Severity, can_close, extend_deadline
from app.domain.ruleset import ruleset_for
from app.domain.visit_types import VisitType
from app.models import Attachment, Finding, FindingStep, Visit
from app.models.base import utcnow
from app.schemas.finding import CaseCreate, ExtensionCreate, RectificationCreate, RefusalCreate, ReinspectionCreate
from app.services.common import audit
from app.services.common.access import scope_visits
from app.services.findings import risk_list
from app.services.findings.announce import announce
from app.services.findings.findings import get_finding
from app.services.findings.levels import settle_level

LOOP_FIELDS = (
    "status",
    "deadline",
    "extensions_used",
    "failed_reinspections",
    "reinspection_passed",
    "case_filed",
    "refused_on",
    "reinspected_on",
    "closed_at",
)


async def record_step(
    session: AsyncSession, actor: Actor, finding: Finding, before: dict[str, Any], step: FindingStep
) -> Finding:
    step.finding_id = finding.id
    step.actor_id = actor.user_id
    step.actor_name = actor.name
    finding.updated_at = utcnow()
    session.add(step)
    session.add(finding)
    await session.flush()
    old, new = audit.diff(before, audit.snapshot(finding, LOOP_FIELDS))
    new["step"] = audit.snapshot(step, ("id", "kind", "text", "result", "case_no"))
    await audit.record(
        session, actor, f"finding.{step.kind}", "finding", finding.id,
        county_code=finding.county_code, before=old, after=new,
    )  # fmt: skip
    return finding


def _open_or_conflict(finding: Finding) -> None:
    if finding.status == "closed":
        raise Conflict(Message("finding_is_closed"))


async def load_for_step(session: AsyncSession, actor: Actor, finding_id: uuid.UUID) -> tuple[Finding, dict[str, Any]]:
    """The finding, locked, and its loop as it was."""
    finding = await get_finding(session, actor, finding_id, lock=True)
    return finding, audit.snapshot(finding, LOOP_FIELDS)


async def _settle(
    session: AsyncSession,
    actor: Actor,
    loop: tuple[Finding, dict[str, Any]],
    step: FindingStep,
    event: FindingEvent,
    announced: str,
    today: date,
) -> Finding:
    """The step recorded on the finding as it was, its escalation level settled, the change announced."""
    finding, before = loop
    await record_step(session, actor, finding, before, step)
    await settle_level(session, actor, finding, event, today=today)
    await announce(session, announced, finding, today)
    return finding


def _close_if_allowed(finding: Finding) -> bool:
    """Close when the loop allows it (True), else await the case after a passed re-inspection."""
    if not can_close(Severity(finding.severity), finding.case_filed, finding.reinspection_passed):
        finding.status = "closed"
        finding.closed_at = utcnow()
        return True
    if finding.reinspection_passed:
        finding.status = "awaiting_case"
    return False


async def extend(
    session: AsyncSession, actor: Actor, finding_id: uuid.UUID, data: ExtensionCreate, *, today: date
) -> Finding:
    """延期整改: asked before the deadline, once, with a reason, within the rule's limit."""
    finding, before = await load_for_step(session, actor, finding_id)
    return await apply_extension(session, actor, finding, before, data.days, data.reason, asked_on=today, today=today)


async def apply_extension(
    session: AsyncSession,
    actor: Actor,
    finding: Finding,
    before: dict[str, Any],
    days: int,
    reason: str,
    *,
    asked_on: date,
    today: date,
) -> Finding:
    """Move the deadline of a finding loaded for update: the rule is judged on the day it was asked for."""
    _open_or_conflict(finding)
    ruleset = ruleset_for(finding.found_on.year)
    new_deadline = extend_deadline(finding.deadline, days, reason, finding.extensions_used, ruleset, today=asked_on)
    step = FindingStep(
        kind="extension", text=reason, days=days, deadline_before=finding.deadline, deadline_after=new_deadline
    )
    finding.deadline = new_deadline
    finding.extensions_used += 1
    return await _settle(session, actor, (finding, before), step, FindingEvent.extension, "finding.extended", today)


async def record_rectification(
    session: AsyncSession, actor: Actor, finding_id: uuid.UUID, data: RectificationCreate, *, today: date
) -> Finding:
    """The enterprise's rectification report (整改报告), recorded by an inspector, with attachments."""
    finding, before = await load_for_step(session, actor, finding_id)
    _rectifiable(finding)
    problems = []
    for i, attachment_id in enumerate(data.attachment_ids):
        stmt = scope_visits(
            select(Attachment)
            .join(Visit, col(Visit.id) == Attachment.visit_id)
            .where(Attachment.id == attachment_id, Visit.enterprise_id == finding.enterprise_id),
            actor,
        )
        if (await session.exec(stmt)).first() is None:
            problems.append(Problem(("attachment_ids", i), "attachment_not_found_for_enterprise"))
    raise_if_any(problems)
    attachment_ids = [str(a) for a in data.attachment_ids]
    return await apply_rectification(session, actor, finding, before, data.text, attachment_ids, today=today)


def _rectifiable(finding: Finding) -> None:
    """Open, and not past a passed re-inspection: it may still be rectified and re-inspected."""
    _open_or_conflict(finding)
    if finding.status == "awaiting_case":
        raise Conflict(Message("re_inspection_already_passed"))


async def apply_rectification(
    session: AsyncSession,
    actor: Actor,
    finding: Finding,
    before: dict[str, Any],
    text: str,
    attachment_ids: Sequence[str] = (),
    *,
    file_ids: Sequence[str] = (),
    today: date,
) -> Finding:
    """The finding (loaded for update) is rectified, awaiting its re-inspection: with a visit's attachments (an
    inspector's record) or the enterprise's files (its report, accepted)."""
    _rectifiable(finding)
    step = FindingStep(kind="rectification", text=text, attachment_ids=list(attachment_ids), file_ids=list(file_ids))
    finding.status = "rectified"
    event = FindingEvent.rectification
    return await _settle(session, actor, (finding, before), step, event, "finding.rectified", today)


async def _reinspection_visit(session: AsyncSession, actor: Actor, finding: Finding, visit_id: uuid.UUID) -> Visit:
    visit = (await session.exec(scope_visits(select(Visit).where(Visit.id == visit_id), actor))).first()
    loc = ("visit_id",)
    if visit is None or visit.enterprise_id != finding.enterprise_id or visit.id == finding.visit_id:
        raise_if_any([Problem(loc, "re_inspection_visit_not_found")])
    assert visit is not None
    problems = []
    if visit.visit_type != VisitType.reinspection:
        problems.append(Problem(loc, "must_be_reinspection_visit"))
    if visit.status != "archived":
        problems.append(Problem(loc, "submit_re_inspection_visit_first"))
    if visit.visit_date < finding.found_on:
        problems.append(Problem(loc, "re_inspection_before_finding"))
    raise_if_any(problems)
    return visit


async def record_reinspection(
    session: AsyncSession, actor: Actor, finding_id: uuid.UUID, data: ReinspectionCreate, *, today: date
) -> Finding:
    """复查回访: pass closes (a violation also needs its case); fail reopens, counts and escalates — from
    level 2 the finding joins the risk problem list."""
    finding, before = await load_for_step(session, actor, finding_id)
    _rectifiable(finding)
    visit = await _reinspection_visit(session, actor, finding, data.visit_id)
    step = FindingStep(kind="reinspection", text=data.note, reinspection_visit_id=visit.id, result=data.result.value)
    if finding.reinspected_on is None:  # 按时复查回访 is judged by the first re-inspection
        finding.reinspected_on = visit.visit_date
    event = FindingEvent.reinspection_failed
    if data.result == "pass":
        finding.reinspection_passed = True
        event = FindingEvent.closed if _close_if_allowed(finding) else FindingEvent.reinspection_passed
    else:
        finding.reinspection_passed = False
        finding.failed_reinspections += 1
        finding.status = "open"
    await record_step(session, actor, finding, before, step)
    await announce(session, "finding.reinspected", finding, today)
    if await settle_level(session, actor, finding, event, today=today) >= 2:
        await risk_list.enter_automatically(session, actor, finding, "escalation")
    return finding


def _since_found(finding: Finding, day: date, field: str, code: str, *, today: date) -> None:
    """The day a step happened (a refusal, a case filed) lies between the finding and today, else 422 at `field`."""
    if not finding.found_on <= day <= today:
        raise_if_any([Problem((field,), code)])


async def record_refusal(
    session: AsyncSession, actor: Actor, finding_id: uuid.UUID, data: RefusalCreate, *, today: date
) -> Finding:
    """拒不整改: escalation level 3 (a case must be filed) and, like every level ≥ 2, the risk problem list."""
    finding, before = await load_for_step(session, actor, finding_id)
    _open_or_conflict(finding)
    if finding.refused_on is not None:
        raise Conflict(Message("refusal_is_already_recorded"))
    _since_found(finding, data.refused_on, "refused_on", "refused_on_out_of_range", today=today)
    finding.refused_on = data.refused_on
    await record_step(session, actor, finding, before, FindingStep(kind="refusal", text=data.note))
    await settle_level(session, actor, finding, FindingEvent.refusal, today=today)
    await risk_list.enter_automatically(session, actor, finding, "escalation")
    return finding


async def file_case(
    session: AsyncSession, actor: Actor, finding_id: uuid.UUID, data: CaseCreate, *, today: date
) -> Finding:
    """立案查处: case number, date, officer; a violation that passed its re-inspection closes now."""
    finding, before = await load_for_step(session, actor, finding_id)
    if finding.case_filed:
        raise Conflict(Message("case_is_already_filed"))
    _since_found(finding, data.filed_on, "filed_on", "filed_on_out_of_range", today=today)
    step = FindingStep(
        kind="case", text=data.note, case_no=data.case_no, case_filed_on=data.filed_on, case_officer=data.officer
    )
    finding.case_filed = True
    closed = finding.status == "awaiting_case" and _close_if_allowed(finding)
    event = FindingEvent.closed if closed else FindingEvent.case
    return await _settle(session, actor, (finding, before), step, event, "finding.case_filed", today)
