"""A committed world for the access matrix and the mass-assignment suite: one of every record in 塔城市 (654201,
the callers' county), in 乌苏市 (654202, another county of 塔城地区) and in 伊宁市 (654002, a county of another
prefecture, 伊犁哈萨克自治州, with its own plan and disclosure), the callers themselves, and the app pointed at it.

It runs on its own database (like tests/api/test_schemathesis.py), created once per test module and dropped at
the end, so hundreds of requests can share one set of records instead of rebuilding them per test.
"""

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import select

from app.core.clock import today_in_china
from app.core.config import Settings
from app.core.security import create_access_token
from app.domain.permissions import SERVICE_SCOPES, Permission, Role
from app.main import create_app
from app.models import (
    Draw,
    EnterpriseImport,
    Notification,
    PlanItem,
    RiskListEntry,
    SamplingFollowUp,
    Visit,
    WebhookDelivery,
    WebhookSubscription,
)
from app.seed.jurisdictions import seed_jurisdictions
from tests.api.conftest import BACKEND, TEST_SECRET
from tests.builders import (
    TACHENG,
    TACHENG_PREFECTURE,
    WUSU,
    archived_visit,
    make_enterprise,
    make_finding_record,
    make_inspectors,
    make_issued_plan,
    make_licence,
    make_service_account,
    make_user,
    make_visit_record,
    new_credit_code,
    post_visit,
    visit_body,
)
from tests.databases import scratch_database

YINING = "654002"  # 伊宁市, of 伊犁哈萨克自治州: another prefecture
ILI = "654000"
COUNTIES = (TACHENG, WUSU, YINING)
YEAR = today_in_china().year
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)

USER_CALLERS = {
    "prefecture_admin": (Role.PREFECTURE_ADMIN, None),
    "prefecture_viewer": (Role.PREFECTURE_VIEWER, None),
    "county_admin": (Role.COUNTY_ADMIN, TACHENG),
    "county_inspector": (Role.COUNTY_INSPECTOR, TACHENG),
    "system_admin": (Role.SYSTEM_ADMIN, None),
    "security_admin": (Role.SECURITY_ADMIN, None),
    "audit_admin": (Role.AUDIT_ADMIN, None),
    "region_viewer": (Role.REGION_VIEWER, None),
    "region_admin": (Role.REGION_ADMIN, None),
    "enterprise_user": (Role.ENTERPRISE_USER, TACHENG),  # bound to records["enterprise"][TACHENG] once it exists
}


@dataclass
class World:
    app: Any
    client: httpx.AsyncClient
    settings: Settings
    sessionmaker: Any
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # kind -> county -> value
    shared: dict[str, Any] = field(default_factory=dict)  # prefecture-wide records (plan, disclosure, ...)
    far: dict[str, Any] = field(default_factory=dict)  # the other prefecture's own records (its plan, ...)
    users: dict[str, Any] = field(default_factory=dict)  # caller name -> User
    scoped_keys: dict[Permission, str] = field(default_factory=dict)  # key holding exactly that scope
    unscoped_keys: dict[Permission, str] = field(default_factory=dict)  # key holding every scope but that one

    def token(self, caller: str) -> dict[str, str]:
        """A fresh bearer token (never via the login endpoint: no rate limit, no argon2 per request), as signed in
        with both factors: the default settings ask the prefecture admin for two (test_two_factor.py)."""
        user = self.users[caller]
        token, _ = create_access_token(self.settings, user.id, user.token_version, two_factor=True)
        return {"Authorization": f"Bearer {token}"}

    def rec(self, kind: str, county: str | None) -> Any:
        """A county's record; for a prefecture's own kind (plan, disclosure, …), that of the county's prefecture."""
        if kind in self.far or kind in self.shared:
            return self.far[kind] if county == YINING else self.shared[kind]
        return self.records[kind][county]


