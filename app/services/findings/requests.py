"""What the enterprise sends about its finding (issue 18), and the bureau's answer.

A rectification report (整改报告) waits until an inspector accepts it — the finding is rectified, awaiting its
re-inspection — or returns it with a reason. An extension request (延期申请), asked before the deadline, waits
until the county grants it (the deadline moves, within the year's limit, judged on the day it was asked) or
refuses it with a reason. Each is one at a time per finding; every step is on the finding's timeline
(`FindingStep`), in the audit trail and in the event outbox, and the enterprise is told of each decision.
"""

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Conflict
from app.core.paging import PageQuery, Window
from app.domain.errors import Message
from app.domain.findings import extend_deadline
from app.domain.ruleset import ruleset_for
from app.models import ExtensionRequest, Finding, FindingStep, RectificationReport, Visit
from app.models.base import utcnow
from app.models.enterprise_account import FindingRequest
from app.schemas.portal import ExtensionRequestCreate, RectificationReportCreate, RefusalReason, ReturnCreate
from app.services import notifications
from app.services.common import audit
from app.services.common.access import one_or_404, scope_visits
from app.services.common.paging import paginate
from app.services.findings.announce import announce
from app.services.findings.findings import pending_of
from app.services.findings.steps import (
    apply_extension,
    apply_rectification,
    load_for_step,
    record_step,
)
from app.services.portal import files_of_enterprise

REPORT_FIELDS = ("status", "decided_at", "decision_reason")
REQUEST_FIELDS = ("status", "decided_at", "decision_reason", "deadline_after")

R = TypeVar("R", bound=FindingRequest)


async def _awaiting_rectification(
    session: AsyncSession, actor: Actor, finding_id: uuid.UUID, model: type[FindingRequest], pending: str
) -> tuple[Finding, dict[str, Any]]:
    """The finding (locked, as a step loads it) while it is open and has no `model` request pending (`pending`:
    the refusal's code), with its before-image."""
    finding, before = await load_for_step(session, actor, finding_id)
    if finding.status != "open":
        raise Conflict(Message("finding_not_awaiting_rectification"))
    if await pending_of(session, model, finding.id) is not None:
        raise Conflict(Message(pending))
    return finding, before


async def _file(
    session: AsyncSession,
    actor: Actor,
    request: FindingRequest,
    finding: Finding,
    before: dict[str, Any],
    step: FindingStep,
    event: str,
    *,
    today: date,
) -> None:
    """A new request kept and audited, with its step on the finding's timeline and its event."""
    await audit.record_create(session, actor, request, county_code=request.county_code)
    await record_step(session, actor, finding, before, step)
    await announce(session, event, finding, today)


def _in_scope(model: type[R], actor: Actor):  # noqa: ANN202
    """Requests about findings on visits the caller may see."""
    stmt = (
        select(model).join(Finding, col(Finding.id) == model.finding_id).join(Visit, col(Visit.id) == Finding.visit_id)
    )
    return scope_visits(stmt, actor)


async def submit_report(
    session: AsyncSession, actor: Actor, finding_id: uuid.UUID, data: RectificationReportCreate, *, today: date
) -> RectificationReport:
    """The enterprise reports its rectification; the finding stays open until an inspector accepts it."""
    finding, before = await _awaiting_rectification(
        session, actor, finding_id, RectificationReport, "rectification_report_pending"
    )
    file_ids = await files_of_enterprise(session, finding.enterprise_id, data.file_ids)
    report = RectificationReport.about(finding, text=data.text, file_ids=file_ids, submitted_by_id=actor.user_id)
    step = FindingStep(kind="report_submitted", text=data.text, file_ids=file_ids)
    await _file(session, actor, report, finding, before, step, "finding.rectification_reported", today=today)
    return report


async def list_reports(session: AsyncSession, actor: Actor, finding_id: uuid.UUID) -> list[RectificationReport]:
    finding, _ = await load_for_step(session, actor, finding_id)
    stmt = _in_scope(RectificationReport, actor).where(RectificationReport.finding_id == finding.id)
    return list((await session.exec(stmt.order_by(col(RectificationReport.submitted_at)))).all())


async def _decide(
    session: AsyncSession, actor: Actor, model: type[R], request_id: uuid.UUID, fields: tuple[str, ...]
) -> tuple[R, Finding, dict[str, Any], dict[str, Any]]:
    """The pending request (locked) and its finding (locked, as a step loads it), with their before-images."""
    stmt = _in_scope(model, actor).where(model.id == request_id).with_for_update(of=model)
    row = await one_or_404(session, stmt, Message("request_not_found"))
    if row.status != "pending":
        raise Conflict(Message("request_already_decided"))
    finding, finding_before = await load_for_step(session, actor, row.finding_id)
    return row, finding, finding_before, audit.snapshot(row, fields)


async def _decided(
    session: AsyncSession, actor: Actor, row: FindingRequest, before: dict[str, Any], status: str
) -> None:
    row.status = status
    row.decided_by_id = actor.user_id
    row.decided_at = utcnow()
    session.add(row)
    await session.flush()
    old, new = audit.diff(before, audit.snapshot(row, before.keys()))
    entity = type(row).__tablename__
    await audit.record(
        session, actor, f"{entity}.{status}", entity, row.id, county_code=row.county_code, before=old, after=new
    )


