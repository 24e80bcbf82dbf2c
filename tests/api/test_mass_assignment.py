"""Mass assignment (OWASP API3): read-only fields in a request body are refused with 422 naming the field —
never silently ignored — and a county user cannot set what only the prefecture may (county, risk class).

Generated from the route table: every operation with a JSON body model is sent the valid body of
tests/api/access_table.py plus one read-only field at a time. Read-only = the fields of the operation's response
model that its body model does not declare, plus the usual suspects (ids, timestamps, versions, audit fields,
status flags) — whichever the body model does not declare.
"""

from typing import Any

import pytest
from pydantic import BaseModel

from app.core.clock import today_in_china
from app.core.ratelimit import RateLimiter
from app.domain.permissions import ROLE_PERMISSIONS, Permission
from app.schemas.common import Input
from tests.api import record_factories
from tests.api.access_table import PARAMS, SHARED_KINDS, TABLE
from tests.api.record_factories import USER_CALLERS, World
from tests.api.test_access_matrix import ROUTES, params_of
from tests.builders import TACHENG, WUSU, new_credit_code

pytestmark = pytest.mark.anyio
world_database = record_factories.world_database  # module-scoped fixtures: the committed world
world = record_factories.world

USUAL_SUSPECTS = (
    "id",
    "created_at",
    "updated_at",
    "version",
    "created_by_id",
    "updated_by_id",
    "archived_at",
    "closed_at",
    "deleted_at",
    "status",
    "archived",
    "is_active",
    "county_code",
    "risk_class",
    "actor_id",
    "actor_name",
    "submitted_by_id",
    "reviewed_at",
    "reviewed_by_id",
    "password_hash",
    "token_version",
    "key_hash",
    "superseded",
    "late",
)
VALUE = {"id": "00000000-0000-4000-8000-000000000001", "version": 99, "risk_class": "A", "county_code": WUSU}


def _model(annotation: Any) -> type[BaseModel] | None:
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _fields(model: Any) -> set[str]:
    return set(model.model_fields) if model is not None else set()


