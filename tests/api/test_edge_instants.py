"""Dates and datetimes at the edge of the calendar are a 422 at the parameter or field, never a 500 (the stateful
schemathesis run found `updated_since=0001-01-01T00:00:00+01:09`, which is before year 1 in UTC)."""

import pytest

from app.domain.permissions import Role
from tests.builders import TACHENG, as_role, make_enterprise, make_inspectors, visit_body

pytestmark = pytest.mark.anyio
EDGES = ["0001-01-01T00:00:00+01:09", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1899-12-31T23:59:59Z"]


@pytest.mark.parametrize("instant", EDGES)
async def test_an_updated_since_outside_1900_to_2199_is_refused_at_the_parameter(client, session, instant):
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    response = await client.get("/api/v1/enterprises", params={"updated_since": instant}, headers=headers)
    assert response.status_code == 422, response.text
    assert ["query", "updated_since"] in [e["loc"] for e in response.json()["errors"]]


@pytest.mark.parametrize(("name", "instant"), [("since", EDGES[0]), ("until", EDGES[2])])
async def test_audit_event_bounds_outside_1900_to_2199_are_refused_at_the_parameter(client, session, name, instant):
    _, headers = await as_role(client, session, Role.AUDIT_ADMIN)
    response = await client.get("/api/v1/audit-events", params={name: instant}, headers=headers)
    assert response.status_code == 422, response.text
    assert ["query", name] in [e["loc"] for e in response.json()["errors"]]


async def test_an_ordinary_updated_since_still_answers(client, session):
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    for instant in ("2026-11-01T00:00:00+08:00", "2026-11-01T00:00:00"):
        response = await client.get("/api/v1/enterprises", params={"updated_since": instant}, headers=headers)
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2200-01-01", "9999-12-31"])
async def test_a_visit_dated_outside_1900_to_2199_is_refused_at_the_field(client, session, day):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    body = visit_body(enterprise, await make_inspectors(session), visit_date=day)
    response = await client.post("/api/v1/visits", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert ["body", "visit_date"] in [e["loc"] for e in response.json()["errors"]]