async def accept_report(
    session: AsyncSession, actor: Actor, report_id: uuid.UUID, *, today: date
) -> RectificationReport:
    """The inspector accepts the report: the finding is rectified, awaiting its re-inspection (复查回访)."""
    report, finding, finding_before, before = await _decide(
        session, actor, RectificationReport, report_id, REPORT_FIELDS
    )
    await apply_rectification(
        session, actor, finding, finding_before, report.text, file_ids=report.file_ids, today=today
    )
    await _decided(session, actor, report, before, "accepted")
    await notifications.notify_enterprise_decision(session, finding, report.id, "report_accepted", None, today=today)
    return report


@dataclass(frozen=True)
class TurnDown:
    """One way the bureau says no, with a reason: the request's new status, the step on the finding's timeline,
    the event, and what the enterprise is told."""

    model: type[FindingRequest]
    fields: tuple[str, ...]
    status: str
    step: str
    event: str
    decision: str


RETURNED = TurnDown(
    RectificationReport,
    REPORT_FIELDS,
    "returned",
    "report_returned",
    "finding.rectification_returned",
    "report_returned",
)
REFUSED = TurnDown(
    ExtensionRequest, REQUEST_FIELDS, "refused", "extension_denied", "finding.extension_refused", "extension_refused"
)


async def _turn_down(
    session: AsyncSession, actor: Actor, how: TurnDown, row_id: uuid.UUID, reason: str, *, today: date
) -> Any:
    row, finding, finding_before, before = await _decide(session, actor, how.model, row_id, how.fields)
    row.decision_reason = reason
    await _decided(session, actor, row, before, how.status)
    await record_step(session, actor, finding, finding_before, FindingStep(kind=how.step, text=reason))
    await announce(session, how.event, finding, today)
    await notifications.notify_enterprise_decision(session, finding, row.id, how.decision, reason, today=today)
    return row


async def return_report(
    session: AsyncSession, actor: Actor, report_id: uuid.UUID, data: ReturnCreate, *, today: date
) -> RectificationReport:
    """The inspector returns the report with a reason; the finding stays open and the enterprise may report again."""
    return await _turn_down(session, actor, RETURNED, report_id, data.reason, today=today)


async def request_extension(
    session: AsyncSession, actor: Actor, finding_id: uuid.UUID, data: ExtensionRequestCreate, *, today: date
) -> ExtensionRequest:
    """The enterprise asks for more time: before the deadline, within the year's limit, with a reason."""
    finding, before = await _awaiting_rectification(
        session, actor, finding_id, ExtensionRequest, "extension_request_pending"
    )
    ruleset = ruleset_for(finding.found_on.year)
    extend_deadline(finding.deadline, data.days, data.reason, finding.extensions_used, ruleset, today=today)
    request = ExtensionRequest.about(
        finding, days=data.days, reason=data.reason, requested_on=today, requested_by_id=actor.user_id
    )
    step = FindingStep(kind="extension_asked", text=data.reason, days=data.days, deadline_before=finding.deadline)
    await _file(session, actor, request, finding, before, step, "finding.extension_requested", today=today)
    return request


async def grant_extension(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, *, today: date
) -> ExtensionRequest:
    """The county grants the request: the deadline moves as asked, judged on the day it was asked for."""
    request, finding, finding_before, before = await _decide(
        session, actor, ExtensionRequest, request_id, REQUEST_FIELDS
    )
    await apply_extension(
        session,
        actor,
        finding,
        finding_before,
        request.days,
        request.reason,
        asked_on=request.requested_on,
        today=today,
    )
    request.deadline_after = finding.deadline
    await _decided(session, actor, request, before, "granted")
    await notifications.notify_enterprise_decision(session, finding, request.id, "extension_granted", None, today=today)
    return request


async def refuse_extension(
    session: AsyncSession, actor: Actor, request_id: uuid.UUID, data: RefusalReason, *, today: date
) -> ExtensionRequest:
    """The county refuses the request with a reason; the deadline stands."""
    return await _turn_down(session, actor, REFUSED, request_id, data.reason, today=today)


async def list_extension_requests(
    session: AsyncSession,
    actor: Actor,
    *,
    status: str | None,
    county_code: str | None,
    page: PageQuery,
) -> Window[ExtensionRequest]:
    """The county's queue: requests of the findings the caller may see, oldest first."""
    stmt = _in_scope(ExtensionRequest, actor)
    if status is not None:
        stmt = stmt.where(ExtensionRequest.status == status)
    if county_code is not None:
        stmt = stmt.where(ExtensionRequest.county_code == county_code)
    stmt = stmt.order_by(col(ExtensionRequest.created_at), col(ExtensionRequest.id))
    return await paginate(session, stmt, page)


async def requests_of(
    session: AsyncSession, finding_ids: list[uuid.UUID]
) -> tuple[dict[uuid.UUID, list[ExtensionRequest]], dict[uuid.UUID, list[RectificationReport]]]:
    """finding → its extension requests and its rectification reports, oldest first (for findings already loaded
    through a scoped query)."""
    extensions = await _by_finding(session, ExtensionRequest, ExtensionRequest.created_at, finding_ids)
    reports = await _by_finding(session, RectificationReport, RectificationReport.submitted_at, finding_ids)
    return extensions, reports


async def _by_finding(
    session: AsyncSession, model: type[R], sent_at: Any, finding_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[R]]:
    """finding → its `model` requests in the order they were sent."""
    found: dict[uuid.UUID, list[R]] = {f: [] for f in finding_ids}
    if finding_ids:
        stmt = select(model).where(col(model.finding_id).in_(finding_ids)).order_by(col(sent_at))
        for row in await session.exec(stmt):
            found[row.finding_id].append(row)
    return found
