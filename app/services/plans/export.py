"""Export the plan as 附件1 (xlsx): gather the lines, licences and adjustments in three queries, then write."""

import uuid
from collections import defaultdict
from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.domain.risk import RISK_ORDER, RiskClass
from app.domain.statuses import AdjustmentKind, LicenceStatus
from app.models import Enterprise, Jurisdiction, Licence, PlanAdjustment, PlanItem
from app.services.common.access import in_scope
from app.services.plans.plans import get_plan
from app.xlsx.plan_export import CountySheet, plan_workbook, title


def _due_text(due_dates: list[str]) -> str:
    return "、".join(f"{date.fromisoformat(d).month}月{date.fromisoformat(d).day}日前" for d in due_dates)


async def export_plan(
    session: AsyncSession, actor: Actor, plan_id: uuid.UUID, *, county_code: str | None
) -> tuple[str, bytes]:
    """(file name, xlsx bytes) of the plan in the caller's jurisdiction, optionally one county only."""
    plan = await get_plan(session, actor, plan_id)

    def scoped(stmt):  # noqa: ANN001, ANN202
        stmt = in_scope(stmt.where(PlanItem.plan_id == plan.id), PlanItem.county_code, actor)
        return stmt.where(PlanItem.county_code == county_code) if county_code else stmt

    lines = (
        await session.exec(
            scoped(
                select(PlanItem, Enterprise, Jurisdiction.name)
                .join(Enterprise, col(Enterprise.id) == PlanItem.enterprise_id)
                .join(Jurisdiction, col(Jurisdiction.code) == PlanItem.county_code)
            ).order_by(PlanItem.county_code, Enterprise.credit_code)
        )
    ).all()
    licences: dict[uuid.UUID, list[str]] = defaultdict(list)
    licence_rows = await session.exec(
        scoped(
            select(Licence.enterprise_id, Licence.licence_no)
            .join(PlanItem, col(PlanItem.enterprise_id) == Licence.enterprise_id)
            .where(Licence.status == LicenceStatus.valid.value)
        ).order_by(Licence.licence_no)
    )
    for enterprise_id, licence_no in licence_rows.all():
        licences[enterprise_id].append(licence_no)
    adjustments: dict[uuid.UUID, list[str]] = defaultdict(list)
    adjustment_rows = await session.exec(
        scoped(select(PlanAdjustment).join(PlanItem, col(PlanItem.id) == PlanAdjustment.plan_item_id)).order_by(
            PlanAdjustment.at
        )
    )
    for adj in adjustment_rows.all():
        label = AdjustmentKind.label_of(adj.kind)
        adjustments[adj.plan_item_id].append(
            f"{label}（{adj.before or 0}→{adj.after}次，{adj.actor_name}）：{adj.reason}"
        )

    by_county: dict[str, list[list[object]]] = defaultdict(list)
    summary: dict[str, list[int]] = defaultdict(lambda: [0] * 8)
    for item, enterprise, county_name in lines:
        reasons = "；".join(r["label"] for r in item.reasons)
        changes = "；".join(adjustments.get(item.id, []))
        note = "县（市）局补充" if item.source == "added" else ""
        if item.issued_visits is not None and item.issued_visits != item.required_visits:
            note = f"下达{item.issued_visits}次，已调整"
        by_county[county_name].append(
            [
                enterprise.name,
                enterprise.credit_code,
                enterprise.address or "",
                enterprise.main_products or "",
                "、".join(licences.get(enterprise.id, [])),
                RiskClass(item.risk_class).label,
                item.required_visits,
                reasons + (f"。调整：{changes}" if changes else ""),
                _due_text(item.due_dates),
                note,
            ]
        )
        counts = summary[county_name]
        counts[0] += 1
        counts[1 + RISK_ORDER.index(RiskClass(item.risk_class))] += 1
        counts[5] += item.required_visits
        counts[6] += bool(changes) and item.source != "added"
        counts[7] += item.source == "added"
    workbook = plan_workbook(
        plan.year,
        [[name, *counts] for name, counts in summary.items()],
        [CountySheet(name, rows) for name, rows in by_county.items()],
    )
    return f"附件1_{title(plan.year)}.xlsx", workbook
