"""Public disclosure (信息公开): the prefecture publishes reviewed visits; the public page shows public fields only."""

from datetime import date
from typing import Any

import pytest
from sqlmodel import select

from app.core.deps import local_today
from app.domain.permissions import Role
from app.models import AuditEvent, VisitInspector
from app.schemas.disclosure import PUBLIC_FIELDS
from tests.builders import (
    TACHENG,
    TACHENG_PREFECTURE,
    WUSU,
    as_role,
    make_enterprise,
    make_finding_record,
    make_inspectors,
    make_visit_record,
)

pytestmark = pytest.mark.anyio

ALLOWED = {
    "enterprise_name",
    "credit_code",
    "county_name",
    "visit_date",
    "visit_type",
    "visit_type_label",
    "conclusion",
    "conclusion_label",
    "rectification_status",
    "rectification_status_label",
}
SECRET_NOTE = "内部备注：企业负责人电话13900001111"
PUBLIC = "/api/v1/public/inspection-results"


@pytest.fixture(autouse=True)
def june_26(app: Any) -> None:
    app.dependency_overrides[local_today] = lambda: date(2026, 6, 26)


async def visits(session: Any) -> dict[str, Any]:
    inspectors = await make_inspectors(session, 2, full_name="保密的执法人员", phone="13800001234")
    tacheng = await make_enterprise(session, name="塔城公开测试水泥厂")
    wusu = await make_enterprise(session, name="乌苏公开测试砖厂", county_code=WUSU)
    clean = await make_visit_record(session, tacheng, date(2026, 3, 2), notes=SECRET_NOTE)
    for n, user in enumerate(inspectors):
        session.add(
            VisitInspector(visit_id=clean.id, user_id=user.id, position=n, county_code=TACHENG, credential_no="X1")
        )
    with_findings = await make_visit_record(
        session, wusu, date(2026, 4, 2), visit_type="double_random", conclusion="rectification_required"
    )
    await make_finding_record(session, with_findings, date(2026, 4, 2), date(2026, 5, 2))  # overdue on June 26
    draft = await make_visit_record(session, tacheng, date(2026, 5, 2), status="draft")
    later = await make_visit_record(session, tacheng, date(2026, 7, 2))
    await session.commit()
    return {"clean": clean, "with_findings": with_findings, "draft": draft, "later": later, "inspectors": inspectors}


async def publish(client: Any, headers: dict[str, str], **body: Any) -> Any:
    payload = {"year": 2026, "period": "h1", "review_note": "经科务会审核同意公开"} | body
    return await client.post("/api/v1/disclosures", json=payload, headers=headers)


async def test_the_prefecture_publishes_the_half_years_archived_visits_and_the_public_sees_them_without_a_token(
    client, session
) -> None:
    v = await visits(session)
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    response = await publish(client, headers)
    assert response.status_code == 201, response.text
    assert response.json()["entry_count"] == 2  # archived, inside Jan 1 – Jun 25; not the draft, not July
    page = await client.get(PUBLIC)
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["total"] == 2
    by_name = {item["enterprise_name"]: item for item in body["items"]}
    assert by_name["塔城公开测试水泥厂"] == {
        "enterprise_name": "塔城公开测试水泥厂",
        "credit_code": by_name["塔城公开测试水泥厂"]["credit_code"],
        "county_name": "塔城市",
        "visit_date": "2026-03-02",
        "visit_type": "routine_patrol",
        "visit_type_label": "日常巡查",
        "conclusion": "conforming",
        "conclusion_label": "符合",
        "rectification_status": "none_required",
        "rectification_status_label": "无需整改",
    }
    brickworks = by_name["乌苏公开测试砖厂"]
    assert (brickworks["visit_type"], brickworks["visit_type_label"]) == ("double_random", "双随机抽查")
    assert (brickworks["conclusion"], brickworks["conclusion_label"]) == ("rectification_required", "限期整改")
    assert (brickworks["rectification_status"], brickworks["rectification_status_label"]) == ("overdue", "逾期未整改")
    assert str(v["clean"].id) not in page.text


