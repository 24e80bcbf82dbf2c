"""Plan lines: the work list (with visits done and who is behind), county adjustments and added enterprises."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import false, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Conflict
from app.core.paging import PageQuery, Window
from app.domain.errors import Message, Problem, RuleViolation
from app.domain.permissions import Permission
from app.domain.ruleset import ruleset_for
from app.domain.schedule import behind_schedule, next_due
from app.domain.statuses import EnterpriseStatus
from app.models import Enterprise, Plan, PlanAdjustment, PlanItem
from app.models.base import utcnow
from app.schemas.plan import PlanItemCreate, PlanItemDetail, PlanItemFilter, PlanItemUpdate
from app.services import events
from app.services.common import audit
from app.services.common.access import in_scope, one_or_404, scope_enterprises
from app.services.common.paging import paginate
from app.services.plans.plans import get_plan, plan_as_of
from app.services.plans.risk_facts import gather_risk_facts
from app.services.plans.rules import (
    counted_visits,
    done_of,
    due_by,
    due_dates_json,
    line_values,
    reasons_json,
    room_to_aggregate,
)


def _item_query(plan: Plan, actor: Actor, today: date, county_code: str | None) -> tuple[Any, Any, Any]:
    counted = counted_visits(plan.year, county_code)
    done = done_of(counted)
    stmt = (
        select(PlanItem, Enterprise.name, Enterprise.credit_code, done.label("done"))
        .join(Enterprise, col(Enterprise.id) == PlanItem.enterprise_id)
        .outerjoin(counted, counted.c.enterprise_id == PlanItem.enterprise_id)
        .where(PlanItem.plan_id == plan.id)
    )
    return scope_enterprises(stmt, actor), done, due_by(PlanItem.required_visits, today=today, year=plan.year)


def item_view(plan: Plan, row: Any, today: date) -> dict[str, Any]:
    item, name, credit_code, done = row
    return item.model_dump() | {
        "issued_visits": item.issued_visits if plan.status == "issued" else None,
        "enterprise_name": name,
        "credit_code": credit_code,
        "done_visits": done,
        "adjusted": plan.status == "issued" and item.issued_visits != item.required_visits,
        "behind_schedule": behind_schedule(today, plan.year, done, item.required_visits),
        "next_due": next_due(today, plan.year, done, item.required_visits),
    }


async def list_items(
    session: AsyncSession,
    actor: Actor,
    plan_id: uuid.UUID,
    *,
    today: date,
    f: PlanItemFilter,
    page: PageQuery,
) -> Window[dict[str, Any]]:
    plan = await get_plan(session, actor, plan_id)
    stmt, done, due = _item_query(plan, actor, today, f.county_code)
    if f.county_code:
        stmt = stmt.where(PlanItem.county_code == f.county_code)
    if f.risk_class:
        stmt = stmt.where(PlanItem.risk_class == f.risk_class.value)
    if f.adjusted is not None:
        differs = or_(col(PlanItem.issued_visits).is_(None), PlanItem.issued_visits != PlanItem.required_visits)
        stmt = stmt.where(false() if plan.status != "issued" else differs if f.adjusted else ~differs)
    if f.behind_schedule is not None:
        stmt = stmt.where(done < due if f.behind_schedule else done >= due)
    stmt = stmt.order_by(PlanItem.county_code, Enterprise.credit_code)
    await room_to_aggregate(session)
    return (await paginate(session, stmt, page)).map(lambda row: item_view(plan, row, today))


async def get_item(
    session: AsyncSession, actor: Actor, plan_id: uuid.UUID, item_id: uuid.UUID, *, today: date
) -> dict[str, Any]:
    plan = await get_plan(session, actor, plan_id)
    stmt, _, _ = _item_query(plan, actor, today, None)
    row = await one_or_404(session, stmt.where(PlanItem.id == item_id), Message("plan_line_not_found"))
    adjustments = (
        await session.exec(
            select(PlanAdjustment).where(PlanAdjustment.plan_item_id == item_id).order_by(PlanAdjustment.at)
        )
    ).all()
    return item_view(plan, row, today) | {"adjustments": list(adjustments)}


async def _issued_plan(session: AsyncSession, actor: Actor, plan_id: uuid.UUID) -> Plan:
    plan = await get_plan(session, actor, plan_id)
    if plan.status != "issued":
        raise Conflict(Message("plan_not_issued_refresh_draft"))
    return plan


def check_floor(actor: Actor, item: PlanItem, required: int) -> None:
    """A county may not go below the rule's minimum, nor below what the prefecture issued; the prefecture may."""
    if actor.may(Permission.PLANS_MANAGE):
        return
    if required < item.rule_minimum:
        rule = "；".join(r["label"] for r in item.reasons)
        raise RuleViolation(
            [
                Problem(
                    ("required_visits",),
                    "below_rule_minimum",
                    rule_minimum=item.rule_minimum,
                    rule=rule,
                )
            ]
        )
    if item.issued_visits is not None and required < item.issued_visits:
        raise RuleViolation(
            [
                Problem(
                    ("required_visits",),
                    "below_issued_visits",
                    issued_visits=item.issued_visits,
                )
            ]
        )


