"""When new risk arrives during the year (a failed sampling, a substantiated complaint, a licence about to
expire), the enterprise's line in the issued plan rises automatically, as an adjustment by the system."""

import uuid
from datetime import date

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import SYSTEM
from app.domain.ruleset import ruleset_for
from app.models import Plan, PlanAdjustment, PlanItem
from app.models.base import utcnow
from app.services.common import audit
from app.services.plans.risk_facts import gather_risk_facts
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
    if not risks:
        return
    requirement = requirement_for(risks[0], today, ruleset)
    if requirement.minimum <= item.rule_minimum:
        return
    old_codes = {r["code"] for r in item.reasons}
    new_reasons = [r.label for r in requirement.reasons if r.code not in old_codes or r.code == "base_frequency"]
    if risks[0].risk_class.value == item.risk_class:
        new_reasons = [r.label for r in requirement.reasons if r.code not in old_codes]
    before = {"risk_class": item.risk_class, "rule_minimum": item.rule_minimum, "required_visits": item.required_visits}
    item.risk_class = risks[0].risk_class.value
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