@pytest.fixture(scope="module")
def world_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    if BACKEND != "postgres":
        pytest.skip("the committed world runs on PostgreSQL")
    with scratch_database("zhijian_world") as url:
        yield url, tmp_path_factory.mktemp("world-uploads")


async def _check(response: httpx.Response, *expected: int) -> dict[str, Any]:
    assert response.status_code in expected, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.content else {}


async def _build(world: World) -> None:
    client = world.client
    async with world.sessionmaker() as session:
        await seed_jurisdictions(session, [TACHENG_PREFECTURE, ILI])
        await session.commit()
        for name, (role, county) in USER_CALLERS.items():
            kwargs = {"county_code": county} if county else {}
            world.users[name] = await make_user(session, role, **kwargs)
        for perm in Permission:
            account, world.scoped_keys[perm] = await make_service_account(session, [perm.value], county_code=TACHENG)
            if perm is Permission.WEBHOOKS_MANAGE:
                hook_owners = {TACHENG: account} | {
                    c: (await make_service_account(session, [perm.value], c))[0] for c in (WUSU, YINING)
                }
            others = sorted(p.value for p in SERVICE_SCOPES if p is not perm)
            _, world.unscoped_keys[perm] = await make_service_account(session, others, county_code=TACHENG)
        target_account, _ = await make_service_account(session, ["enterprises:read"])
        world.shared["service_account"] = target_account.id
        world.shared["vocabulary"] = world.far["vocabulary"] = "risk_class"  # not a record: a vocabulary's name
        far_account, _ = await make_service_account(session, ["enterprises:read"], jurisdiction_code=ILI)
        world.far["service_account"] = far_account.id
        ili_admin = await make_user(session, Role.PREFECTURE_ADMIN, jurisdiction_code=ILI)
        admins: dict[str, dict[str, str]] = {}
        for county in COUNTIES:
            admin = await make_user(session, Role.COUNTY_ADMIN, county_code=county)
            token, _ = create_access_token(world.settings, admin.id, admin.token_version)
            admins[county] = {"Authorization": f"Bearer {token}"}
            world.records.setdefault("county_admin_headers", {})[county] = admins[county]
            enterprise = await make_enterprise(session, county_code=county)
            spare = await make_enterprise(session, county_code=county)  # not on the plan: for plan-item adds
            licence = await make_licence(session, enterprise.id)
            inspectors = await make_inspectors(session, 2, county_code=county)
            target_user = await make_user(session, Role.COUNTY_INSPECTOR, county_code=county)
            world.records.setdefault("enterprise", {})[county] = enterprise
            world.records.setdefault("spare_enterprise", {})[county] = spare
            world.records.setdefault("licence", {})[county] = licence
            world.records.setdefault("inspectors", {})[county] = inspectors
            world.records.setdefault("user", {})[county] = target_user
            if county == TACHENG:
                account = world.users["enterprise_user"]
                account.enterprise_id = enterprise.id
                session.add(account)
                await session.commit()
            else:
                account = await make_user(
                    session, Role.ENTERPRISE_USER, county_code=county, enterprise_id=enterprise.id
                )
            world.records.setdefault("enterprise_account", {})[county] = account
        for county, owner in hook_owners.items():
            for kind in ("webhook_subscription", "spare_webhook_subscription"):
                subscription = WebhookSubscription(
                    owner_kind="service", owner_id=owner.id, county_code=county, url="https://hooks.example.com/z",
                    event_types=["cn.zhijian.enterprise.created"], secret="whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=",
                )  # fmt: skip
                session.add(subscription)
                await session.flush()
                world.records.setdefault(kind, {})[county] = subscription.id
            delivery = WebhookDelivery(
                subscription_id=subscription.id, message_id=f"msg_{uuid.uuid4().hex}", status="failed",
                event_type="cn.zhijian.webhook.test", subject="/api/v1/webhook-subscriptions", payload={"test": True},
            )  # fmt: skip
            session.add(delivery)
            await session.flush()
            world.records.setdefault("webhook_delivery", {})[county] = delivery.id
        await session.commit()
        plan = await make_issued_plan(session, YEAR, [(world.records["enterprise"][c], 2) for c in (TACHENG, WUSU)])
        world.shared["plan"] = plan.id
        far_plan = await make_issued_plan(session, YEAR, [(world.records["enterprise"][YINING], 2)], ILI)
        world.far["plan"] = far_plan.id
    token, _ = create_access_token(world.settings, ili_admin.id, ili_admin.token_version, two_factor=True)
    prefectures = {TACHENG: world.token("prefecture_admin"), WUSU: world.token("prefecture_admin")}
    prefectures[YINING] = {"Authorization": f"Bearer {token}"}
    for county in COUNTIES:
        enterprise = world.records["enterprise"][county]
        inspectors = world.records["inspectors"][county]
        headers = admins[county]
        draft = await post_visit(client, headers, visit_body(enterprise, inspectors))
        archived = await archived_visit(client, headers, visit_body(enterprise, inspectors))
        world.records.setdefault("visit_draft", {})[county] = draft["id"]
        spare = await post_visit(client, headers, visit_body(enterprise, inspectors))  # the county admin's draft
        world.records.setdefault("spare_visit_draft", {})[county] = spare["id"]
        world.records.setdefault("visit", {})[county] = archived["id"]
        attachment = await _check(
            await client.post(
                f"/api/v1/visits/{archived['id']}/attachments",
                files={"file": ("photo.png", PNG, "image/png")},
                headers=headers,
            ),
            201,
        )
        world.records.setdefault("attachment", {})[county] = attachment["id"]
        signal = await _check(
            await client.post(
                f"/api/v1/enterprises/{enterprise.id}/signals",
                json={
                    "kind": "sampling",
                    "occurred_on": (today_in_china() - timedelta(days=20)).isoformat(),
                    "product": "水泥",
                    "qualified": False,
                    "sampling_origin": "referred",
                    "report_no": f"R{uuid.uuid4().hex[:8]}",
                },
                headers=headers,
            ),
            201,
        )
        world.records.setdefault("signal", {})[county] = signal["id"]
        report = await _check(
            await client.post("/api/v1/reports", json={"year": YEAR, "period": "h1"}, headers=headers), 201
        )
        world.records.setdefault("report", {})[county] = report["id"]
        imported = await _check(
            await client.post(
                "/api/v1/enterprise-imports",
                json=[
                    {"credit_code": new_credit_code(), "name": f"导入测试{county}", "county_code": county},
                    {"credit_code": "not-a-credit-code", "name": "坏行", "county_code": county},
                ],
                params={"all_or_nothing": "false"},  # the bad row leaves an error workbook to download
                headers=headers,
            ),
            200,
            201,
        )
        world.records.setdefault("import", {})[county] = imported["id"]
        draw = await _check(
            await client.post(
                f"/api/v1/plans/{world.rec('plan', county)}/draws",
                json={
                    "county_code": county,
                    "count": 1,
                    "due_from": today_in_china().isoformat(),
                    "due_until": date(YEAR, 12, 31).isoformat(),
                },
                headers=prefectures[county],
            ),
            201,
        )
        world.records.setdefault("draw", {})[county] = draw["id"]
        pool = await _check(
            await client.post(
                f"/api/v1/plans/{world.rec('plan', county)}/draw-pools",
                json={
                    "county_code": county,
                    "count": 1,
                    "due_from": today_in_china().isoformat(),
                    "due_until": date(YEAR, 12, 31).isoformat(),
                },
                headers=prefectures[county],
            ),
            201,
        )
        world.records.setdefault("draw_pool", {})[county] = pool["id"]
    for shared, counties in ((world.shared, (TACHENG, WUSU)), (world.far, (YINING,))):
        async with world.sessionmaker() as session:
            published = [
                str((await make_visit_record(session, world.records["enterprise"][c], date(YEAR, 3, 1))).id)
                for c in counties
            ]
        disclosure = await _check(
            await client.post(
                "/api/v1/disclosures",
                json={"year": YEAR, "period": "h1", "review_note": "已审核", "visit_ids": published},
                headers=prefectures[counties[0]],
            ),
            201,
        )
        shared["disclosure"] = disclosure["id"]
    async with world.sessionmaker() as session:
        for county in COUNTIES:
            enterprise = world.records["enterprise"][county]
            visit_id = uuid.UUID(world.records["visit"][county])
            visit = await session.get(Visit, visit_id)
            finding = await make_finding_record(session, visit, today_in_china(), today_in_china() + timedelta(days=30))
            world.records.setdefault("finding", {})[county] = finding.id
            owner = world.users["county_admin"] if county == TACHENG else world.records["user"][county]
            notification = Notification(
                user_id=owner.id,
                county_code=county,
                kind="deadline_soon",
                title="整改期限将至",
                body="整改期限将至",
                ref_type="finding",
                ref_id=finding.id,
                link=f"/api/v1/findings/{finding.id}",
                dedupe_key=f"world:{county}",
            )
            session.add(notification)
            world.records.setdefault("notification", {})[county] = notification.id
            entry = RiskListEntry(county_code=county, enterprise_id=enterprise.id, source="manual", problem="突出问题")
            session.add(entry)
            await session.commit()
            world.records.setdefault("risk_entry", {})[county] = entry.id
            follow_up = (
                await session.exec(select(SamplingFollowUp).where(SamplingFollowUp.county_code == county))
            ).first()
            assert follow_up is not None, "an unqualified sampling opens a follow-up"
            world.records.setdefault("follow_up", {})[county] = follow_up.id
            item = (
                await session.exec(
                    select(PlanItem).where(
                        PlanItem.plan_id == world.rec("plan", county), PlanItem.enterprise_id == enterprise.id
                    )
                )
            ).one()
            world.records.setdefault("plan_item", {})[county] = item.id
            assert (await session.exec(select(Draw).where(Draw.county_code == county))).first() is not None
            assert (
                await session.exec(select(EnterpriseImport).where(EnterpriseImport.county_code == county))
            ).first() is not None
    await _build_enterprise_side(world)