def _adjustment(actor: Actor, item: PlanItem, kind: str, before: int | None, reason: str) -> PlanAdjustment:
    return PlanAdjustment(
        plan_id=item.plan_id,
        plan_item_id=item.id,
        county_code=item.county_code,
        kind=kind,
        before=before,
        after=item.required_visits,
        reason=reason,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
    )


async def adjust_item(
    session: AsyncSession, actor: Actor, plan_id: uuid.UUID, item_id: uuid.UUID, data: PlanItemUpdate, *, today: date
) -> dict[str, Any]:
    """Raise (or, for the prefecture, lower) a line's required visits, keeping who, when, why and the value before."""
    plan = await _issued_plan(session, actor, plan_id)
    stmt = select(PlanItem).where(PlanItem.id == item_id, PlanItem.plan_id == plan.id).with_for_update()
    item = await one_or_404(session, in_scope(stmt, PlanItem.county_code, actor), Message("plan_line_not_found"))
    before = item.required_visits
    if data.required_visits == before:
        raise RuleViolation([Problem(("required_visits",), "no_change", before=before)])
    check_floor(actor, item, data.required_visits)
    item.required_visits = data.required_visits
    item.due_dates = list(due_dates_json(plan.year, data.required_visits))
    item.version += 1
    item.updated_at = utcnow()
    session.add(item)
    session.add(_adjustment(actor, item, "raise" if data.required_visits > before else "lower", before, data.reason))
    await session.flush()
    await audit.record(
        session,
        actor,
        "plan_item.adjust",
        "plan_item",
        item.id,
        county_code=item.county_code,
        before={"required_visits": before},
        after={"required_visits": item.required_visits, "reason": data.reason},
    )
    detail = await get_item(session, actor, plan.id, item.id, today=today)
    await events.emit(
        session, "plan_line.adjusted", line_path(item), PlanItemDetail.model_validate(detail), item.county_code
    )
    return detail


def line_path(item: PlanItem) -> str:
    return f"/api/v1/plans/{item.plan_id}/items/{item.id}"


async def add_item(
    session: AsyncSession, actor: Actor, plan_id: uuid.UUID, data: PlanItemCreate, *, today: date
) -> dict[str, Any]:
    """Add an enterprise the issued plan missed (a new manufacturer, say), at least at the rule's minimum."""
    plan = await _issued_plan(session, actor, plan_id)
    stmt = in_scope(select(Enterprise).where(Enterprise.id == data.enterprise_id), Enterprise.county_code, actor)
    enterprise = await one_or_404(session, stmt, Message("enterprise_not_found"))
    taken = select(PlanItem.id).where(PlanItem.plan_id == plan.id, PlanItem.enterprise_id == enterprise.id)
    if (await session.exec(taken)).first():
        raise Conflict(Message("enterprise_is_already_in_plan"))
    if enterprise.status != EnterpriseStatus.operating.value:
        raise RuleViolation([Problem(("enterprise_id",), "only_operating_enterprise")])
    ruleset = ruleset_for(plan.year)
    as_of = plan_as_of(plan.year, today)
    [risk] = await gather_risk_facts(session, today=as_of, ruleset=ruleset, enterprise_ids=[enterprise.id])
    values = line_values(risk, plan.year, as_of, ruleset)
    required = values["rule_minimum"] if data.required_visits is None else data.required_visits
    item = PlanItem(
        plan_id=plan.id,
        enterprise_id=enterprise.id,
        county_code=enterprise.county_code,
        risk_class=values["risk_class"],
        rule_minimum=values["rule_minimum"],
        rule_maximum=values["rule_maximum"],
        reasons=reasons_json(values["reasons"]),
        required_visits=required,
        issued_visits=None,
        due_dates=list(due_dates_json(plan.year, required)),
        source="added",
    )
    check_floor(actor, item, required)
    session.add(item)
    await session.flush()
    session.add(_adjustment(actor, item, "add", None, data.reason))
    await session.flush()
    await audit.record(
        session,
        actor,
        "plan_item.add",
        "plan_item",
        item.id,
        county_code=item.county_code,
        after={"enterprise_id": enterprise.id, "required_visits": required, "reason": data.reason},
    )
    return await get_item(session, actor, plan.id, item.id, today=today)