async def test_the_public_page_leaks_no_private_field(client, session, app) -> None:
    v = await visits(session)
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    await publish(client, headers)
    page = await client.get(PUBLIC)
    for item in page.json()["items"]:
        assert set(item) == ALLOWED
    assert set(page.json()) == {"items", "limit", "has_more", "next", "total", "offset", "cursor"}
    assert PUBLIC_FIELDS == ALLOWED
    schema = app.openapi()["components"]["schemas"]["PublicInspectionResult"]
    assert set(schema["properties"]) == ALLOWED
    for secret in (SECRET_NOTE, "保密的执法人员", "13800001234", "0901-6221234", "张三", "李四", "光明路"):
        assert secret not in page.text
    for inspector in v["inspectors"]:
        assert inspector.username not in page.text


async def test_the_prefecture_publishes_chosen_visits_and_each_problem_names_its_position(client, session) -> None:
    v = await visits(session)
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    ids = [str(v["clean"].id), str(v["draft"].id), str(v["later"].id), "00000000-0000-0000-0000-000000000000"]
    response = await publish(client, headers, visit_ids=ids)
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["errors"]] == [
        ["body", "visit_ids", 1],
        ["body", "visit_ids", 2],
        ["body", "visit_ids", 3],
    ]
    assert (await publish(client, headers, visit_ids=[str(v["clean"].id)])).status_code == 201
    again = await publish(client, headers, visit_ids=[str(v["clean"].id)])
    assert again.status_code == 422 and again.json()["errors"][0]["loc"] == ["body", "visit_ids", 0]
    rest = await publish(client, headers)  # everything not yet published
    assert rest.json()["entry_count"] == 1


async def test_withdrawal_removes_entries_from_the_public_page_and_is_audited(client, session) -> None:
    v = await visits(session)
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    disclosure = (await publish(client, headers)).json()
    entry = next(e for e in disclosure["entries"] if e["visit_id"] == str(v["with_findings"].id))
    response = await client.post(
        f"/api/v1/disclosures/{disclosure['id']}/withdraw",
        json={"reason": "企业已提出异议，复核中", "entry_ids": [entry["id"]]},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["active_entries"] == 1
    page = (await client.get(PUBLIC)).json()
    assert [i["enterprise_name"] for i in page["items"]] == ["塔城公开测试水泥厂"]
    events = (await session.exec(select(AuditEvent).where(AuditEvent.action == "disclosure.withdraw"))).all()
    assert len(events) == 1 and events[0].after["reason"] == "企业已提出异议，复核中"
    whole = await client.post(
        f"/api/v1/disclosures/{disclosure['id']}/withdraw", json={"reason": "撤回"}, headers=headers
    )
    assert whole.json()["active_entries"] == 0
    assert (await client.get(PUBLIC)).json()["total"] == 0
    republished = await publish(client, headers, visit_ids=[str(v["with_findings"].id)])
    assert republished.status_code == 201  # a withdrawn visit may be published again after review


async def test_only_the_prefecture_admin_publishes_and_a_county_sees_only_its_entries(client, session) -> None:
    await visits(session)
    _, county = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    assert (await publish(client, county)).status_code == 403
    _, viewer = await as_role(client, session, Role.PREFECTURE_VIEWER)
    assert (await publish(client, viewer)).status_code == 403
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    disclosure = (await publish(client, headers)).json()
    mine = (await client.get(f"/api/v1/disclosures/{disclosure['id']}", headers=county)).json()
    assert {e["county_code"] for e in mine["entries"]} == {TACHENG}
    withdraw = await client.post(
        f"/api/v1/disclosures/{disclosure['id']}/withdraw", json={"reason": "x"}, headers=county
    )
    assert withdraw.status_code == 403


async def test_the_public_page_is_paginated_filtered_and_rate_limited(client, session, app) -> None:
    await visits(session)
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    await publish(client, headers)
    first = (await client.get(PUBLIC, params={"limit": 1})).json()
    assert first["total"] == 2 and len(first["items"]) == 1
    assert (await client.get(PUBLIC, params={"county_code": WUSU})).json()["total"] == 1
    assert (await client.get(PUBLIC, params={"prefecture_code": TACHENG_PREFECTURE})).json()["total"] == 2
    assert (await client.get(PUBLIC, params={"prefecture_code": "654000"})).json()["total"] == 0  # 伊犁州: none
    assert (await client.get(PUBLIC, params={"q": "水泥"})).json()["total"] == 1
    app.state.settings.public_rate_limit = "2/minute"
    statuses = [(await client.get(PUBLIC)).status_code for _ in range(5)]
    assert 429 in statuses