async def _build_enterprise_side(world: World) -> None:
    """Each county's enterprise, through its own account: a file, a rectification report and an extension request
    on its finding (both pending)."""
    for county in COUNTIES:
        account = world.records["enterprise_account"][county]
        token, _ = create_access_token(world.settings, account.id, account.token_version)
        headers = {"Authorization": f"Bearer {token}"}
        finding = f"/api/v1/findings/{world.records['finding'][county]}"
        upload = await world.client.post(
            "/api/v1/portal/files", files={"file": ("evidence.png", PNG, "image/png")}, headers=headers
        )
        file = await _check(upload, 201)
        world.records.setdefault("enterprise_file", {})[county] = file["id"]
        report = await _check(
            await world.client.post(
                f"{finding}/rectification-reports", json={"text": "已整改", "file_ids": [file["id"]]}, headers=headers
            ),
            201,
        )
        world.records.setdefault("rectification_report", {})[county] = report["id"]
        request = await _check(
            await world.client.post(
                f"{finding}/extension-requests", json={"days": 5, "reason": "设备待到货"}, headers=headers
            ),
            201,
        )
        world.records.setdefault("extension_request", {})[county] = request["id"]


@pytest.fixture(scope="module")
async def world(world_database: tuple[str, Any]) -> AsyncIterator[World]:
    url, uploads = world_database
    settings = Settings(env="test", database_url=url, secret_key=TEST_SECRET, upload_dir=uploads)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=("203.0.113.9", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        built = World(app=app, client=client, settings=settings, sessionmaker=app.state.sessionmaker)
        await _build(built)
        yield built
    await app.state.engine.dispose()
