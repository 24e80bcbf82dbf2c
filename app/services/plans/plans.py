"""The year's plan: generate a draft from the ledger, refresh it, issue it (下达), read it."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import SYSTEM, Actor
from app.core.errors import Conflict
from app.domain.errors import Message
from app.domain.ruleset import RuleSet, ruleset_for
from app.models import Plan, PlanItem
from app.models.base import utcnow
from app.schemas.plan import PlanRead
from app.services import events
from app.services.common import audit
from app.services.common.access import in_prefecture_scope, in_scope, one_or_404, own_prefecture, subtree
from app.services.plans.bulk import delete_lines, insert_generated_lines, insert_lines, update_lines
from app.services.plans.risk_facts import EnterpriseRisk, fact_rows, gather_risk_facts
from app.services.plans.rules import lines_for, reasons_json

_RULE_FIELDS = ("county_code", "risk_class", "rule_minimum", "rule_maximum", "reasons", "required_visits")


def plan_as_of(year: int, today: date) -> date:
    """Risk factors are evaluated on the day of generation, or on Dec 31 for a past year's plan."""
    return min(today, date(year, 12, 31))


def visible_plans(stmt: Any, actor: Actor) -> Any:
    """The plans of the prefectures in the caller's subtree; a county sees only its prefecture's issued plan
    (drafts are the prefecture's work in progress)."""
    stmt = in_prefecture_scope(stmt, Plan.prefecture_code, actor)
    return stmt if actor.county_code is None else stmt.where(Plan.status == "issued")


async def get_plan(session: AsyncSession, actor: Actor, plan_id: uuid.UUID, *, for_update: bool = False) -> Plan:
    stmt = visible_plans(select(Plan).where(Plan.id == plan_id), actor)
    if for_update:
        stmt = stmt.with_for_update()
    return await one_or_404(session, stmt, Message("plan_not_found"))


async def _totals(session: AsyncSession, actor: Actor, plan_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int]]:
    stmt = select(PlanItem.plan_id, func.count(), func.coalesce(func.sum(PlanItem.required_visits), 0)).where(
        col(PlanItem.plan_id).in_(plan_ids)
    )
    stmt = in_scope(stmt, PlanItem.county_code, actor).group_by(PlanItem.plan_id)
    return {plan_id: (lines, visits) for plan_id, lines, visits in (await session.exec(stmt)).all()}


def _view(plan: Plan, totals: dict[uuid.UUID, tuple[int, int]]) -> dict[str, Any]:
    lines, visits = totals.get(plan.id, (0, 0))
    return plan.model_dump() | {"lines": lines, "required_visits": int(visits)}


async def plan_view(session: AsyncSession, actor: Actor, plan: Plan) -> dict[str, Any]:
    return _view(plan, await _totals(session, actor, [plan.id]))


async def list_plans(session: AsyncSession, actor: Actor) -> list[dict[str, Any]]:
    plans = (await session.exec(visible_plans(select(Plan), actor).order_by(col(Plan.year).desc()))).all()
    totals = await _totals(session, actor, [p.id for p in plans])
    return [_view(p, totals) for p in plans]


async def _risks(session: AsyncSession, prefecture: str, as_of: date, ruleset: RuleSet) -> list[EnterpriseRisk]:
    return await gather_risk_facts(session, today=as_of, ruleset=ruleset, counties=subtree(prefecture))


async def _rule_lines(session: AsyncSession, prefecture: str, year: int, as_of: date) -> list[dict[str, Any]]:
    ruleset = ruleset_for(year)
    return lines_for(await _risks(session, prefecture, as_of, ruleset), year, as_of, ruleset)


