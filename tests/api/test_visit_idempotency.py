"""A mobile client that lost the answer to POST /visits retries with the same Idempotency-Key: one draft, not two."""

import pytest
from sqlmodel import func, select

from app.domain.permissions import Role
from app.models import AuditEvent, Visit
from tests.builders import TACHENG, WUSU, as_role, make_enterprise, make_inspectors, visit_body

pytestmark = pytest.mark.anyio
VISITS = "/api/v1/visits"


async def _drafts_of(session, enterprise) -> int:
    return (await session.exec(select(func.count()).where(Visit.enterprise_id == enterprise.id))).one()


async def test_a_retry_with_the_same_key_returns_the_draft_it_created_and_creates_nothing(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    body = visit_body(enterprise, await make_inspectors(session))
    keyed = headers | {"Idempotency-Key": "phone-7f3a-0001"}
    first = await client.post(VISITS, json=body, headers=keyed)
    retry = await client.post(VISITS, json=body, headers=keyed)
    assert first.status_code == retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert retry.headers["Location"] == first.headers["Location"]
    assert await _drafts_of(session, enterprise) == 1
    created = await session.exec(
        select(func.count()).where(AuditEvent.action == "visit.create", AuditEvent.entity_id == first.json()["id"])
    )
    assert created.one() == 1


async def test_the_same_key_with_another_body_is_refused_at_the_header(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    body = visit_body(enterprise, await make_inspectors(session))
    keyed = headers | {"Idempotency-Key": "phone-7f3a-0002"}
    assert (await client.post(VISITS, json=body, headers=keyed)).status_code == 201
    changed = await client.post(VISITS, json=body | {"notes": "另一次检查"}, headers=keyed)
    assert changed.status_code == 422
    assert changed.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert await _drafts_of(session, enterprise) == 1


async def test_keys_belong_to_their_caller_and_without_a_key_each_post_is_a_new_draft(client, session):
    enterprise = await make_enterprise(session)
    inspectors = await make_inspectors(session)
    _, one = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, another = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    body = visit_body(enterprise, inspectors)
    key = {"Idempotency-Key": "same-key"}
    a = await client.post(VISITS, json=body, headers=one | key)
    b = await client.post(VISITS, json=body, headers=another | key)
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]
    assert (await client.post(VISITS, json=body, headers=one)).status_code == 201
    assert await _drafts_of(session, enterprise) == 3


async def test_another_countys_inspector_gets_404_with_or_without_a_key(client, session):
    enterprise = await make_enterprise(session, county_code=TACHENG)
    _, own = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    _, other = await as_role(client, session, Role.COUNTY_INSPECTOR, WUSU)
    body = visit_body(enterprise, await make_inspectors(session))
    key = {"Idempotency-Key": "shared-key"}
    assert (await client.post(VISITS, json=body, headers=own | key)).status_code == 201
    assert (await client.post(VISITS, json=body, headers=other | key)).status_code == 404
    assert (await client.post(VISITS, json=body, headers=other)).status_code == 404
    assert await _drafts_of(session, enterprise) == 1
