"""Listing the ledger: filters, sorting, paging with a hard cap, delta sync for mobile clients."""

from datetime import UTC, date, datetime, timedelta

import pytest

from app.domain.permissions import Role
from tests.builders import TACHENG, WUSU, as_role, make_enterprise, make_licence, make_signal

pytestmark = pytest.mark.anyio
URL = "/api/v1/enterprises"


async def _names(client, headers, **params):
    response = await client.get(URL, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [e["name"] for e in response.json()["items"]]


async def test_a_county_user_lists_only_their_county_and_the_prefecture_everything(client, session):
    await make_enterprise(session, name="塔城甲")
    await make_enterprise(session, name="乌苏乙", county_code=WUSU)
    _, county = await as_role(client, session, Role.COUNTY_INSPECTOR)
    _, prefecture = await as_role(client, session, Role.PREFECTURE_VIEWER)
    assert await _names(client, county) == ["塔城甲"]
    assert await _names(client, county, county_code=WUSU) == []
    assert sorted(await _names(client, prefecture)) == ["乌苏乙", "塔城甲"]
    assert await _names(client, prefecture, county_code=WUSU) == ["乌苏乙"]


async def test_filters_by_class_status_key_flag_and_chinese_text(client, session):
    await make_enterprise(session, name="恒通水泥厂", risk_class="C", key_product=True)
    await make_enterprise(session, name="华新电线电缆", risk_class="A", status="suspended")
    code_match = await make_enterprise(session, name="其他企业")
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    assert await _names(client, headers, risk_class="C") == ["恒通水泥厂"]
    assert await _names(client, headers, status="suspended") == ["华新电线电缆"]
    assert await _names(client, headers, key_flag="product") == ["恒通水泥厂"]
    assert await _names(client, headers, q="水泥") == ["恒通水泥厂"]
    assert await _names(client, headers, q=code_match.credit_code[4:14].lower()) == ["其他企业"]
    assert await _names(client, headers, q="100%_") == []


async def test_filters_by_licence_expiring_before_and_open_signals(client, session):
    expiring = await make_enterprise(session, name="甲")
    later = await make_enterprise(session, name="乙")
    await make_licence(session, expiring.id, expires_on=date(2026, 3, 1))
    await make_licence(session, later.id, expires_on=date(2029, 3, 1))
    await make_signal(session, later.id)
    await make_signal(session, expiring.id, is_open=False)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    assert await _names(client, headers, licence_expiring_before="2026-06-30") == ["甲"]
    assert await _names(client, headers, has_open_signals="true") == ["乙"]
    assert await _names(client, headers, has_open_signals="false") == ["甲"]


async def test_sorting_and_paging_with_a_total_and_a_hard_cap(client, session):
    for name in ("丙", "甲", "乙"):
        await make_enterprise(session, name=f"企业{name}", risk_class={"甲": "A", "乙": "D", "丙": "B"}[name])
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    by_class = await _names(client, headers, sort="-risk_class")
    assert by_class == ["企业乙", "企业丙", "企业甲"]
    page = (await client.get(URL, params={"sort": "risk_class", "limit": 2, "total": "true"}, headers=headers)).json()
    assert page["total"] == 3 and [e["name"] for e in page["items"]] == ["企业甲", "企业丙"]
    rest = (await client.get(page["next"], headers=headers)).json()
    assert [e["name"] for e in rest["items"]] == ["企业乙"] and rest["next"] is None
    assert (await client.get(URL, params={"limit": 201}, headers=headers)).status_code == 422
    assert (await client.get(URL, params={"sort": "password"}, headers=headers)).status_code == 422


async def test_delta_sync_returns_changes_since_and_the_ids_closed_since(client, session):
    old = datetime.now(UTC) - timedelta(days=3)
    await make_enterprise(session, name="未变", updated_at=old, created_at=old)
    changed = await make_enterprise(session, name="已变")
    closed = await make_enterprise(session, name="已关闭", status="closed", closed_at=datetime.now(UTC))
    await make_enterprise(session, name="别县关闭", county_code=WUSU, status="closed", closed_at=datetime.now(UTC))
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR)
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    response = await client.get(URL, params={"updated_since": since}, headers=headers)
    data = response.json()
    assert sorted(e["name"] for e in data["items"]) == ["已关闭", "已变"]
    assert data["closed_ids"] == [str(closed.id)]
    assert data["as_of"]
    full = (await client.get(URL, headers=headers)).json()
    assert full["closed_ids"] is None and full["total"] == 3
    assert str(changed.id) in [e["id"] for e in full["items"]]
    assert TACHENG == full["items"][0]["county_code"]
