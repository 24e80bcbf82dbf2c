import pytest

from app.domain.permissions import Role
from tests.builders import as_role

pytestmark = pytest.mark.anyio


async def test_every_signed_in_role_reads_the_tacheng_jurisdictions(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR)
    body = (await client.get("/api/v1/jurisdictions", headers=headers)).json()["items"]
    names = {j["code"]: j["name"] for j in body}
    assert names["654200"] == "塔城地区"
    assert names["654226"] == "和布克赛尔蒙古自治县"
    assert names["650000"] == "新疆维吾尔自治区"
    assert len(body) == 9  # the region, 塔城地区 and its seven counties


async def test_anonymous_callers_cannot_read_jurisdictions(client):
    assert (await client.get("/api/v1/jurisdictions")).status_code == 401
