"""make_user / make_service_account / sign_in: test data with sensible defaults, any field overridable."""

import uuid
from datetime import date
from typing import Any

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.permissions import Role
from app.models import ServiceAccount, User
from app.security import hash_password, new_api_key

PASSWORD = "Correct-Horse-9"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose

TACHENG = "654201"  # 塔城市
WUSU = "654202"  # 乌苏市


async def make_user(session: AsyncSession, role: Role = Role.COUNTY_INSPECTOR, **overrides: Any) -> User:
    county = overrides.pop("county_code", TACHENG if role.is_county_bound else None)
    fields: dict[str, Any] = {
        "username": f"u_{uuid.uuid4().hex[:10]}",
        "full_name": "测试用户",
        "role": role.value,
        "county_code": county,
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
