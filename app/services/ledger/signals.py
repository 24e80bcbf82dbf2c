"""Risk signals of an enterprise: complaints, risk-monitoring alerts, sampling results, unlicensed production."""

import uuid
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.domain.errors import Problem, RuleViolation
from app.domain.statuses import SignalKind
from app.models import RiskSignal
from app.schemas.signal import SignalCreate
from app.services.common import audit
from app.services.findings import open_followup_for_signal, origin_problems
from app.services.ledger.enterprises import get_enterprise
from app.services.plans import recompute_for_enterprise


def _signal_problems(data: SignalCreate, today: date) -> list[Problem]:
    problems = []
    if data.occurred_on > today:
        problems.append(Problem(("occurred_on",), "must_not_be_in_future"))
    if data.kind is SignalKind.sampling:
        if data.qualified is None:
            problems.append(Problem(("qualified",), "sampling_needs_result"))
        if not data.product:
            problems.append(Problem(("product",), "sampling_needs_product"))
    else:
        for name in ("qualified", "batch", "report_no"):
            if getattr(data, name) is not None:
                problems.append(Problem((name,), "only_for_sampling_results"))
    if data.kind is not SignalKind.complaint and data.substantiated is not None:
        problems.append(Problem(("substantiated",), "only_for_complaints"))
    if data.kind is not SignalKind.sampling or data.qualified is not None:
        problems += origin_problems(data.kind.value, data.qualified, data.sampling_origin)
    return problems


async def list_signals(
    session: AsyncSession, actor: Actor, enterprise_id: uuid.UUID, *, is_open: bool | None
) -> list[RiskSignal]:
    enterprise = await get_enterprise(session, actor, enterprise_id)
    stmt = select(RiskSignal).where(RiskSignal.enterprise_id == enterprise.id)
    if is_open is not None:
        stmt = stmt.where(RiskSignal.is_open == is_open)
    stmt = stmt.order_by(col(RiskSignal.occurred_on).desc(), col(RiskSignal.created_at).desc())
    return list((await session.exec(stmt)).all())


async def create_signal(
    session: AsyncSession, actor: Actor, enterprise_id: uuid.UUID, data: SignalCreate, *, today: date
) -> RiskSignal:
    enterprise = await get_enterprise(session, actor, enterprise_id)
    problems = _signal_problems(data, today)
    if problems:
        raise RuleViolation(problems)
    signal = RiskSignal(
        **data.model_dump(exclude={"kind", "sampling_origin"}),
        kind=data.kind.value,
        enterprise_id=enterprise.id,
        created_by_id=actor.user_id,
    )
    await audit.record_create(session, actor, signal, county_code=enterprise.county_code)
    await recompute_for_enterprise(session, enterprise.id, today=today)

    await open_followup_for_signal(session, actor, signal, enterprise.county_code, origin=data.sampling_origin)
    return signal
