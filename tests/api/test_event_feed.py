"""The change feed: what the caller may see (their county, the permission that reads the record), oldest first,
with a cursor that moves past what they may not see; `wait` long-polls."""

import asyncio

import pytest

from app.domain.permissions import Role
from app.services import events
from tests.builders import TACHENG, TACHENG_PREFECTURE, WUSU, as_role, make_service_account

pytestmark = pytest.mark.anyio
FEED = "/api/v1/events"


async def _emit(session, type_: str, subject: str, county: str | None) -> None:  # noqa: ANN001
    await events.emit(session, type_, subject, {"subject": subject}, county)
    await session.commit()


async def test_a_county_user_reads_their_countys_events_oldest_first_and_never_another_countys(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    await _emit(session, "enterprise.updated", "/a", TACHENG)
    await _emit(session, "enterprise.updated", "/other", WUSU)
    await _emit(session, "plan.issued", "/prefecture", TACHENG_PREFECTURE)
    await _emit(session, "finding.escalated", "/b", TACHENG)
    response = await client.get(FEED, headers=headers)
    assert response.status_code == 200, response.text
    page = response.json()
    assert [e["subject"] for e in page["items"]] == ["/a", "/b"]
    first = page["items"][0]
    assert first["specversion"] == "1.0" and first["type"] == "cn.zhijian.enterprise.updated"
    assert first["countycode"] == TACHENG and first["data"] == {"subject": "/a"}
    assert page["has_more"] is False and page["total"] is None and page["cursor"] in page["next"]
    await _emit(session, "enterprise.updated", "/c", TACHENG)  # the cursor is past every event before it
    assert [e["subject"] for e in (await client.get(page["next"], headers=headers)).json()["items"]] == ["/c"]


async def test_the_prefecture_reads_every_countys_events_in_pages_by_cursor(client, session):
    _, headers = await as_role(client, session, Role.PREFECTURE_VIEWER)
    for i, county in enumerate([TACHENG, WUSU, TACHENG_PREFECTURE, TACHENG, WUSU]):  # the prefecture's own too
        await _emit(session, "enterprise.updated", f"/{i}", county)
    first = (await client.get(FEED, params={"limit": 2}, headers=headers)).json()
    assert [e["subject"] for e in first["items"]] == ["/0", "/1"] and first["has_more"] is True
    second = (await client.get(first["next"], headers=headers)).json()
    assert [e["subject"] for e in second["items"]] == ["/2", "/3"]
    last = (await client.get(second["next"], headers=headers)).json()
    assert [e["subject"] for e in last["items"]] == ["/4"] and last["has_more"] is False
    assert (await client.get(last["next"], headers=headers)).json()["items"] == []
    from_a_position = (await client.get(FEED, params={"limit": 2, "after": 2}, headers=headers)).json()
    assert [e["subject"] for e in from_a_position["items"]] == ["/2", "/3"]


async def test_a_service_key_sees_only_the_types_its_scopes_read(client, session):
    _, key = await make_service_account(session, scopes=["enterprises:read"], county_code=TACHENG)
    await _emit(session, "enterprise.created", "/e", TACHENG)
    await _emit(session, "visit.submitted", "/v", TACHENG)
    page = (await client.get(FEED, headers={"X-API-Key": key})).json()
    assert [e["subject"] for e in page["items"]] == ["/e"]


async def test_types_filters_and_an_unknown_type_is_422_at_the_parameter(client, session):
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    await _emit(session, "enterprise.created", "/e", TACHENG)
    await _emit(session, "finding.escalated", "/f", TACHENG)
    page = (await client.get(FEED, params={"types": "finding.escalated"}, headers=headers)).json()
    assert [e["subject"] for e in page["items"]] == ["/f"]
    types = "finding.escalated,cn.zhijian.enterprise.created"
    both = await client.get(FEED, params={"types": types}, headers=headers)
    assert len(both.json()["items"]) == 2
    response = await client.get(FEED, params={"types": "enterprise.exploded"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "types", 0]


async def test_the_feed_needs_a_caller(client):
    assert (await client.get(FEED)).status_code == 401


async def test_wait_returns_as_soon_as_an_event_arrives(client, session, sessionmaker):
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)

    async def write_later() -> None:
        await asyncio.sleep(0.3)
        async with sessionmaker() as writer:
            await _emit(writer, "enterprise.created", "/late", TACHENG)

    writing = asyncio.create_task(write_later())
    response = await client.get(FEED, params={"wait": 5}, headers=headers)
    await writing
    assert [e["subject"] for e in response.json()["items"]] == ["/late"]


async def test_wait_with_nothing_to_see_returns_an_empty_page_when_it_ends(client, session):
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    page = (await client.get(FEED, params={"wait": 0.3}, headers=headers)).json()
    assert page["items"] == [] and page["has_more"] is False and page["next"]
