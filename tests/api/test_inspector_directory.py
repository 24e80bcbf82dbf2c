"""Issue 13 (14): an inspector finds a colleague to visit with — own county's inspectors, or the drawn team of a
cross-inspection they are on — by name and credential only."""

import uuid
from datetime import date

import pytest

from app.domain.permissions import Role
from app.models import Assignment, AssignmentInspector, Draw
from tests.builders import TACHENG, WUSU, as_role, make_enterprise, make_issued_plan, make_user, sign_in

pytestmark = pytest.mark.anyio
URL = "/api/v1/inspectors"
EMIN = "654221"  # 额敏县
FIELDS = {"id", "full_name", "county_code", "credential_no", "credential_valid_from", "credential_valid_until"}


async def _assignment(session, plan, enterprise, team, *, cross_inspection: bool = True) -> Assignment:  # noqa: ANN001
    window = {"due_from": date(2026, 8, 1), "due_until": date(2026, 9, 30)}
    drawn = Draw(
        plan_id=plan.id, county_code=enterprise.county_code, cross_inspection=cross_inspection, seed=1,
        inputs_hash="0" * 64, inputs={}, result=[], **window,
    )  # fmt: skip
    assignment = Assignment(
        draw_id=drawn.id, plan_id=plan.id, enterprise_id=enterprise.id, county_code=enterprise.county_code,
        cross_inspection=cross_inspection, **window,
    )  # fmt: skip
    session.add(drawn)
    await session.flush()
    session.add(assignment)
    await session.flush()
    session.add_all(
        AssignmentInspector(assignment_id=assignment.id, user_id=u.id, position=n) for n, u in enumerate(team)
    )
    await session.commit()
    return assignment


def _ids(response) -> list[str]:  # noqa: ANN001
    assert response.status_code == 200, response.text
    return sorted(item["id"] for item in response.json()["items"])


async def test_an_inspector_sees_the_inspectors_of_their_own_county_by_name_and_credential_only(client, session):
    me, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    colleague = await make_user(session, Role.COUNTY_INSPECTOR, county_code=TACHENG, phone="13900000000")
    await make_user(session, Role.COUNTY_INSPECTOR, county_code=TACHENG, is_active=False)
    await make_user(session, Role.COUNTY_ADMIN, county_code=TACHENG)
    wusu = await make_user(session, Role.COUNTY_INSPECTOR, county_code=WUSU)

    response = await client.get(URL, headers=headers)
    assert _ids(response) == sorted([str(me.id), str(colleague.id)])
    [shown] = [i for i in response.json()["items"] if i["id"] == str(colleague.id)]
    assert set(shown) == FIELDS
    assert (shown["credential_no"], shown["credential_valid_until"]) == (colleague.credential_no, "2030-12-31")
    assert _ids(await client.get(URL, params={"county_code": WUSU}, headers=headers)) == []
    assert str(wusu.id) in _ids(await client.get(URL, headers=await sign_in(client, wusu)))

    expired = await make_user(
        session, Role.COUNTY_INSPECTOR, county_code=TACHENG, credential_valid_until=date(2026, 6, 30)
    )
    assert str(expired.id) in _ids(await client.get(URL, headers=headers))
    assert str(expired.id) not in _ids(await client.get(URL, params={"valid_on": "2026-07-01"}, headers=headers))


async def test_on_a_cross_inspection_an_inspector_sees_the_drawn_team_and_an_unrelated_assignment_is_not_found(
    client, session
):
    me, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    partner = await make_user(session, Role.COUNTY_INSPECTOR, county_code=EMIN)
    visited, other = [await make_enterprise(session, county_code=WUSU) for _ in range(2)]
    plan = await make_issued_plan(session, 2026, [(visited, 1), (other, 1)])
    mine = await _assignment(session, plan, visited, [me, partner])
    others = [await make_user(session, Role.COUNTY_INSPECTOR, county_code=c) for c in (EMIN, WUSU)]
    unrelated = await _assignment(session, plan, other, others)

    team = await client.get(URL, params={"assignment_id": str(mine.id)}, headers=headers)
    assert _ids(team) == sorted([str(me.id), str(partner.id)])
    assert (await client.get(URL, params={"assignment_id": str(unrelated.id)}, headers=headers)).status_code == 404
    missing = await client.get(URL, params={"assignment_id": str(uuid.uuid4())}, headers=headers)
    assert missing.status_code == 404

    _, wusu_admin = await as_role(client, session, Role.COUNTY_ADMIN, WUSU)  # the enterprise's county sees its teams
    assert _ids(await client.get(URL, params={"assignment_id": str(unrelated.id)}, headers=wusu_admin)) == sorted(
        str(u.id) for u in others
    )
    _, emin_admin = await as_role(client, session, Role.COUNTY_ADMIN, EMIN)
    assert (await client.get(URL, params={"assignment_id": str(mine.id)}, headers=emin_admin)).status_code == 404


async def test_the_prefecture_sees_every_countys_inspectors_and_may_narrow_to_one(client, session):
    tacheng = await make_user(session, Role.COUNTY_INSPECTOR, county_code=TACHENG)
    wusu = await make_user(session, Role.COUNTY_INSPECTOR, county_code=WUSU)
    _, viewer = await as_role(client, session, Role.PREFECTURE_VIEWER)
    everyone = _ids(await client.get(URL, params={"limit": 200}, headers=viewer))
    assert {str(tacheng.id), str(wusu.id)} <= set(everyone)
    assert str(tacheng.id) not in _ids(await client.get(URL, params={"county_code": WUSU}, headers=viewer))
