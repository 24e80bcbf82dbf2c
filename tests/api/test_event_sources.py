"""Where events come from: the services emit one per change that matters, its `data` the record exactly as the
API returns it (each checked against the type's response schema), in the order the changes happened."""

import pytest
from sqlmodel import col, select

from app.domain.permissions import Role
from app.main import create_app
from app.models import Event
from app.schemas.event import EVENT_TYPES, TEST_TYPE
from tests.api.conftest import TEST_SECRET
from tests.api.test_findings import _finding, _reinspection
from tests.builders import TACHENG, as_role, make_enterprise

pytestmark = pytest.mark.anyio
FINDINGS = "/api/v1/findings"


async def _events(session, subject: str | None = None) -> list[Event]:  # noqa: ANN001
    stmt = select(Event).order_by(col(Event.position))
    if subject is not None:
        stmt = stmt.where(Event.subject == subject)
    return list((await session.exec(stmt)).all())


def _conforms(event: Event) -> None:
    EVENT_TYPES[event.type].schema.model_validate(event.data)


async def test_a_findings_loop_emits_each_step_and_each_carries_the_finding_as_read(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR, TACHENG)
    visit, finding = await _finding(client, session, headers, enterprise)
    url = f"{FINDINGS}/{finding['id']}"
    extended = await client.post(f"{url}/extension", json={"days": 10, "reason": "标签需重新印制"}, headers=headers)
    await client.post(f"{url}/rectification", json={"text": "已整改"}, headers=headers)
    revisit = await _reinspection(client, session, headers, enterprise)
    failed = await client.post(
        f"{url}/reinspection", json={"visit_id": revisit["id"], "result": "fail"}, headers=headers
    )
    assert failed.status_code == 200, failed.text

    on_finding = await _events(session, f"/api/v1/findings/{finding['id']}")
    assert [e.type.removeprefix("cn.zhijian.") for e in on_finding] == [
        "finding.created",
        "finding.extended",
        "finding.rectified",
        "finding.reinspected",
        "finding.escalated",
    ]
    for event in on_finding:
        _conforms(event)
        assert event.county_code == TACHENG
    assert on_finding[1].data["deadline"] == extended.json()["deadline"]
    assert on_finding[-1].data == failed.json()  # the last one is the record as the API answered

    on_visit = await _events(session, f"/api/v1/visits/{visit['id']}")
    assert [e.type for e in on_visit] == ["cn.zhijian.visit.submitted", "cn.zhijian.visit.archived"]
    _conforms(on_visit[0])
    assert on_visit[0].data["status"] == "archived" and [f["id"] for f in on_visit[0].data["findings"]] == [
        finding["id"]
    ]
    positions = [e.position for e in await _events(session)]
    assert positions == list(range(positions[0], positions[0] + len(positions)))


