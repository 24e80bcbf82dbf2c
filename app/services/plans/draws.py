"""Double-random draws (双随机): stored with seed, inputs, hash and result, so anyone can re-run and verify them.

A draw is made from a frozen pool (services/plans/draw_pools.py); first-wave draws have no pool and keep verifying.
"""

import uuid
from collections import defaultdict
from datetime import date
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.domain.draw import Assignment as DrawnAssignment
from app.domain.draw import (
    DrawEnterprise,
    DrawInspector,
    DrawRequest,
    DrawResult,
    Exclusion,
    PastAssignment,
    inputs_hash,
    verify_draw,
)
from app.domain.errors import Message
from app.domain.risk import RiskClass
from app.models import Assignment, AssignmentInspector, Draw, DrawPool, Plan
from app.services.common import audit
from app.services.common.access import in_scope_or_shared, one_or_404


def inputs_json(request: DrawRequest) -> dict[str, Any]:
    """The request less its seed, as stored and published; `request_from` reads it back."""
    ratios = request.ratio_by_class
    return {
        "enterprises": [[e.id, e.county_code, e.risk_class.value] for e in request.enterprises],
        "inspectors": [[i.id, i.county_code] for i in request.inspectors],
        "count": request.count,
        "ratio_by_class": None if ratios is None else {str(k): v for k, v in ratios.items()},
        "cross_inspection": request.cross_inspection,
        "conflicts": sorted([inspector, enterprise] for inspector, enterprise in request.conflicts),
        "exclusions": sorted([x.enterprise_id, x.reason] for x in request.exclusions),
        "recent": sorted([p.drawn_on.isoformat(), sorted(p.inspector_ids)] for p in request.recent),
        "team_size": request.team_size,
    }


def request_from(seed: int | None, inputs: dict[str, Any]) -> DrawRequest:
    """Inputs stored before the two-step draw lack exclusions, history and team size: their defaults apply."""
    ratios = inputs["ratio_by_class"]
    return DrawRequest(
        seed=seed,
        enterprises=tuple(DrawEnterprise(e, c, RiskClass(r)) for e, c, r in inputs["enterprises"]),
        inspectors=tuple(DrawInspector(i, c) for i, c in inputs["inspectors"]),
        count=inputs["count"],
        ratio_by_class=None if ratios is None else {RiskClass(k): v for k, v in ratios.items()},
        cross_inspection=inputs["cross_inspection"],
        conflicts=frozenset((i, e) for i, e in inputs["conflicts"]),
        exclusions=tuple(Exclusion(e, reason) for e, reason in inputs.get("exclusions", [])),
        recent=tuple(PastAssignment(tuple(ids), date.fromisoformat(on)) for on, ids in inputs.get("recent", [])),
        team_size=inputs.get("team_size", 2),
    )


def result_from(draw_row: Draw) -> DrawResult:
    assignments = tuple(DrawnAssignment(a["enterprise_id"], tuple(a["inspector_ids"])) for a in draw_row.result)
    return DrawResult(seed=draw_row.seed, inputs_hash=draw_row.inputs_hash, assignments=assignments)


async def store_draw(
    session: AsyncSession,
    actor: Actor,
    pool: DrawPool,
    request: DrawRequest,
    result: DrawResult,
    seed_source: str | None,
) -> Draw:
    """The draw row and the scheduled visit assignments it creates, audited."""
    row = Draw(
        plan_id=pool.plan_id,
        pool_id=pool.id,
        county_code=pool.county_code,
        cross_inspection=pool.cross_inspection,
        seed=result.seed,
        seed_source=seed_source,
        inputs_hash=result.inputs_hash,
        inputs=inputs_json(request),
        result=[{"enterprise_id": a.enterprise_id, "inspector_ids": list(a.inspector_ids)} for a in result.assignments],
        due_from=pool.due_from,
        due_until=pool.due_until,
        created_by_id=actor.user_id,
    )
    session.add(row)
    await session.flush()
    counties = {e.id: e.county_code for e in request.enterprises}
    for drawn in result.assignments:
        assignment = Assignment(
            draw_id=row.id,
            plan_id=pool.plan_id,
            enterprise_id=uuid.UUID(drawn.enterprise_id),
            county_code=counties[drawn.enterprise_id],
            cross_inspection=pool.cross_inspection,
            due_from=pool.due_from,
            due_until=pool.due_until,
        )
        session.add(assignment)
        await session.flush()
        for position, inspector_id in enumerate(drawn.inspector_ids):
            session.add(
                AssignmentInspector(assignment_id=assignment.id, user_id=uuid.UUID(inspector_id), position=position)
            )
    await session.flush()
    after = {"seed": row.seed, "seed_source": seed_source, "inputs_hash": row.inputs_hash, "pool_id": str(pool.id)}
    await audit.record(
        session, actor, "draw.create", "draw", row.id, county_code=row.county_code,
        after=after | {"assignments": len(result.assignments)},
    )  # fmt: skip
    return row


async def get_draw(session: AsyncSession, actor: Actor, draw_id: uuid.UUID) -> Draw:
    stmt = select(Draw).join(Plan, col(Plan.id) == Draw.plan_id).where(Draw.id == draw_id)
    stmt = in_scope_or_shared(stmt, Draw.county_code, actor, Plan.prefecture_code)  # prefecture-wide: the plan's
    return await one_or_404(session, stmt, Message("draw_not_found"))


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
