"""Shared steps of the plan tests: a fixed 'today', signing in per role, generating and issuing a plan."""

from datetime import date
from typing import Any

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.deps import local_today
from app.domain.permissions import Role
from tests.builders import as_role

TODAY = date(2026, 7, 1)
YEAR = 2026


def freeze_today(app: Any, day: date = TODAY) -> None:
    app.dependency_overrides[local_today] = lambda: day


async def prefecture(client: httpx.AsyncClient, session: AsyncSession) -> dict[str, str]:
    _, headers = await as_role(client, session, Role.PREFECTURE_ADMIN)
    return headers


async def county_admin(client: httpx.AsyncClient, session: AsyncSession, county_code: str) -> dict[str, str]:
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN, county_code)
    return headers


async def generate(client: httpx.AsyncClient, headers: dict[str, str], year: int = YEAR) -> dict[str, Any]:
    response = await client.post("/api/v1/plans", json={"year": year}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def issue(client: httpx.AsyncClient, headers: dict[str, str], plan_id: str) -> dict[str, Any]:
    response = await client.post(f"/api/v1/plans/{plan_id}/issue", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def items(
    client: httpx.AsyncClient, headers: dict[str, str], plan_id: str, **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/plans/{plan_id}/items", params={"limit": 200, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def line_of(lines: list[dict[str, Any]], enterprise_id: Any) -> dict[str, Any]:
    [line] = [x for x in lines if x["enterprise_id"] == str(enterprise_id)]
    return line
