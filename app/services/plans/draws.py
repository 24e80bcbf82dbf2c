"""Double-random draws (双随机): random enterprises of the plan, random inspectors, stored so anyone can re-run."""

import secrets
import uuid
from collections import defaultdict
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Conflict, Forbidden, NotFound
from app.domain.draw import Assignment as DrawnAssignment
from app.domain.draw import DrawEnterprise, DrawInspector, DrawRequest, DrawResult, draw, inputs_hash, verify_draw
from app.domain.errors import Problem, RuleViolation
from app.domain.permissions import Permission, Role
from app.domain.risk import RiskClass
from app.models import Assignment, AssignmentInspector, Draw, PlanItem, User
from app.schemas.draw import MAX_SEED, DrawCreate
from app.services.common import audit
from app.services.common.access import one_or_404
from app.services.common.jurisdictions import county_exists
from app.services.common.paging import in_jurisdiction
from app.services.plans.plans import get_plan


def inputs_json(request: DrawRequest) -> dict[str, Any]:
    ratios = request.ratio_by_class
    return {
        "enterprises": [[e.id, e.county_code, e.risk_class.value] for e in request.enterprises],
        "inspectors": [[i.id, i.county_code] for i in request.inspectors],
        "count": request.count,
        "ratio_by_class": None if ratios is None else {str(k): v for k, v in ratios.items()},
        "cross_inspection": request.cross_inspection,
        "conflicts": sorted([inspector, enterprise] for inspector, enterprise in request.conflicts),
    }


def request_from(seed: int, inputs: dict[str, Any]) -> DrawRequest:
    ratios = inputs["ratio_by_class"]
    return DrawRequest(
        seed=seed,
        enterprises=tuple(DrawEnterprise(e, c, RiskClass(r)) for e, c, r in inputs["enterprises"]),
        inspectors=tuple(DrawInspector(i, c) for i, c in inputs["inspectors"]),
        count=inputs["count"],
        ratio_by_class=None if ratios is None else {RiskClass(k): v for k, v in ratios.items()},
        cross_inspection=inputs["cross_inspection"],
        conflicts=frozenset((i, e) for i, e in inputs["conflicts"]),
    )


def result_from(draw_row: Draw) -> DrawResult:
    assignments = tuple(DrawnAssignment(a["enterprise_id"], tuple(a["inspector_ids"])) for a in draw_row.result)
    return DrawResult(seed=draw_row.seed, inputs_hash=draw_row.inputs_hash, assignments=assignments)


async def _county_for(session: AsyncSession, actor: Actor, data: DrawCreate) -> str | None:
    county = data.county_code or actor.county_code
    if actor.is_county_bound and county != actor.county_code:
        raise NotFound("县（市）不存在或不在您的管辖范围 (county not found in your jurisdiction)")
    if (county is None or data.cross_inspection) and not actor.may(Permission.PLANS_MANAGE):
        raise Forbidden(
            "交叉互查和全地区抽取由地区局组织 (cross-inspection and prefecture-wide draws are the prefecture's)"
        )
    if county is None and not data.cross_inspection:
        raise RuleViolation(
            [
                Problem(
                    ("county_code",),
                    "全地区抽取须为交叉互查，或请指定县（市）(a prefecture-wide draw is a cross-inspection)",
                )
            ]
        )
    if county is not None and not await county_exists(session, county):
        raise RuleViolation([Problem(("county_code",), f"县（市）代码不存在: {county} (unknown county)")])
    return county


async def _pool(session: AsyncSession, plan_id: uuid.UUID, county: str | None, data: DrawCreate) -> DrawRequest:
    enterprises = select(PlanItem.enterprise_id, PlanItem.county_code, PlanItem.risk_class).where(
        PlanItem.plan_id == plan_id, col(PlanItem.enterprise_id).not_in(data.exclude_enterprise_ids)
    )
    if county is not None:
        enterprises = enterprises.where(PlanItem.county_code == county)
    inspectors = select(User.id, User.county_code).where(
        User.role == Role.COUNTY_INSPECTOR.value,
        col(User.is_active).is_(True),
        col(User.credential_no).is_not(None),
        col(User.credential_valid_from) <= data.due_from,
        col(User.credential_valid_until) >= data.due_until,
    )
    if county is not None:
        inspectors = inspectors.where(
            User.county_code != county if data.cross_inspection else User.county_code == county
        )
    return DrawRequest(
        seed=secrets.randbelow(MAX_SEED) if data.seed is None else data.seed,
        enterprises=tuple(
            DrawEnterprise(str(e), c, RiskClass(r)) for e, c, r in (await session.exec(enterprises)).all()
        ),
        inspectors=tuple(DrawInspector(str(i), c) for i, c in (await session.exec(inspectors)).all()),
        count=data.count,
        ratio_by_class=data.ratio_by_class,
        cross_inspection=data.cross_inspection,
        conflicts=frozenset((str(c.inspector_id), str(c.enterprise_id)) for c in data.conflicts),
    )


