"""Next year's risk class, suggested from a plan year's results (计划 一 风险管理、分类监管; 七（四）抽查不合格企业
列为后续监管重点) per enterprise and per plan, and the prefecture's decisions applied to the ledger, from which
next year's plan is then generated (POST /plans) or refreshed.

Decisions: a suggestion is computed, never stored — the ledger's class is the decision, and each decision is an
audit event on the enterprise ("enterprise.classify", with the suggestion, the reasons and any override's reason).
Decisions are taken once the plan year is over (its results are final) and before next year's plan is issued.
The plan year's own lines keep their class: nothing is recomputed for the year that is over.
"""

import uuid
from dataclasses import replace
from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Conflict
from app.core.paging import PageQuery, Window
from app.domain.classification import suggest_next_class
from app.domain.errors import Message, Problem, RuleViolation
from app.domain.risk import RiskClass
from app.domain.ruleset import ruleset_for
from app.models import Enterprise, Plan, PlanItem
from app.models.base import utcnow
from app.schemas.class_suggestion import ClassSuggestionAccept
from app.services.common import audit
from app.services.common.access import one_or_404, scope_enterprises
from app.services.common.paging import paginate
from app.services.plans.plans import get_plan, plan_as_of
from app.services.plans.risk_facts import gather_risk_facts
from app.services.plans.rules import reasons_json, requirement_for
from app.services.plans.year_results import gather_year_results

Row = tuple[Enterprise, PlanItem | None]


async def _rule_minimums(session: AsyncSession, ids: list[uuid.UUID], year: int, as_of: date) -> dict[uuid.UUID, int]:
    """Visits the rule asked of enterprises that have no plan line for the year."""
    if not ids:
        return {}
    ruleset = ruleset_for(year)
    risks = await gather_risk_facts(session, today=as_of, ruleset=ruleset, enterprise_ids=ids, operating_only=False)
    return {risk.enterprise_id: requirement_for(risk, as_of, ruleset).minimum for risk in risks}


async def _views(session: AsyncSession, rows: list[Row], *, year: int, as_of: date) -> list[dict[str, Any]]:
    results = await gather_year_results(session, [e.id for e, _ in rows], year=year, as_of=as_of)
    minimums = await _rule_minimums(session, [e.id for e, line in rows if line is None], year, as_of)
    views = []
    for enterprise, line in rows:
        result = results[enterprise.id]
        current = RiskClass(line.risk_class if line else enterprise.risk_class)
        required = line.required_visits if line else minimums[enterprise.id]
        suggested, reasons = suggest_next_class(
            current,
            case_filed=result.case_filed,
            failed_sampling=result.failed_sampling,
            max_escalation_level=result.max_escalation_level,
            required_visits_done=result.visits_done >= required,
            open_findings=result.open_findings,
        )
        ledger = RiskClass(enterprise.risk_class)
        views.append(
            {
                "enterprise_id": enterprise.id,
                "enterprise_name": enterprise.name,
                "credit_code": enterprise.credit_code,
                "county_code": enterprise.county_code,
                "year": year,
                "for_year": year + 1,
                "as_of": as_of,
                "current_class": current,
                "current_class_label": current.label,
                "suggested_class": suggested,
                "suggested_class_label": suggested.label,
                "changes_class": suggested != current,
                "reasons": reasons_json(tuple(reasons)),
                "ledger_class": ledger,
                "case_filed": result.case_filed,
                "failed_sampling": result.failed_sampling,
                "max_escalation_level": result.max_escalation_level,
                "visits_done": result.visits_done,
                "required_visits": required,
                "open_findings": result.open_findings,
            }
        )
    return views


async def suggest_class(
    session: AsyncSession, actor: Actor, enterprise_id: uuid.UUID, *, year: int, today: date
) -> dict[str, Any]:
    """The class suggested for `year + 1` from `year`'s results so far; the class of the year is its line's in
    the issued plan, else the ledger's."""
    if year > today.year:
        raise RuleViolation([Problem(("query", "year"), "year_not_begun", year=year)])
    enterprise = await one_or_404(
        session,
        scope_enterprises(select(Enterprise).where(Enterprise.id == enterprise_id), actor),
        Message("enterprise_not_found"),
    )
    line_stmt = (
        select(PlanItem)
        .join(Plan, col(Plan.id) == PlanItem.plan_id)
        .where(Plan.year == year, Plan.status == "issued", PlanItem.enterprise_id == enterprise.id)
    )
    line = (await session.exec(line_stmt)).first()
    [view] = await _views(session, [(enterprise, line)], year=year, as_of=plan_as_of(year, today))
    return view


