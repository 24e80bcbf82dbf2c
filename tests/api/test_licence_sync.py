"""Licensing system → ledger: push by licence number (idempotent upsert) and all-or-nothing batches."""

from datetime import date
from typing import Any
from urllib.parse import quote

import pytest
from sqlmodel import select

from app.core.deps import local_today
from app.models import AuditEvent, Licence
from tests.builders import TACHENG, WUSU, make_enterprise, make_issued_plan, make_service_account, new_credit_code

pytestmark = pytest.mark.anyio
NUMBER = "新XK08-001-00123"


@pytest.fixture(autouse=True)
def today(app: Any) -> None:
    app.dependency_overrides[local_today] = lambda: date(2026, 6, 1)


def url(number: str = NUMBER) -> str:
    return f"/api/v1/licences/by-number/{quote(number)}"


def body(enterprise: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "credit_code": enterprise.credit_code,
        "product_category": "水泥",
        "issued_on": "2023-01-01",
        "expires_on": "2028-12-31",
    } | overrides


async def key(
    session: Any, county_code: str | None = None, scopes: tuple[str, ...] = ("licences:write",)
) -> dict[str, str]:
    _, api_key = await make_service_account(session, list(scopes), county_code=county_code)
    return {"X-API-Key": api_key}


async def test_pushing_the_same_licence_twice_changes_nothing_the_second_time(client, session) -> None:
    enterprise = await make_enterprise(session)
    headers = await key(session)
    first = await client.put(url(), json=body(enterprise), headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["outcome"] == "created" and first.json()["licence"]["source"] == "licensing_system"
    second = await client.put(url(), json=body(enterprise), headers=headers)
    assert second.status_code == 200 and second.json()["outcome"] == "unchanged"
    assert second.json()["licence"]["version"] == 1
    changed = await client.put(url(), json=body(enterprise, expires_on="2029-12-31"), headers=headers)
    assert changed.json()["outcome"] == "updated" and changed.json()["licence"]["version"] == 2
    rows = (await session.exec(select(Licence).where(Licence.licence_no == NUMBER))).all()
    assert len(rows) == 1
    audited = select(AuditEvent).where(AuditEvent.entity == "licence").order_by(AuditEvent.seq)
    actions = [e.action for e in (await session.exec(audited)).all()]
    assert actions == ["licence.create", "licence.update"]


async def test_an_unknown_enterprise_is_a_422_naming_its_credit_code(client, session) -> None:
    headers = await key(session)
    stranger = new_credit_code()
    response = await client.put(
        url(), json={"credit_code": stranger, "product_category": "水泥", "expires_on": "2028-12-31"}, headers=headers
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["loc"] == ["body", "credit_code"] and stranger in error["msg"]


async def test_a_county_bound_key_only_reaches_its_own_countys_enterprises(client, session) -> None:
    wusu = await make_enterprise(session, county_code=WUSU)
    tacheng = await make_enterprise(session)
    headers = await key(session, county_code=TACHENG)
    response = await client.put(url(), json=body(wusu), headers=headers)
    assert response.status_code == 422 and wusu.credit_code in response.json()["errors"][0]["msg"]
    assert (await client.put(url(), json=body(tacheng), headers=headers)).status_code == 201


async def test_a_push_needs_the_licences_write_scope(client, session) -> None:
    enterprise = await make_enterprise(session)
    assert (await client.put(url(), json=body(enterprise))).status_code == 401
    reader = await key(session, scopes=("enterprises:read",))
    assert (await client.put(url(), json=body(enterprise), headers=reader)).status_code == 403


async def test_an_expiring_licence_pushed_in_raises_the_plan_line(client, session) -> None:
    enterprise = await make_enterprise(session, risk_class="B")
    plan = await make_issued_plan(session, 2026, [(enterprise, 1)])
    headers = await key(session)
    await client.put(url(), json=body(enterprise, expires_on="2026-07-15"), headers=headers)
    await session.refresh(plan)
    from app.models import PlanItem

    line = (await session.exec(select(PlanItem).where(PlanItem.plan_id == plan.id))).one()
    await session.refresh(line)
    assert line.required_visits == 2
    assert "licence_renewal" in {r["code"] for r in line.reasons}


async def test_a_batch_is_all_or_nothing_and_every_error_names_its_row(client, session) -> None:
    enterprise = await make_enterprise(session)
    headers = await key(session)
    stranger = new_credit_code()
    rows = [
        {"licence_no": "新XK08-001-00001", **body(enterprise)},
        {"licence_no": "XK-bad", **body(enterprise)},
        {"licence_no": "新XK08-001-00003", **body(enterprise, credit_code=stranger)},
        {"licence_no": "新XK08-001-00004", **body(enterprise, product_category="不存在的类别")},
        {"licence_no": "新XK08-001-00001", **body(enterprise)},
    ]
    response = await client.post("/api/v1/licences/sync", json={"rows": rows}, headers=headers)
    assert response.status_code == 422
    locs = [e["loc"] for e in response.json()["errors"]]
    assert locs == [
        ["rows", 1, "licence_no"],
        ["rows", 2, "credit_code"],
        ["rows", 3, "product_category"],
        ["rows", 4, "licence_no"],
    ]
    assert stranger in response.json()["errors"][1]["msg"]
    assert (await session.exec(select(Licence).where(Licence.enterprise_id == enterprise.id))).all() == []
    good = [rows[0], {"licence_no": "新XK08-001-00005", **body(enterprise)}]
    ok = await client.post("/api/v1/licences/sync", json={"rows": good}, headers=headers)
    assert ok.status_code == 200, ok.text
    assert (ok.json()["created"], ok.json()["unchanged"], ok.json()["direction"]) == (2, 0, "push")
    again = await client.post("/api/v1/licences/sync", json={"rows": good}, headers=headers)
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 2)


async def test_a_batch_row_with_a_missing_field_is_named_by_its_row(client, session) -> None:
    headers = await key(session)
    response = await client.post("/api/v1/licences/sync", json={"rows": [{"licence_no": NUMBER}]}, headers=headers)
    assert response.status_code == 422
    assert ["body", "rows", 0, "credit_code"] in [e["loc"] for e in response.json()["errors"]]
