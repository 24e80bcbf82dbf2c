"""When new risk arrives during the year (a failed sampling, a substantiated complaint, a licence about to
expire), the enterprise's line in the issued plan rises automatically, as an adjustment by the system."""

import uuid
from datetime import date

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import SYSTEM
from app.domain.ruleset import RuleSet, ruleset_for
from app.models import Plan, PlanAdjustment, PlanItem
from app.models.base import utcnow
from app.schemas.plan import PlanItemDetail
from app.services import events
from app.services.common import audit
from app.services.plans.items import get_item, line_path
from app.services.plans.risk_facts import EnterpriseRisk, gather_risk_facts
from app.services.plans.rules import due_dates_json, reasons_json, requirement_for


async def recompute_for_enterprise(session: AsyncSession, enterprise_id: uuid.UUID, *, today: date) -> None:
    """Raise the enterprise's line in this year's issued plan if the domain rule now asks for more visits.

    Called by the ledger services after a signal, licence, risk class or key-flag change. Never lowers a line:
    a lower minimum is the prefecture's call. Nothing happens without an issued plan for `today.year`, without
    a line for the enterprise, or for an enterprise no longer operating.
    """
    stmt = (
        select(PlanItem)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .where(Plan.year == today.year, Plan.status == "issued", PlanItem.enterprise_id == enterprise_id)
        .with_for_update(of=PlanItem)
    )
    item = (await session.exec(stmt)).first()
    if item is None:
        return
    ruleset = ruleset_for(today.year)
    risks = await gather_risk_facts(session, today=today, ruleset=ruleset, enterprise_ids=[enterprise_id])
    if risks:
        await _raise_if_required(session, item, risks[0], today, ruleset)


async def raise_lines_by_time(session: AsyncSession, *, today: date) -> int:
    """Daily job: the factors that change with time alone (a licence entering its renewal window, a look-back
    window) raise the lines of this year's issued plan that now need more visits; never lowers one. Idempotent:
    a line already at what the rule asks is left alone. Returns how many lines were raised."""
    stmt = (
        select(PlanItem)
        .join(Plan, Plan.id == PlanItem.plan_id)
        .where(Plan.year == today.year, Plan.status == "issued")
        .with_for_update(of=PlanItem)
    )
    items = {item.enterprise_id: item for item in (await session.exec(stmt)).all()}
    if not items:
        return 0
    ruleset = ruleset_for(today.year)
    raised = 0
    for risk in await gather_risk_facts(
        session, today=today, ruleset=ruleset
    ):  # the plan holds nearly the whole ledger
        if (item := items.get(risk.enterprise_id)) is not None:
            raised += await _raise_if_required(session, item, risk, today, ruleset)
    await audit.record(
        session, SYSTEM, "plan.raise_by_time", "plan", None, after={"day": today.isoformat(), "raised": raised}
    )
    return raised


async def _raise_if_required(
    session: AsyncSession, item: PlanItem, risk: EnterpriseRisk, today: date, ruleset: RuleSet
) -> int:
    """1 if the line's required visits rose, else 0 (reasons and rule bounds are refreshed whenever they grow)."""
    requirement = requirement_for(risk, today, ruleset)
    if requirement.minimum <= item.rule_minimum:
        return 0
    old_codes = {r["code"] for r in item.reasons}
    new_reasons = [r.label for r in requirement.reasons if r.code not in old_codes or r.code == "base_frequency"]
    if risk.risk_class.value == item.risk_class:
        new_reasons = [r.label for r in requirement.reasons if r.code not in old_codes]
    before = {"risk_class": item.risk_class, "rule_minimum": item.rule_minimum, "required_visits": item.required_visits}
    item.risk_class = risk.risk_class.value
    item.rule_minimum = requirement.minimum
    item.rule_maximum = requirement.maximum
    item.reasons = reasons_json(requirement.reasons)
    raised = item.required_visits < requirement.minimum
    if raised:
        item.required_visits = requirement.minimum
        item.due_dates = list(due_dates_json(today.year, requirement.minimum))
    item.version += 1
    item.updated_at = utcnow()
    session.add(item)
    if raised:
        session.add(
            PlanAdjustment(
                plan_id=item.plan_id,
                plan_item_id=item.id,
                county_code=item.county_code,
                kind="system_raise",
                before=before["required_visits"],
                after=item.required_visits,
                reason="新增风险，自动提高检查频次："
                + "；".join(new_reasons or [r.label for r in requirement.reasons]),
                actor_kind=SYSTEM.kind,
                actor_id=None,
                actor_name=SYSTEM.name,
            )
        )
    await session.flush()
    await audit.record(
        session,
        SYSTEM,
        "plan_item.recompute",
        "plan_item",
        item.id,
        county_code=item.county_code,
        before=before,
        after={
            "risk_class": item.risk_class,
            "rule_minimum": item.rule_minimum,
            "required_visits": item.required_visits,
        },
    )
    if raised:
        detail = PlanItemDetail.model_validate(await get_item(session, SYSTEM, item.plan_id, item.id, today=today))
        await events.emit(session, "plan_line.raised", line_path(item), detail, item.county_code)
    return int(raised)
