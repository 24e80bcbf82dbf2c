"""Double-random draws (双随机): reproducible from the stored seed and inputs; cross-inspection access."""

import uuid
from datetime import date

import pytest
from sqlmodel import select

from app.core.actor import actor_for_user
from app.domain.draw import DrawEnterprise, DrawInspector, DrawRequest, draw, inputs_hash
from app.domain.permissions import Role
from app.domain.risk import RiskClass
from app.domain.ruleset import ruleset_for
from app.models import Draw, Enterprise, User, Visit
from app.services.common.access import scope_enterprises, scope_visits
from app.services.plans.draws import inputs_json, request_from
from tests.api.plan_helpers import county_admin, freeze_today, generate, issue, prefecture
from tests.builders import TACHENG, WUSU, as_role, make_enterprise, make_user, sign_in

pytestmark = pytest.mark.anyio
WINDOW = {"due_from": "2026-08-01", "due_until": "2026-09-30"}


@pytest.fixture(autouse=True)
def _today(app) -> None:  # noqa: ANN001
    freeze_today(app)


async def _issued(client, session, enterprises_fields, inspectors):  # noqa: ANN001, ANN202
    enterprises = [await make_enterprise(session, **f) for f in enterprises_fields]
    users = [await make_user(session, Role.COUNTY_INSPECTOR, county_code=c) for c in inspectors]
    headers = await prefecture(client, session)
    plan = await generate(client, headers)
    await issue(client, headers, plan["id"])
    return headers, plan["id"], enterprises, users


def _pairs(draw: dict) -> list[tuple[str, tuple[str, ...]]]:
    return [(a["enterprise_id"], tuple(sorted(a["inspector_ids"]))) for a in draw["assignments"]]