async def create_plan(session: AsyncSession, actor: Actor, year: int, *, today: date) -> Plan:
    """A draft with one line per operating enterprise of the caller's prefecture; one plan per prefecture and year."""
    prefecture = await own_prefecture(session, actor)
    if (await session.exec(select(Plan.id).where(Plan.prefecture_code == prefecture, Plan.year == year))).first():
        raise Conflict(Message("plan_exists", year=year))
    as_of, ruleset = plan_as_of(year, today), ruleset_for(year)
    plan = Plan(prefecture_code=prefecture, year=year, as_of=as_of, ruleset_year=ruleset.year, created_by_id=actor.id)
    session.add(plan)
    await session.flush()
    rows = await fact_rows(session, today=as_of, ruleset=ruleset, counties=subtree(prefecture))
    await insert_generated_lines(session, plan.id, rows, utcnow(), year=year, as_of=as_of, ruleset=ruleset)
    await audit.record(
        session, actor, "plan.create", "plan", plan.id, after={"year": year, "as_of": as_of, "lines": len(rows)}
    )
    return plan


async def refresh_plan(session: AsyncSession, actor: Actor, plan_id: uuid.UUID, *, today: date) -> Plan:
    """Recompute a draft from the ledger as it is now: new enterprises in, closed ones out, lines rewritten."""
    plan = await get_plan(session, actor, plan_id, for_update=True)
    if plan.status != "draft":
        raise Conflict(Message("issued_plan_not_refreshed"))
    plan.as_of = plan_as_of(plan.year, today)
    fresh = {
        line["enterprise_id"]: line for line in await _rule_lines(session, plan.prefecture_code, plan.year, plan.as_of)
    }
    existing = (
        await session.exec(
            select(PlanItem.id, PlanItem.enterprise_id, *_rule_columns()).where(PlanItem.plan_id == plan.id)
        )
    ).all()
    changed, removed = [], []
    for item_id, enterprise_id, *values in existing:
        line = fresh.pop(enterprise_id, None)
        if line is None:
            removed.append(item_id)
        elif _rule_part(line) != dict(zip(_RULE_FIELDS, values, strict=True)):
            changed.append(line | {"id": item_id})
    now = utcnow()
    await delete_lines(session, removed)
    await update_lines(session, changed, now)
    await insert_lines(session, plan.id, list(fresh.values()), now)
    plan.refreshed_at = now
    session.add(plan)
    await session.flush()
    counts = {"added": len(fresh), "changed": len(changed), "removed": len(removed), "as_of": plan.as_of}
    await audit.record(session, actor, "plan.refresh", "plan", plan.id, after=counts)
    return plan


def _rule_columns() -> list[Any]:
    return [getattr(PlanItem, name) for name in _RULE_FIELDS]


def _rule_part(line: dict[str, Any]) -> dict[str, Any]:
    return {name: line[name] for name in _RULE_FIELDS} | {"reasons": reasons_json(line["reasons"])}


async def issue_plan(session: AsyncSession, actor: Actor, plan_id: uuid.UUID) -> Plan:
    """下达: freeze the lines; from now on `issued_visits` stays and `required_visits` moves only by adjustment.
    One issued plan per prefecture and year."""
    plan = await get_plan(session, actor, plan_id, for_update=True)
    if plan.status != "draft":
        raise Conflict(Message("plan_is_already_issued", year=plan.year))
    same_year = select(Plan.id).where(Plan.prefecture_code == plan.prefecture_code, Plan.year == plan.year)
    issued = (await session.exec(same_year.where(Plan.status == "issued"))).first()
    if issued:
        raise Conflict(Message("plan_of_year_already_issued", year=plan.year))
    plan.status = "issued"
    plan.issued_at = utcnow()
    plan.issued_by_id = actor.id
    session.add(plan)
    await session.flush()
    await audit.record(
        session, actor, "plan.issue", "plan", plan.id, before={"status": "draft"}, after={"status": "issued"}
    )
    await events.emit(
        session,
        "plan.issued",
        f"/api/v1/plans/{plan.id}",
        PlanRead.model_validate(await plan_view(session, SYSTEM, plan)),
        plan.prefecture_code,  # the prefecture's own event: its callers and the region's see it
    )
    return plan