async def test_a_refusal_escalates_and_a_case_filed_is_its_own_event(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    visit, finding = await _finding(client, session, headers, enterprise)
    url = f"{FINDINGS}/{finding['id']}"
    refusal = {"refused_on": visit["visit_date"], "note": "拒绝签收"}
    assert (await client.post(f"{url}/refusal", json=refusal, headers=headers)).status_code == 200
    case = {"case_no": "塔市监立〔2026〕1号", "filed_on": visit["visit_date"], "officer": "王五"}
    filed = await client.post(f"{url}/case", json=case, headers=headers)
    assert filed.status_code == 200, filed.text
    kinds = [e.type.removeprefix("cn.zhijian.") for e in await _events(session, f"/api/v1/findings/{finding['id']}")]
    assert kinds == ["finding.created", "finding.escalated", "finding.case_filed"]


async def test_an_amended_visit_and_a_licence_change_emit_their_events(client, session):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    visit, _ = await _finding(client, session, headers, enterprise)
    amended = await client.post(
        f"/api/v1/visits/{visit['id']}/amendments", json={"reason": "笔误", "notes": "更正后的备注"}, headers=headers
    )
    assert amended.status_code == 201, amended.text
    licence = await client.post(
        f"/api/v1/enterprises/{enterprise.id}/licences",
        json={"licence_no": "新XK08-001-00077", "product_category": "水泥", "issued_on": "2024-01-01",
              "expires_on": "2029-01-01"},
        headers=headers,
    )  # fmt: skip
    assert licence.status_code == 201, licence.text
    [changed] = await _events(session, f"/api/v1/licences/{licence.json()['id']}")
    assert changed.type == "cn.zhijian.licence.changed" and changed.data == licence.json()
    on_visit = await _events(session, f"/api/v1/visits/{visit['id']}")
    assert on_visit[-1].type == "cn.zhijian.visit.amended" and on_visit[-1].data == amended.json()


def test_every_event_type_is_in_the_openapi_webhooks_with_its_records_schema():
    document = create_app_document()
    hooks = document["webhooks"]
    assert set(hooks) == set(EVENT_TYPES) | {TEST_TYPE}
    schemas = document["components"]["schemas"]
    for name, kind in EVENT_TYPES.items():
        ref = hooks[name]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        envelope = schemas[ref.rsplit("/", 1)[1]]
        assert envelope["properties"]["type"]["const"] == name
        assert envelope["properties"]["data"]["$ref"].endswith(f"/{kind.schema.__name__}")
        assert {p["name"] for p in hooks[name]["post"]["parameters"]} == {
            "webhook-id",
            "webhook-timestamp",
            "webhook-signature",
        }


def create_app_document() -> dict:
    from app.core.config import Settings

    return create_app(Settings(env="test", database_url="sqlite+aiosqlite://", secret_key=TEST_SECRET)).openapi()


async def test_issuing_a_plan_and_adjusting_a_line_emit_with_the_plan_and_the_line_as_read(app, client, session):
    from tests.api.plan_helpers import county_admin, freeze_today, generate, issue, items, line_of, prefecture

    freeze_today(app)
    enterprise = await make_enterprise(session, risk_class="C")
    headers = await prefecture(client, session)
    plan = await generate(client, headers)
    await issue(client, headers, plan["id"])
    line = line_of(await items(client, headers, plan["id"]), enterprise.id)
    county = await county_admin(client, session, TACHENG)
    adjusted = await client.patch(
        f"/api/v1/plans/{plan['id']}/items/{line['id']}", json={"required_visits": 4, "reason": "专项"}, headers=county
    )
    assert adjusted.status_code == 200, adjusted.text
    [issued] = await _events(session, f"/api/v1/plans/{plan['id']}")
    assert (
        issued.type == "cn.zhijian.plan.issued" and issued.county_code == "654200" and issued.data["status"] == "issued"
    )
    [changed] = await _events(session, f"/api/v1/plans/{plan['id']}/items/{line['id']}")
    assert changed.type == "cn.zhijian.plan_line.adjusted" and changed.data == adjusted.json()
    assert changed.county_code == TACHENG
    for event in (issued, changed):
        _conforms(event)


async def test_a_small_import_emits_import_finished_with_the_import_as_read(client, session):
    from tests.builders import new_credit_code

    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)
    rows = [{"credit_code": new_credit_code(), "name": "塔城导入测试厂", "county_code": TACHENG}]
    response = await client.post("/api/v1/enterprise-imports", json=rows, headers=headers)
    assert response.status_code in (200, 201), response.text
    [finished] = await _events(session, f"/api/v1/enterprise-imports/{response.json()['id']}")
    assert finished.type == "cn.zhijian.import.finished" and finished.data["status"] == response.json()["status"]
    _conforms(finished)


async def test_a_prefecture_import_of_several_counties_is_the_prefectures_event_not_one_countys(client, session):
    from tests.builders import new_credit_code

    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    rows = [
        {"credit_code": new_credit_code(), "name": "塔城导入测试一厂", "county_code": TACHENG},
        {"credit_code": new_credit_code(), "name": "乌苏导入测试二厂", "county_code": "654202"},
    ]
    response = await client.post("/api/v1/enterprise-imports", json=rows, headers=headers)
    assert response.status_code in (200, 201), response.text
    [finished] = await _events(session, f"/api/v1/enterprise-imports/{response.json()['id']}")
    assert finished.county_code == "654200"  # the importer's node: its callers and the region's see it
    seen = (await client.get("/api/v1/events", headers=headers, params={"limit": 200})).json()["items"]
    assert finished.subject in {e["subject"] for e in seen}
    _, county = await as_role(client, session, Role.COUNTY_ADMIN, TACHENG)  # not one county's import
    unseen = (await client.get("/api/v1/events", headers=county, params={"limit": 200})).json()["items"]
    assert finished.subject not in {e["subject"] for e in unseen}
