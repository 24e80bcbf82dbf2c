"""Publicity activities (宣传) and media adoption (媒体采纳), counted in the summary."""

from datetime import date
from typing import Any

import pytest

from app.core.deps import local_today
from app.domain.permissions import Role
from tests.builders import TACHENG, WUSU, as_role

pytestmark = pytest.mark.anyio
ROOT = "/api/v1/publicity-activities"


@pytest.fixture(autouse=True)
def today(app: Any) -> None:
    app.dependency_overrides[local_today] = lambda: date(2026, 6, 1)


def activity(**overrides: Any) -> dict[str, Any]:
    return {
        "campaign": "world_metrology_day",
        "title": "5·20世界计量日进企业宣传",
        "held_on": "2026-05-20",
        "media_adopted": True,
        "media_outlet": "塔城日报",
        "media_level": "prefecture",
        "screenshot_refs": ["https://example.gov.cn/shot/520.png"],
    } | overrides


async def test_a_county_records_a_campaign_with_its_media_adoption_and_it_counts_in_the_summary(
    client, session
) -> None:
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    response = await client.post(ROOT, json=activity(), headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["campaign_label"] == "世界计量日" and response.json()["county_code"] == TACHENG
    plain = activity(
        campaign="quality_month", media_adopted=False, media_outlet=None, media_level=None, screenshot_refs=[]
    )
    assert (await client.post(ROOT, json=plain, headers=headers)).status_code == 201
    summary = (await client.get("/api/v1/reports/summary", params={"year": 2026}, headers=headers)).json()
    assert summary["rows"][0]["publicity_activities"] == 2 and summary["rows"][0]["media_adoptions"] == 1
    adopted = (await client.get(ROOT, params={"media_adopted": True}, headers=headers)).json()
    assert adopted["total"] == 1


async def test_a_media_adoption_needs_its_outlet_and_screenshot(client, session) -> None:
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    response = await client.post(
        ROOT, json=activity(media_outlet=None, screenshot_refs=[], held_on="2026-07-01"), headers=headers
    )
    assert response.status_code == 422
    assert {tuple(e["loc"]) for e in response.json()["errors"]} == {
        ("body", "held_on"),
        ("body", "media_outlet"),
        ("body", "screenshot_refs"),
    }


async def test_another_county_neither_sees_nor_records_for_the_county(client, session) -> None:
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    await client.post(ROOT, json=activity(), headers=headers)
    _, other = await as_role(client, session, Role.COUNTY_ADMIN, WUSU)
    assert (await client.get(ROOT, headers=other)).json()["total"] == 0
    assert (await client.post(ROOT, json=activity(county_code=TACHENG), headers=other)).status_code == 404
    _, inspector = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    assert (await client.post(ROOT, json=activity(), headers=inspector)).status_code == 403
