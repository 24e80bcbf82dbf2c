"""Issue 13 item 6 at the API: "近12个月" is a calendar window, since the same date a year ago, inclusive — so a
complaint of 2023-03-01 still counts on 2024-03-01 (366 days later, a leap year) and no longer on 2024-03-02."""

from datetime import date

import pytest

from app.domain.permissions import Role
from tests.api.plan_helpers import freeze_today, generate, items, line_of, prefecture
from tests.builders import WUSU, as_role, make_enterprise, make_issued_plan, make_signal

pytestmark = pytest.mark.anyio
COMPLAINT_ON = date(2023, 3, 1)


@pytest.mark.parametrize(("today", "counted"), [(date(2024, 3, 1), True), (date(2024, 3, 2), False)])
async def test_a_complaint_a_calendar_year_old_still_raises_the_generated_plan_line(
    app, client, session, today, counted
):
    freeze_today(app, today)
    enterprise = await make_enterprise(session, risk_class="B")
    await make_signal(session, enterprise.id, occurred_on=COMPLAINT_ON)
    headers = await prefecture(client, session)

    plan = await generate(client, headers, year=2024)

    line = line_of(await items(client, headers, plan["id"]), enterprise.id)
    assert ("complaint" in {r["code"] for r in line["reasons"]}) is counted
    assert line["required_visits"] == (2 if counted else 1)


@pytest.mark.parametrize(("today", "raised"), [(date(2024, 3, 1), True), (date(2024, 3, 2), False)])
async def test_a_complaint_recorded_a_calendar_year_later_still_raises_the_issued_line(
    app, client, session, today, raised
):
    freeze_today(app, today)
    enterprise = await make_enterprise(session, risk_class="B")
    plan = await make_issued_plan(session, 2024, [(enterprise, 1)])
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)

    response = await client.post(
        f"/api/v1/enterprises/{enterprise.id}/signals",
        json={"kind": "complaint", "occurred_on": COMPLAINT_ON.isoformat(), "source": "12315", "substantiated": True},
        headers=headers,
    )

    assert response.status_code == 201, response.text
    line = line_of(await items(client, headers, str(plan.id)), enterprise.id)
    assert line["required_visits"] == (2 if raised else 1)


async def test_another_county_cannot_record_the_complaint_that_would_raise_the_line(app, client, session):
    freeze_today(app, date(2024, 3, 1))
    enterprise = await make_enterprise(session, risk_class="B")
    plan = await make_issued_plan(session, 2024, [(enterprise, 1)])
    _, wusu = await as_role(client, session, Role.COUNTY_ADMIN, WUSU)
    response = await client.post(
        f"/api/v1/enterprises/{enterprise.id}/signals",
        json={"kind": "complaint", "occurred_on": COMPLAINT_ON.isoformat(), "source": "12315", "substantiated": True},
        headers=wusu,
    )
    assert response.status_code == 404
    _, tacheng = await as_role(client, session, Role.COUNTY_ADMIN)
    assert line_of(await items(client, tacheng, str(plan.id)), enterprise.id)["required_visits"] == 1