def cases() -> list[Any]:
    out = []
    for (method, path), route in sorted(ROUTES.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        body = _model(route.body_field.field_info.annotation) if route.body_field else None
        if body is None or not issubclass(body, Input) or TABLE[(method, path)].body is None:
            continue
        response = _model(getattr(route, "response_model", None))
        read_only = (_fields(response) | set(USUAL_SUSPECTS)) - _fields(body)
        for name in sorted(read_only):
            out.append(pytest.param(method, path, name, id=f"{method} {path} +{name}"))
    return out


CASES = cases()


def _url(world: World, method: str, path: str, county: str = TACHENG) -> str:
    op = TABLE[(method, path)]
    for param in params_of(path):
        kind, _, attr = op.ids.get(param, PARAMS[param]).partition(".")
        record = world.shared[kind] if kind in SHARED_KINDS else world.records[kind][county]
        path = path.replace(f"{{{param}}}", str(getattr(record, attr) if attr else getattr(record, "id", record)))
    return path


def _names(problem: dict[str, Any]) -> set[str]:
    named = {str(part) for e in problem.get("errors", []) for part in e["loc"]}
    return named | {problem.get("detail") or ""}


def test_every_body_model_is_covered() -> None:
    bodies = {
        (m, p)
        for (m, p), r in ROUTES.items()
        if r.body_field and _model(r.body_field.field_info.annotation) is not None
    }
    covered = {(c.values[0], c.values[1]) for c in CASES}
    uncovered = {k for k in bodies - covered if issubclass(_model(ROUTES[k].body_field.field_info.annotation), Input)}
    assert not uncovered, f"body models without a valid body in access_table.py: {uncovered}"
    print(f"\nmass assignment: {len(CASES)} read-only fields over {len(covered)} operations")


def _caller_holding(permission: Any) -> str:
    """The business administrator, or the administrator whose duty the operation is (三权分立)."""
    holders = [name for name, (role, _) in USER_CALLERS.items() if permission in ROLE_PERMISSIONS[role]]
    return holders[0] if holders and "prefecture_admin" not in holders else "prefecture_admin"


@pytest.mark.parametrize(("method", "path", "field"), CASES)
async def test_a_read_only_field_in_a_body_is_refused_naming_it(world: World, method: str, path: str, field: str):
    op = TABLE[(method, path)]
    body = op.body(world, TACHENG)
    body[field] = VALUE.get(field, "2020-01-01T00:00:00Z" if field.endswith("_at") else True)
    headers = world.token(_caller_holding(op.perm))
    if path.startswith("/api/v1/auth/"):  # a sign-in's rate limit (20/minute an address) is not what is tested here
        world.app.state.rate_limiter = RateLimiter()
    response = await world.client.request(method, _url(world, method, path), json=body, headers=headers)
    assert response.status_code == 422, f"{field} was accepted: {response.status_code} {response.text[:300]}"
    assert field in {str(part) for e in response.json()["errors"] for part in e["loc"]}, response.text


# --- what a county user may not set, although the body model has the field ----------------------------------

SEMANTIC = [
    pytest.param(
        "POST",
        "/api/v1/enterprises",
        lambda w: {"credit_code": new_credit_code(), "name": "县里新企业", "county_code": TACHENG, "risk_class": "A"},
        "risk_class",
        id="county admin creates an enterprise with a risk class",
    ),
    pytest.param(
        "PATCH",
        "/api/v1/enterprises/{enterprise_id}",
        lambda w: {"risk_class": "D"},
        "risk_class",
        id="county admin re-classifies an enterprise",
    ),
    pytest.param(
        "PATCH",
        "/api/v1/enterprises/{enterprise_id}",
        lambda w: {"county_code": WUSU},
        "county_code",
        id="county admin moves an enterprise to another county",
    ),
    pytest.param(
        "POST",
        "/api/v1/enterprise-imports",
        lambda w: [{"credit_code": new_credit_code(), "name": "导入", "county_code": TACHENG, "risk_class": "A"}],
        "risk_class",
        id="county admin imports a row with a risk class",
    ),
    pytest.param(
        "POST",
        "/api/v1/users",
        lambda w: {
            "username": f"boss_{new_credit_code()[-6:]}",
            "full_name": "越权",
            "role": "prefecture_admin",
            "password": "Correct-Horse-10!",
        },
        "role",
        id="county admin creates a prefecture admin",
    ),
    pytest.param(
        "PATCH",
        "/api/v1/plans/{plan_id}/items/{item_id}",
        lambda w: {"required_visits": 0, "reason": "减少频次"},
        "required_visits",
        id="county admin lowers a plan line below the rule",
    ),
]


async def _snapshot(world: World) -> dict[str, Any]:
    headers = world.token("prefecture_admin")
    enterprise = world.records["enterprise"][TACHENG]
    read = (await world.client.get(f"/api/v1/enterprises/{enterprise.id}", headers=headers)).json()
    accounts = world.token("system_admin")
    users = (await world.client.get("/api/v1/users", params={"role": "prefecture_admin"}, headers=accounts)).json()
    listed = (await world.client.get("/api/v1/enterprises", params={"limit": 1}, headers=headers)).json()
    return {
        "enterprise": {k: read[k] for k in ("risk_class", "county_code", "version")},
        "prefecture_admins": users["total"],
        "enterprises": listed["total"],
    }


@pytest.mark.parametrize(("method", "path", "body", "field"), SEMANTIC)
async def test_a_county_user_cannot_set_what_only_the_prefecture_may(
    world: World, method: str, path: str, body: Any, field: str
) -> None:
    before = await _snapshot(world)
    headers = world.records["county_admin_headers"][TACHENG]
    response = await world.client.request(method, _url(world, method, path), json=body(world), headers=headers)
    assert response.status_code in (403, 422), f"{field}: {response.status_code} {response.text[:300]}"
    if response.status_code == 422:
        assert any(field in name for name in _names(response.json())), response.text
    assert await _snapshot(world) == before, "nothing may change"


async def test_an_archived_visit_is_read_only(world: World) -> None:
    headers = world.records["county_admin_headers"][TACHENG]
    url = f"/api/v1/visits/{world.records['visit'][TACHENG]}"
    before = (await world.client.get(url, headers=headers)).json()
    response = await world.client.patch(url, json={"notes": "改写已归档记录"}, headers=headers)
    assert response.status_code == 409, response.text
    after = (await world.client.get(url, headers=headers)).json()
    assert after["notes"] == before["notes"] and after["version"] == before["version"]


async def test_a_service_account_cannot_be_given_a_scope_that_is_never_delegated(world: World) -> None:
    headers = world.token("system_admin")
    for scope in (Permission.USERS_WRITE, Permission.USERS_SECURITY, Permission.AUDIT_READ, "root"):
        body = {"name": f"svc_{today_in_china():%m%d}_{str(scope)[:4]}", "scopes": [str(scope)]}
        response = await world.client.post("/api/v1/service-accounts", json=body, headers=headers)
        assert response.status_code == 422, f"{scope}: {response.status_code} {response.text[:300]}"
        assert any("scopes" in name for name in _names(response.json()))