async def create_draw(session: AsyncSession, actor: Actor, plan_id: uuid.UUID, data: DrawCreate) -> dict[str, Any]:
    """Draw enterprises of an issued plan and two inspectors each; store seed, inputs, hash and result, and
    create the scheduled visit assignments."""
    plan = await get_plan(session, actor, plan_id)
    if plan.status != "issued":
        raise Conflict("计划尚未下达，不能抽取 (draw from an issued plan)")
    county = await _county_for(session, actor, data)
    request = await _pool(session, plan.id, county, data)
    result = draw(request)
    row = Draw(
        plan_id=plan.id,
        county_code=county,
        cross_inspection=data.cross_inspection,
        seed=result.seed,
        inputs_hash=result.inputs_hash,
        inputs=inputs_json(request),
        result=[{"enterprise_id": a.enterprise_id, "inspector_ids": list(a.inspector_ids)} for a in result.assignments],
        due_from=data.due_from,
        due_until=data.due_until,
        created_by_id=actor.user_id,
    )
    session.add(row)
    await session.flush()
    counties = {e.id: e.county_code for e in request.enterprises}
    for drawn in result.assignments:
        assignment = Assignment(
            draw_id=row.id,
            plan_id=plan.id,
            enterprise_id=uuid.UUID(drawn.enterprise_id),
            county_code=counties[drawn.enterprise_id],
            cross_inspection=data.cross_inspection,
            due_from=data.due_from,
            due_until=data.due_until,
        )
        session.add(assignment)
        await session.flush()
        for position, inspector_id in enumerate(drawn.inspector_ids):
            session.add(
                AssignmentInspector(assignment_id=assignment.id, user_id=uuid.UUID(inspector_id), position=position)
            )
    await session.flush()
    await audit.record(
        session,
        actor,
        "draw.create",
        "draw",
        row.id,
        county_code=county,
        after={"seed": row.seed, "inputs_hash": row.inputs_hash, "assignments": len(result.assignments)},
    )
    return await draw_view(session, row)


async def get_draw(session: AsyncSession, actor: Actor, draw_id: uuid.UUID) -> Draw:
    stmt = in_jurisdiction(select(Draw).where(Draw.id == draw_id), Draw.county_code, actor.county_code)
    return await one_or_404(session, stmt, "抽取记录不存在 (draw not found)")


async def draw_view(session: AsyncSession, row: Draw) -> dict[str, Any]:
    assignments = (
        await session.exec(select(Assignment).where(Assignment.draw_id == row.id).order_by(Assignment.enterprise_id))
    ).all()
    inspectors: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    stmt = (
        select(AssignmentInspector.assignment_id, AssignmentInspector.user_id)
        .join(Assignment, col(Assignment.id) == AssignmentInspector.assignment_id)
        .where(Assignment.draw_id == row.id)
        .order_by(AssignmentInspector.position)
    )
    for assignment_id, user_id in (await session.exec(stmt)).all():
        inspectors[assignment_id].append(user_id)
    return row.model_dump() | {
        "pool_enterprises": len(row.inputs["enterprises"]),
        "pool_inspectors": len(row.inputs["inspectors"]),
        "count": row.inputs["count"],
        "ratio_by_class": row.inputs["ratio_by_class"],
        "assignments": [a.model_dump() | {"inspector_ids": inspectors[a.id]} for a in assignments],
    }


async def read_draw(session: AsyncSession, actor: Actor, draw_id: uuid.UUID) -> dict[str, Any]:
    return await draw_view(session, await get_draw(session, actor, draw_id))


async def verify(session: AsyncSession, actor: Actor, draw_id: uuid.UUID) -> dict[str, Any]:
    """Re-run the draw from its stored inputs and seed: does it give exactly the stored result?"""
    row = await get_draw(session, actor, draw_id)
    request = request_from(row.seed, row.inputs)
    recomputed = inputs_hash(request)
    return {
        "draw_id": row.id,
        "matches": verify_draw(request, result_from(row)),
        "inputs_hash_matches": recomputed == row.inputs_hash,
        "stored_inputs_hash": row.inputs_hash,
        "recomputed_inputs_hash": recomputed,
    }
