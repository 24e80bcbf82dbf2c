"""make_user / make_service_account / sign_in: test data with sensible defaults, any field overridable."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
from argon2 import PasswordHasher
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.security import hash_password, new_api_key
from app.domain.credit_code import make_credit_code
from app.domain.permissions import Role
from app.models import Enterprise, Licence, RiskSignal, ServiceAccount, User

PASSWORD = "Correct-Horse-9"
# The users the builders make share one hash at argon2's lightest cost: a hash carries its own parameters, so their
# sign-ins are checked in a millisecond instead of a tenth of a second, hundreds of times a run. Every password the
# app hashes itself (a user created or a password set through the API, `make_user(password=...)`) has its full cost.
_PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)

TACHENG = "654201"  # 塔城市
WUSU = "654202"  # 乌苏市
TACHENG_PREFECTURE = "654200"  # 塔城地区
REGION = "650000"  # 新疆维吾尔自治区


def node_for(role: Role, county: str | None) -> str:
    """The node an account of `role` belongs to by default: its county, the region, or 塔城地区."""
    return county or (REGION if role.is_region_level else TACHENG_PREFECTURE)


async def make_user(session: AsyncSession, role: Role = Role.COUNTY_INSPECTOR, **overrides: Any) -> User:
    county = overrides.pop("county_code", TACHENG if role.is_county_bound else None)
    fields: dict[str, Any] = {
        "username": f"u_{uuid.uuid4().hex[:10]}",
        "full_name": "测试用户",
        "role": role.value,
        "county_code": county,
        "jurisdiction_code": overrides.pop("jurisdiction_code", node_for(role, county)),
        "password_hash": _PASSWORD_HASH,
    }
    if role is Role.COUNTY_INSPECTOR:
        fields |= {
            "credential_no": f"6542{uuid.uuid4().int % 10**8:08d}",
            "credential_valid_from": date(2024, 1, 1),
            "credential_valid_until": date(2030, 12, 31),
        }
    if "password" in overrides:
        fields["password_hash"] = hash_password(overrides.pop("password"))
    user = User(**(fields | overrides))
    session.add(user)
    await session.commit()
    return user


async def make_service_account(
    session: AsyncSession, scopes: list[str], county_code: str | None = None, **overrides: Any
) -> tuple[ServiceAccount, str]:
    key, prefix, key_hash = new_api_key()
    account = ServiceAccount(
        name=f"svc_{uuid.uuid4().hex[:8]}",
        scopes=scopes,
        county_code=county_code,
        jurisdiction_code=overrides.pop("jurisdiction_code", county_code or TACHENG_PREFECTURE),
        key_prefix=prefix,
        key_hash=key_hash,
        **overrides,
    )
    session.add(account)
    await session.commit()
    return account, key


async def sign_in(client: httpx.AsyncClient, user: User, password: str = PASSWORD) -> dict[str, str]:
    response = await client.post("/api/v1/auth/token", data={"username": user.username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def as_role(
    client: httpx.AsyncClient, session: AsyncSession, role: Role, county_code: str | None = None
) -> tuple[User, dict[str, str]]:
    kwargs = {"county_code": county_code} if county_code else {}
    user = await make_user(session, role, **kwargs)
    return user, await sign_in(client, user)


_ENTERPRISE_SEQ = iter(range(1, 10**9))


def new_credit_code() -> str:
    """A fresh valid unified social credit code (91 = enterprise, 654201 region, random body)."""
    body = f"91654201{uuid.uuid4().int % 10**8:08d}{next(_ENTERPRISE_SEQ) % 10}"
    return make_credit_code(body)


async def make_enterprise(session: AsyncSession, **overrides: Any) -> Enterprise:
    """An operating class-B enterprise in 塔城市 (654201) with a valid generated credit code."""
    fields: dict[str, Any] = {
        "credit_code": new_credit_code(),
        "name": f"塔城测试制造有限公司{uuid.uuid4().hex[:6]}",
        "county_code": TACHENG,
        "risk_class": "B",
        "status": "operating",
        "address": "塔城市光明路1号",
        "legal_representative": "张三",
        "industry": "建材",
        "main_products": "水泥",
        "contact_person": "李四",
        "contact_phone": "0901-6221234",
    }
    enterprise = Enterprise(**(fields | overrides))
    session.add(enterprise)
    await session.commit()
    return enterprise


async def make_licence(session: AsyncSession, enterprise_id: uuid.UUID, **overrides: Any) -> Licence:
    """A valid licence for 水泥 expiring 2028-12-31."""
    fields: dict[str, Any] = {
        "enterprise_id": enterprise_id,
        "licence_no": f"新XK08-001-{uuid.uuid4().int % 10**5:05d}",
        "product_category": "水泥",
        "issued_on": date(2023, 1, 1),
        "expires_on": date(2028, 12, 31),
    }
    licence = Licence(**(fields | overrides))
    session.add(licence)
    await session.commit()
    return licence


async def make_signal(session: AsyncSession, enterprise_id: uuid.UUID, **overrides: Any) -> RiskSignal:
    """An open substantiated complaint dated 2026-03-01."""
    fields: dict[str, Any] = {
        "enterprise_id": enterprise_id,
        "kind": "complaint",
        "occurred_on": date(2026, 3, 1),
        "source": "12315",
        "substantiated": True,
    }
    signal = RiskSignal(**(fields | overrides))
    session.add(signal)
    await session.commit()
    return signal


# --- visits and findings (issue 6) ---------------------------------------------------------------------------

CHECKLIST_ITEMS = (
    "production_environment",
    "incoming_inspection",
    "process_control",
    "outgoing_inspection",
    "storage_delivery",
    "labelling",
    "nonconforming_products",
    "personnel",
    "incident_handling",
    "records",
)


def full_checklist(licence_holder: bool = False, **overrides: Any) -> dict[str, Any]:
    """Every applicable item conforming; `labelling={"result": "nonconforming", "note": ...}` overrides one."""
    items = {item: {"result": "conforming"} for item in CHECKLIST_ITEMS}
    items["licence_conditions"] = (
        {"result": "conforming"} if licence_holder else {"result": "not_applicable", "note": "企业未取得生产许可证"}
    )
    return items | overrides


async def make_inspectors(
    session: AsyncSession, n: int = 2, county_code: str = TACHENG, **overrides: Any
) -> list[User]:
    return [await make_user(session, Role.COUNTY_INSPECTOR, county_code=county_code, **overrides) for _ in range(n)]


def visit_body(enterprise: Enterprise, inspectors: list[User], **overrides: Any) -> dict[str, Any]:
    """A complete, valid routine patrol of yesterday (Beijing time), ready to submit."""
    from datetime import timedelta

    from app.core.deps import local_today

    body: dict[str, Any] = {
        "enterprise_id": str(enterprise.id),
        "visit_type": "routine_patrol",
        "visit_date": (local_today() - timedelta(days=1)).isoformat(),
        "inspectors": [{"user_id": str(u.id), "credential_shown": True} for u in inspectors],
        "supervisory_functions": ["metrology"],
        "checklist": full_checklist(),
        "conclusion": "conforming",
        "representative_name": "王五",
        "representative_title": "质量负责人",
    }
    return body | overrides


async def post_visit(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/api/v1/visits", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def archived_visit(client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """A visit created and submitted (归档) over the API."""
    visit = await post_visit(client, headers, body)
    response = await client.post(f"/api/v1/visits/{visit['id']}/submit", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


# --- reports, disclosure, follow-ups (issue 7): records written straight to the tables -----------------------


async def make_visit_record(session: AsyncSession, enterprise: Enterprise, visit_date: date, **overrides: Any) -> Any:
    """An archived routine patrol of `enterprise` on `visit_date` (no inspectors: for counting, not for rules)."""
    from app.models import Visit

    fields: dict[str, Any] = {
        "enterprise_id": enterprise.id,
        "county_code": enterprise.county_code,
        "visit_type": "routine_patrol",
        "visit_date": visit_date,
        "status": "archived",
        "covers_full_checklist": True,
        "conclusion": "conforming",
    }
    visit = Visit(**(fields | overrides))
    session.add(visit)
    await session.commit()
    return visit


async def make_finding_record(
    session: AsyncSession, visit: Any, found_on: date, deadline: date, **overrides: Any
) -> Any:
    """An open general finding on `visit`."""
    from app.models import Finding

    fields: dict[str, Any] = {
        "visit_id": visit.id,
        "enterprise_id": visit.enterprise_id,
        "county_code": visit.county_code,
        "description": "标识标注不规范",
        "severity": "general",
        "found_on": found_on,
        "original_deadline": deadline,
        "deadline": deadline,
    }
    finding = Finding(**(fields | overrides))
    session.add(finding)
    await session.commit()
    return finding


async def make_issued_plan(
    session: AsyncSession, year: int, lines: list[tuple[Enterprise, int]], prefecture: str = TACHENG_PREFECTURE
) -> Any:
    """An issued plan of `year` with one line per (enterprise, required visits), generated and issued on January 1."""
    from app.models import Plan, PlanItem

    new_year = datetime(year, 1, 1, tzinfo=UTC)
    plan = Plan(
        prefecture_code=prefecture, year=year, status="issued", as_of=date(year, 1, 1), ruleset_year=2022,
        issued_at=new_year,
    )  # fmt: skip
    session.add(plan)
    for enterprise, required in lines:
        session.add(
            PlanItem(
                plan_id=plan.id,
                enterprise_id=enterprise.id,
                county_code=enterprise.county_code,
                risk_class=enterprise.risk_class,
                rule_minimum=required,
                required_visits=required,
                created_at=new_year,
            )
        )
    await session.commit()
    return plan
