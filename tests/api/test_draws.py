"""Double-random draws (双随机): reproducible from the stored seed and inputs; cross-inspection access."""

import uuid
from datetime import date

import pytest
from sqlmodel import select

from app.core.actor import actor_for_user
from app.domain.permissions import Role
from app.models import Draw, Enterprise, User, Visit
from app.services.common.access import scope_enterprises, scope_visits
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


async def test_a_county_draw_with_the_same_seed_gives_the_same_result_and_verifies(client, session):
    _, plan_id, enterprises, inspectors = await _issued(
        client, session, [{"risk_class": c} for c in "AABBCCDD"], [TACHENG] * 4
    )
    await make_user(session, Role.COUNTY_INSPECTOR, county_code=TACHENG, credential_valid_until=date(2026, 8, 15))
    county = await county_admin(client, session, TACHENG)
    body = {"ratio_by_class": {"A": 0.5, "D": 1.0}, "seed": 20260701, **WINDOW}

    first = await client.post(f"/api/v1/plans/{plan_id}/draws", json=body, headers=county)
    assert first.status_code == 201, first.text
    drawn = first.json()
    assert (drawn["county_code"], drawn["seed"], drawn["pool_enterprises"], drawn["pool_inspectors"]) == (
        TACHENG,
        20260701,
        8,
        4,
    )
    assert len(drawn["assignments"]) == 3
    assert all(len(set(a["inspector_ids"])) == 2 for a in drawn["assignments"])
    assert {i for a in drawn["assignments"] for i in a["inspector_ids"]} <= {str(u.id) for u in inspectors}
    assert all((a["due_from"], a["due_until"]) == ("2026-08-01", "2026-09-30") for a in drawn["assignments"])
    by_class = {str(e.id): e.risk_class for e in enterprises}
    assert sorted(by_class[a["enterprise_id"]] for a in drawn["assignments"]) == ["A", "D", "D"]

    second = (await client.post(f"/api/v1/plans/{plan_id}/draws", json=body, headers=county)).json()
    assert (_pairs(second), second["inputs_hash"]) == (_pairs(drawn), drawn["inputs_hash"])

    verified = await client.post(f"/api/v1/draws/{drawn['id']}/verify", headers=county)
    assert verified.status_code == 200
    assert verified.json() | {"draw_id": None} == {
        "draw_id": None,
        "matches": True,
        "inputs_hash_matches": True,
        "stored_inputs_hash": drawn["inputs_hash"],
        "recomputed_inputs_hash": drawn["inputs_hash"],
    }
    shown = await client.get(f"/api/v1/draws/{drawn['id']}", headers=county)
    assert _pairs(shown.json()) == _pairs(drawn)
    wusu = await county_admin(client, session, WUSU)
    assert (await client.get(f"/api/v1/draws/{drawn['id']}", headers=wusu)).status_code == 404
    assert (await client.post(f"/api/v1/draws/{drawn['id']}/verify", headers=wusu)).status_code == 404


async def test_a_draw_without_a_seed_gets_one_from_the_server_and_a_tampered_result_does_not_verify(client, session):
    headers, plan_id, _, _ = await _issued(client, session, [{}, {}, {}], [TACHENG] * 3)
    response = await client.post(
        f"/api/v1/plans/{plan_id}/draws", json={"county_code": TACHENG, "count": 2, **WINDOW}, headers=headers
    )
    assert response.status_code == 201, response.text
    drawn = response.json()
    assert isinstance(drawn["seed"], int)
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
    assert too_many.json()["errors"][0]["loc"] == ["count"]
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
