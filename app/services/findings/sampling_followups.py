"""Post-processing of a failed supervisory sampling (计划 七（四）): opened by the unqualified result, closed by a
qualified re-sampling. Each states its origin: referred by a higher authority (上级转办) or of a sampling the county
organised (本级组织). The enterprise becomes a key-supervision target through the frequency rule itself
(a failed sampling is an escalation factor), so nothing here changes the plan."""

import uuid
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.paging import PageQuery, Window
from app.domain.errors import Message, Problem, RuleViolation
from app.domain.reporting import FollowUpStep, SamplingOrigin, StepDone, follow_up_step_problems
from app.domain.statuses import SignalKind
from app.models import Enterprise, RiskSignal, SamplingFollowUp, SamplingFollowUpStep
from app.models.base import utcnow
from app.schemas.sampling import FollowUpDetail, FollowUpFilter, FollowUpStepCreate, FollowUpStepRead, FollowUpUpdate
from app.services.common import audit
from app.services.common.access import in_scope, one_or_404
from app.services.common.concurrency import check_if_match
from app.services.common.filters import where_equal, within
from app.services.common.paging import paginate

_DATE_OF_STEP = {
    FollowUpStep.notified: "notified_on",
    FollowUpStep.rectification_ordered: "rectification_ordered_on",
    FollowUpStep.resampled: "resampled_on",
    FollowUpStep.closed: "closed_on",
}


async def open_followup_for_signal(
    session: AsyncSession,
    actor: Actor | None,
    signal: RiskSignal,
    county_code: str,
    *,
    origin: SamplingOrigin | None,
) -> SamplingFollowUp | None:
    """Open the post-processing record of an unqualified sampling result (once per signal); else nothing.
    `origin` is required for an unqualified result (the caller checks it with `origin_problems`)."""
    if signal.kind != SignalKind.sampling.value or signal.qualified is not False:
        return None
    if origin is None:
        raise RuleViolation(origin_problems(signal.kind, signal.qualified, origin))
    existing = (await session.exec(select(SamplingFollowUp).where(SamplingFollowUp.signal_id == signal.id))).first()
    if existing is not None:
        return existing
    follow_up = SamplingFollowUp(
        signal_id=signal.id,
        enterprise_id=signal.enterprise_id,
        county_code=county_code,
        product=signal.product,
        report_no=signal.report_no,
        origin=origin.value,
        failed_on=signal.occurred_on,
    )
    opened = ("signal_id", "enterprise_id", "product", "origin", "failed_on", "status")
    action = "sampling_follow_up.open"
    return await audit.record_create(session, actor, follow_up, county_code=county_code, action=action, fields=opened)


def origin_problems(kind: str, qualified: bool | None, origin: SamplingOrigin | None) -> list[Problem]:
    """A failed sampling states where it came from (上级转办 / 本级组织); nothing else carries an origin."""
    failed = kind == SignalKind.sampling.value and qualified is False
    if failed and origin is None:
        return [Problem(("sampling_origin",), "sampling_origin_required")]
    if not failed and origin is not None:
        return [Problem(("sampling_origin",), "only_for_failed_sampling")]
    return []


async def list_followups(
    session: AsyncSession,
    actor: Actor,
    *,
    f: FollowUpFilter,
    page: PageQuery,
) -> Window[SamplingFollowUp]:
    stmt = where_equal(
        in_scope(select(SamplingFollowUp), SamplingFollowUp.county_code, actor),
        [
            (SamplingFollowUp.status, f.status),
            (SamplingFollowUp.origin, f.origin.value if f.origin else None),
            (SamplingFollowUp.county_code, f.county_code),
            (SamplingFollowUp.enterprise_id, f.enterprise_id),
        ],
    )
    stmt = within(stmt, SamplingFollowUp.failed_on, f.date_from, f.date_to)
    stmt = stmt.order_by(col(SamplingFollowUp.failed_on), col(SamplingFollowUp.id))
    return await paginate(session, stmt, page)


async def get_followup(
    session: AsyncSession, actor: Actor, follow_up_id: uuid.UUID, *, lock: bool = False
) -> SamplingFollowUp:
    stmt = in_scope(
        select(SamplingFollowUp).where(SamplingFollowUp.id == follow_up_id),
        SamplingFollowUp.county_code,
        actor,
    )
    if lock:
        stmt = stmt.with_for_update()
    return await one_or_404(session, stmt, Message("follow_up_not_found"))


async def _steps(session: AsyncSession, follow_up_id: uuid.UUID) -> list[SamplingFollowUpStep]:
    stmt = (
        select(SamplingFollowUpStep)
        .where(SamplingFollowUpStep.follow_up_id == follow_up_id)
        .order_by(col(SamplingFollowUpStep.at), col(SamplingFollowUpStep.id))
    )
    return list((await session.exec(stmt)).all())


async def present_followup(session: AsyncSession, follow_up: SamplingFollowUp) -> FollowUpDetail:
    enterprise = await session.get(Enterprise, follow_up.enterprise_id)
    steps = [FollowUpStepRead.model_validate(s) for s in await _steps(session, follow_up.id)]
    return FollowUpDetail(**follow_up.model_dump(), enterprise_name=enterprise.name if enterprise else "", steps=steps)


async def add_step(
    session: AsyncSession, actor: Actor, follow_up_id: uuid.UUID, data: FollowUpStepCreate, *, today: date
) -> SamplingFollowUp:
    follow_up = await get_followup(session, actor, follow_up_id, lock=True)
    done = tuple(StepDone(FollowUpStep(s.kind), s.done_on, s.qualified) for s in await _steps(session, follow_up.id))
    problems = follow_up_step_problems(today, follow_up.failed_on, done, data.kind, data.on, data.qualified)
    if problems:
        raise RuleViolation(problems)
    before = audit.snapshot(follow_up)
    session.add(
        SamplingFollowUpStep(
            follow_up_id=follow_up.id,
            kind=data.kind.value,
            done_on=data.on,
            qualified=data.qualified,
            note=data.note,
            actor_id=actor.user_id,
            actor_name=actor.name,
        )
    )
    setattr(follow_up, _DATE_OF_STEP[data.kind], data.on)
    if data.kind is FollowUpStep.resampled:
        follow_up.resample_qualified = data.qualified
    if data.kind is FollowUpStep.closed:
        follow_up.status = "closed"
    follow_up.version += 1
    follow_up.updated_at = utcnow()
    session.add(follow_up)
    await session.flush()
    old, new = audit.diff(before, audit.snapshot(follow_up))
    await audit.record(
        session,
        actor,
        f"sampling_follow_up.{data.kind.value}",
        "sampling_follow_up",
        follow_up.id,
        county_code=follow_up.county_code,
        before=old,
        after=new,
    )
    return follow_up


async def correct_origin(
    session: AsyncSession, actor: Actor, follow_up_id: uuid.UUID, data: FollowUpUpdate, if_match: str | None
) -> SamplingFollowUp:
    """Correct where a follow-up came from (e.g. one that the migration set to 本级组织), with the reason, audited."""
    follow_up = await get_followup(session, actor, follow_up_id, lock=True)
    check_if_match(if_match, follow_up.version)
    if follow_up.origin == data.origin.value:
        return follow_up
    before = audit.snapshot(follow_up, ["origin"])
    follow_up.origin = data.origin.value
    await audit.record_update(
        session, actor, follow_up, before, county_code=follow_up.county_code, also_changed={"reason": data.reason}
    )
    return follow_up
