"""Ledger completeness: per county, how many enterprises have every required field, and what is missing."""

import pytest

from app.domain.permissions import Role
from tests.builders import WUSU, as_role, make_enterprise

pytestmark = pytest.mark.anyio
URL = "/api/v1/ledger/completeness"


async def test_the_prefecture_sees_each_county_with_missing_fields_by_name(client, session):
    await make_enterprise(session)
    await make_enterprise(session, contact_phone=None, address="  ")
    await make_enterprise(session, status="closed", legal_representative=None)
    await make_enterprise(session, county_code=WUSU, industry=None)
    _, headers = await as_role(client, session, Role.PREFECTURE_VIEWER)
    report = (await client.get(URL, headers=headers)).json()
    counties = {c["county_code"]: c for c in report["counties"]}
    assert len(counties) == 7
    tacheng = counties["654201"]
    assert (tacheng["enterprises"], tacheng["complete"], tacheng["complete_share"]) == (2, 1, 0.5)
    assert tacheng["missing"] == {"address": 1, "contact_phone": 1}
    assert counties[WUSU]["missing"] == {"industry": 1}
    assert counties["654226"]["complete_share"] == 1.0
    assert report["total"]["enterprises"] == 3
    assert {f["label"] for f in report["required_fields"]} >= {"生产地址", "联系电话"}


async def test_a_county_sees_only_its_own_line(client, session):
    await make_enterprise(session, county_code=WUSU, industry=None)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR)
    report = (await client.get(URL, headers=headers)).json()
    assert [c["county_code"] for c in report["counties"]] == ["654201"]
    assert report["total"]["enterprises"] == 0