async def _freeze(client, plan_id, body, headers):  # noqa: ANN001, ANN202
    response = await client.post(f"/api/v1/plans/{plan_id}/draw-pools", json=body | WINDOW, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


PUBLIC_SEED = {"seed": 20260701, "seed_source": "中国福利彩票双色球2026年第075期开奖号码"}


async def test_a_frozen_pool_publishes_its_hash_and_exclusions_then_draws_once_with_a_public_seed(client, session):
    _, plan_id, enterprises, inspectors = await _issued(
        client, session, [{"risk_class": c} for c in "AABBCCDD"], [TACHENG] * 4
    )
    await make_user(session, Role.COUNTY_INSPECTOR, county_code=TACHENG, credential_valid_until=date(2026, 8, 15))
    county = await county_admin(client, session, TACHENG)
    closed = next(e for e in enterprises if e.risk_class == "D")
    exclusion = {"enterprise_id": str(closed.id), "reason": "已停产"}
    body = {"ratio_by_class": {"A": 0.5, "D": 1.0}, "exclusions": [exclusion]}

    pool = await _freeze(client, plan_id, body, county)
    assert (pool["county_code"], pool["pool_enterprises"], pool["pool_inspectors"], pool["draw_id"]) == (
        TACHENG,
        8,
        4,
        None,
    )
    assert pool["exclusions"] == [exclusion]
    assert pool["team_size"] == ruleset_for(2026).min_inspectors and len(pool["inputs_hash"]) == 64
    assert inputs_hash(request_from(None, pool["inputs"])) == pool["inputs_hash"], "anyone can recompute the hash"

    drawn_response = await client.post(f"/api/v1/draw-pools/{pool['id']}/draw", json=PUBLIC_SEED, headers=county)
    assert drawn_response.status_code == 201, drawn_response.text
    drawn = drawn_response.json()
    assert (drawn["seed"], drawn["seed_source"], drawn["pool_id"]) == (20260701, PUBLIC_SEED["seed_source"], pool["id"])
    assert drawn["inputs_hash"] == pool["inputs_hash"]
    by_class = {str(e.id): e.risk_class for e in enterprises}
    assert sorted(by_class[a["enterprise_id"]] for a in drawn["assignments"]) == ["A", "D"]
    assert str(closed.id) not in {a["enterprise_id"] for a in drawn["assignments"]}
    assert all(len(set(a["inspector_ids"])) == 2 for a in drawn["assignments"])
    assert {i for a in drawn["assignments"] for i in a["inspector_ids"]} <= {str(u.id) for u in inspectors}
    assert all((a["due_from"], a["due_until"]) == ("2026-08-01", "2026-09-30") for a in drawn["assignments"])

    again = await client.post(f"/api/v1/draw-pools/{pool['id']}/draw", json={}, headers=county)
    assert again.status_code == 409
    shown = (await client.get(f"/api/v1/draw-pools/{pool['id']}", headers=county)).json()
    assert (shown["draw_id"], shown["inputs_hash"]) == (drawn["id"], pool["inputs_hash"])
    verified = (await client.post(f"/api/v1/draws/{drawn['id']}/verify", headers=county)).json()
    assert (verified["matches"], verified["inputs_hash_matches"]) == (True, True)
    assert _pairs((await client.get(f"/api/v1/draws/{drawn['id']}", headers=county)).json()) == _pairs(drawn)

    wusu = await county_admin(client, session, WUSU)
    assert (await client.get(f"/api/v1/draw-pools/{pool['id']}", headers=wusu)).status_code == 404
    assert (await client.post(f"/api/v1/draw-pools/{pool['id']}/draw", json={}, headers=wusu)).status_code == 404
    assert (await client.get(f"/api/v1/draws/{drawn['id']}", headers=wusu)).status_code == 404
    assert (await client.post(f"/api/v1/draws/{drawn['id']}/verify", headers=wusu)).status_code == 404


async def test_a_pool_that_changed_since_it_was_frozen_is_not_drawn(client, session):
    headers, plan_id, _, _ = await _issued(client, session, [{}, {}, {}], [TACHENG] * 2)
    pool = await _freeze(client, plan_id, {"county_code": TACHENG, "count": 2}, headers)
    await make_user(session, Role.COUNTY_INSPECTOR, county_code=TACHENG)  # a new inspector joins the pool
    refused = await client.post(f"/api/v1/draw-pools/{pool['id']}/draw", json={}, headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "inputs_hash"]
    assert (await session.exec(select(Draw).where(Draw.plan_id == uuid.UUID(plan_id)))).first() is None


async def test_a_seed_needs_its_public_source_and_an_exclusion_its_reason(client, session):
    headers, plan_id, [enterprise, *_], _ = await _issued(client, session, [{}, {}], [TACHENG] * 2)
    url = f"/api/v1/plans/{plan_id}/draw-pools"
    no_reason = {"county_code": TACHENG, "count": 1, "exclusions": [{"enterprise_id": str(enterprise.id)}], **WINDOW}
    assert (await client.post(url, json=no_reason, headers=headers)).status_code == 422
    blank = {**no_reason, "exclusions": [{"enterprise_id": str(enterprise.id), "reason": "  "}]}
    refused = await client.post(url, json=blank, headers=headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["loc"][-3:] == ["exclusions", 0, "reason"]
    pool = await _freeze(client, plan_id, {"county_code": TACHENG, "count": 1}, headers)
    bare = await client.post(f"/api/v1/draw-pools/{pool['id']}/draw", json={"seed": 7}, headers=headers)
    assert bare.status_code == 422


async def test_two_inspectors_draw_two_enterprises_and_pairs_rotate_across_draws(client, session):
    headers, plan_id, _, inspectors = await _issued(client, session, [{}, {}], [TACHENG] * 2)
    pool = await _freeze(client, plan_id, {"county_code": TACHENG, "count": 2}, headers)
    both = (await client.post(f"/api/v1/draw-pools/{pool['id']}/draw", json={}, headers=headers)).json()
    pair = tuple(sorted(str(u.id) for u in inspectors))
    assert [team for _, team in _pairs(both)] == [pair, pair], "the only pair works twice: rotation gives way"

    third = await make_user(session, Role.COUNTY_INSPECTOR, county_code=TACHENG)
    pool = await _freeze(client, plan_id, {"county_code": TACHENG, "count": 1}, headers)
    assert pool["recent_teams"] == 2
    [(_, team)] = _pairs((await client.post(f"/api/v1/draw-pools/{pool['id']}/draw", json={}, headers=headers)).json())
    assert team != pair and str(third.id) in team, "a fresh pair before the one that worked before"


async def test_a_first_wave_draw_without_pool_still_verifies(client, session):
    headers, plan_id, enterprises, inspectors = await _issued(client, session, [{}, {}], [TACHENG] * 2)
    request = DrawRequest(
        seed=42,
        enterprises=tuple(DrawEnterprise(str(e.id), TACHENG, RiskClass.B) for e in enterprises),
        inspectors=tuple(DrawInspector(str(u.id), TACHENG) for u in inspectors),
        count=1,
    )
    result = draw(request)
    old_inputs = {k: v for k, v in inputs_json(request).items() if k not in ("exclusions", "recent", "team_size")}
    row = Draw(
        plan_id=uuid.UUID(plan_id),
        county_code=TACHENG,
        seed=42,
        inputs_hash=result.inputs_hash,
        inputs=old_inputs,
        result=[{"enterprise_id": a.enterprise_id, "inspector_ids": list(a.inspector_ids)} for a in result.assignments],
        due_from=date(2026, 8, 1),
        due_until=date(2026, 9, 30),
    )
    session.add(row)
    await session.commit()
    verdict = (await client.post(f"/api/v1/draws/{row.id}/verify", headers=headers)).json()
    assert (verdict["matches"], verdict["inputs_hash_matches"]) == (True, True)
    shown = (await client.get(f"/api/v1/draws/{row.id}", headers=headers)).json()
    assert (shown["pool_id"], shown["seed_source"]) == (None, None)


async def test_a_one_step_draw_takes_no_callers_seed_and_a_tampered_result_does_not_verify(client, session):
    headers, plan_id, _, _ = await _issued(client, session, [{}, {}, {}], [TACHENG] * 3)
    url = f"/api/v1/plans/{plan_id}/draws"
    chosen = await client.post(url, json={"county_code": TACHENG, "count": 2, "seed": 1, **WINDOW}, headers=headers)
    assert chosen.status_code == 422 and chosen.json()["errors"][0]["loc"][-1] == "seed"
    response = await client.post(url, json={"county_code": TACHENG, "count": 2, **WINDOW}, headers=headers)
    assert response.status_code == 201, response.text
    drawn = response.json()
    assert isinstance(drawn["seed"], int) and drawn["pool_id"] and drawn["seed_source"] is None
    assert (await client.post(f"/api/v1/draws/{drawn['id']}/verify", headers=headers)).json()["matches"] is True

    row = await session.get(Draw, uuid.UUID(drawn["id"]))
    row.result = [dict(a, inspector_ids=list(reversed(a["inspector_ids"]))) for a in row.result][:1]
    session.add(row)
    await session.commit()
    verdict = (await client.post(f"/api/v1/draws/{drawn['id']}/verify", headers=headers)).json()
    assert (verdict["matches"], verdict["inputs_hash_matches"]) == (False, True)


async def test_a_county_draws_only_in_its_own_county_and_cross_inspection_is_the_prefectures(client, session):
    _, plan_id, _, _ = await _issued(client, session, [{}, {}], [TACHENG, TACHENG, WUSU, WUSU])
    county = await county_admin(client, session, TACHENG)
    url = f"/api/v1/plans/{plan_id}/draws"
    other = await client.post(url, json={"county_code": WUSU, "count": 1, **WINDOW}, headers=county)
    assert other.status_code == 404
    cross = await client.post(url, json={"count": 1, "cross_inspection": True, **WINDOW}, headers=county)
    assert cross.status_code == 403
    too_many = await client.post(url, json={"count": 5, **WINDOW}, headers=county)
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["loc"] == ["body", "count"]
    _, inspector = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    assert (await client.post(url, json={"count": 1, **WINDOW}, headers=inspector)).status_code == 403


async def test_a_cross_inspection_inspector_sees_the_assigned_enterprise_and_nothing_else_of_that_county(
    client, session
):
    headers, plan_id, [assigned, other], _ = await _issued(
        client, session, [{"risk_class": "D"}, {"risk_class": "A"}], [WUSU, WUSU, TACHENG]
    )
    response = await client.post(
        f"/api/v1/plans/{plan_id}/draws",
        json={"county_code": TACHENG, "ratio_by_class": {"D": 1.0}, "cross_inspection": True, **WINDOW},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    [assignment] = response.json()["assignments"]
    assert assignment["enterprise_id"] == str(assigned.id) and assignment["cross_inspection"] is True
    inspector_ids = assignment["inspector_ids"]

    wusu_inspector = await session.get(User, uuid.UUID(inspector_ids[0]))
    assert wusu_inspector.county_code == WUSU
    actor = actor_for_user(wusu_inspector)
    seen = (await session.exec(scope_enterprises(select(Enterprise.id), actor))).all()
    assert assigned.id in seen and other.id not in seen

    linked = Visit(
        enterprise_id=assigned.id,
        county_code=TACHENG,
        visit_type="cross_inspection",
        visit_date=date(2026, 8, 10),
        assignment_id=uuid.UUID(assignment["id"]),
    )
    unlinked = Visit(
        enterprise_id=assigned.id, county_code=TACHENG, visit_type="routine_patrol", visit_date=date(2026, 8, 1)
    )
    session.add_all([linked, unlinked])
    await session.commit()
    visits = (await session.exec(scope_visits(select(Visit.id), actor))).all()
    assert linked.id in visits and unlinked.id not in visits

    bystander = await make_user(session, Role.COUNTY_INSPECTOR, county_code=WUSU)
    assert (
        assigned.id
        not in (await session.exec(scope_enterprises(select(Enterprise.id), actor_for_user(bystander)))).all()
    )
    assert linked.id not in (await session.exec(scope_visits(select(Visit.id), actor_for_user(bystander)))).all()

    _, wusu_headers = await as_role(client, session, Role.COUNTY_INSPECTOR, WUSU)
    assigned_headers = await sign_in(client, wusu_inspector)
    lines = (await client.get(f"/api/v1/plans/{plan_id}/items", headers=assigned_headers)).json()["items"]
    assert [x["enterprise_id"] for x in lines] == [str(assigned.id)]
    assert (await client.get(f"/api/v1/plans/{plan_id}/items", headers=wusu_headers)).json()["items"] == []