async def list_suggestions(
    session: AsyncSession,
    actor: Actor,
    plan_id: uuid.UUID,
    *,
    today: date,
    county_code: str | None,
    page: PageQuery,
) -> Window[dict[str, Any]]:
    """One suggestion per line of the plan in the caller's jurisdiction, by county and enterprise name."""
    plan = await get_plan(session, actor, plan_id)
    stmt = scope_enterprises(
        select(Enterprise, PlanItem)
        .join(PlanItem, col(PlanItem.enterprise_id) == Enterprise.id)
        .where(PlanItem.plan_id == plan.id),
        actor,
    )
    if county_code:
        stmt = stmt.where(PlanItem.county_code == county_code)
    stmt = stmt.order_by(col(PlanItem.county_code), col(Enterprise.name), col(Enterprise.id))
    window = await paginate(session, stmt, page)
    views = await _views(session, list(window.items), year=plan.year, as_of=plan_as_of(plan.year, today))
    return replace(window, items=views)


async def _next_plan(session: AsyncSession, plan: Plan, today: date) -> Plan | None:
    if today <= date(plan.year, 12, 31):
        raise Conflict(Message("year_results_not_final", year=plan.year, next_year=plan.year + 1))
    following_year = select(Plan).where(Plan.prefecture_code == plan.prefecture_code, Plan.year == plan.year + 1)
    following = (await session.exec(following_year)).first()
    if following is not None and following.status == "issued":
        raise Conflict(Message("next_plan_already_issued", next_year=plan.year + 1))
    return following


def _problems(data: ClassSuggestionAccept, found: dict[uuid.UUID, dict[str, Any]], year: int) -> list[Problem]:
    problems, seen = [], {}
    for n, item in enumerate(data.items):
        first = seen.setdefault(item.enterprise_id, n)
        if first != n:
            problems.append(Problem(("items", n, "enterprise_id"), "duplicate_of_item", first=first))
        elif item.enterprise_id not in found:
            msg = Message("not_a_plan_line", year=year)
            problems.append(Problem(("items", n, "enterprise_id"), msg))
        elif item.risk_class not in (None, found[item.enterprise_id]["suggested_class"]) and not item.reason:
            suggested = found[item.enterprise_id]["suggested_class"]
            problems.append(
                Problem(
                    ("items", n, "reason"),
                    "class_override_needs_reason",
                    suggested=suggested,
                )
            )
    return problems


async def accept_suggestions(
    session: AsyncSession, actor: Actor, plan_id: uuid.UUID, data: ClassSuggestionAccept, *, today: date
) -> dict[str, Any]:
    """Apply the classes for next year to the ledger, all or nothing: each item takes the suggestion or, with a
    reason, another class; each enterprise's decision is audited."""
    plan = await get_plan(session, actor, plan_id)
    following = await _next_plan(session, plan, today)
    ids = [item.enterprise_id for item in data.items]
    stmt = scope_enterprises(
        select(Enterprise, PlanItem)
        .join(PlanItem, col(PlanItem.enterprise_id) == Enterprise.id)
        .where(PlanItem.plan_id == plan.id, col(Enterprise.id).in_(ids)),
        actor,
    ).with_for_update(of=Enterprise)
    rows = {enterprise.id: (enterprise, line) for enterprise, line in (await session.exec(stmt)).all()}
    views = await _views(session, list(rows.values()), year=plan.year, as_of=plan_as_of(plan.year, today))
    found = {view["enterprise_id"]: view for view in views}
    problems = _problems(data, found, plan.year)
    if problems:
        raise RuleViolation(problems)

    decisions = []
    for item in data.items:
        enterprise, view = rows[item.enterprise_id][0], found[item.enterprise_id]
        previous, suggested = RiskClass(enterprise.risk_class), view["suggested_class"]
        chosen = item.risk_class or suggested
        if chosen != previous:
            enterprise.risk_class = chosen.value
            enterprise.version += 1
            enterprise.updated_at = utcnow()
            session.add(enterprise)
        decision = {
            "enterprise_id": enterprise.id,
            "previous_class": previous,
            "suggested_class": suggested,
            "risk_class": chosen,
            "overridden": chosen != suggested,
            "reason": item.reason,
        }
        await audit.record(
            session, actor, "enterprise.classify", "enterprise", enterprise.id,
            county_code=enterprise.county_code,
            before={"risk_class": previous},
            after=decision | {"reasons": view["reasons"], "plan_year": plan.year, "for_year": plan.year + 1},
        )  # fmt: skip
        decisions.append(decision)
    await session.flush()
    return {
        "plan_id": plan.id,
        "year": plan.year,
        "for_year": plan.year + 1,
        "accepted": len(decisions),
        "changed": sum(d["previous_class"] != d["risk_class"] for d in decisions),
        "next_plan_id": following.id if following else None,
        "items": decisions,
    }
