"""The access matrix (OWASP API1 BOLA / API5 BFLA): every operation of the app's own route table × every kind of
caller × a record of the caller's county (塔城市 654201), of another county of the same prefecture (乌苏市 654202),
and of a county of another prefecture (伊宁市 654002, 伊犁哈萨克自治州: "far", with that prefecture's own plan,
disclosure and service account).

Nothing here is a hand-written expectation per test: tests/api/access_table.py says what each operation needs
and which records it touches; the outcome of each cell follows from that and the role table in
app/domain/permissions.py:

- anonymous → 401 (public endpoints excepted);
- a caller without the permission (or a service key without the scope) → 403;
- a county-bound caller (county users, a county-bound service key) on another county's record → 404;
- every caller below the region (塔城地区's prefecture roles and administrators too) on the other prefecture's
  record → 404; the region's callers see both prefectures;
- otherwise the caller is let in: anything but 401/403/404 (a 409/422 from the state of the record is fine);
- never a 5xx, in any cell. A prefecture viewer never mutates: every mutating operation is 403 for it.

A route missing from the table, or an entry without a route, fails `test_every_route_has_an_entry…`.
Records are built once per module on a committed database (tests/api/record_factories.py).
"""

import re
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from app.core.config import Settings
from app.domain.permissions import ROLE_PERMISSIONS, SERVICE_SCOPES, Permission
from app.main import create_app
from tests.api import record_factories
from tests.api.access_table import PARAMS, PUBLIC, QUERY, SHARED_KINDS, SIGNED_IN, TABLE, Op
from tests.api.conftest import TEST_SECRET
from tests.api.record_factories import USER_CALLERS, YINING, World
from tests.builders import TACHENG, WUSU

pytestmark = pytest.mark.anyio
world_database = record_factories.world_database  # module-scoped fixtures: the committed world
world = record_factories.world

CALLERS = (  # least privileged first: a mutation that succeeds runs after every cell that must be refused
    "anonymous",
    "service_without_scope",
    "audit_admin",
    "security_admin",
    "system_admin",
    "prefecture_viewer",
    "region_viewer",
    "region_admin",
    "enterprise_user",
    "county_inspector",
    "county_admin",
    "service_with_scope",
    "prefecture_admin",
)
COUNTY_BOUND = frozenset(
    {"county_admin", "county_inspector", "enterprise_user", "service_with_scope", "service_without_scope"}
)
REGION_WIDE = frozenset({"region_viewer", "region_admin"})  # every other caller sits in 塔城地区 or below it
DENIED = frozenset({401, 403, 404})
ALLOWED = "allowed"

# Known bugs, one cell each: (method, path, caller, where) -> reason. Each stays a strict xfail until fixed.
BUGS: dict[tuple[str, str, str, str], str] = {}


def route_table() -> dict[tuple[str, str], APIRoute]:
    app = create_app(Settings(env="test", database_url="sqlite+aiosqlite://", secret_key=TEST_SECRET))
    routes: dict[tuple[str, str], APIRoute] = {}
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            for method in context.methods:
                routes[(method, context.path)] = context
    return routes


ROUTES = route_table()


def params_of(path: str) -> list[str]:
    return re.findall(r"{(\w+)}", path)


def record_kinds(method: str, path: str) -> list[str]:
    op = TABLE[(method, path)]
    return [op.ids.get(p, PARAMS[p]).split(".")[0] for p in params_of(path)]


def is_county_scoped(method: str, path: str) -> bool:
    op = TABLE[(method, path)]
    return op.body_county or any(kind not in SHARED_KINDS for kind in record_kinds(method, path))


def mutates(method: str, op: Op) -> bool:
    return op.mutates if op.mutates is not None else method != "GET"


def may(caller: str, permission: Permission) -> bool:
    if caller == "service_with_scope":
        return permission in SERVICE_SCOPES
    if caller == "service_without_scope":
        return False
    return permission in ROLE_PERMISSIONS[USER_CALLERS[caller][0]]


def expected(method: str, path: str, caller: str, where: str) -> Any:
    """The outcome of one cell: a set of statuses, or ALLOWED."""
    op = TABLE[(method, path)]
    if op.perm == PUBLIC:
        return ALLOWED
    if caller == "anonymous":
        return {401}
    if caller.startswith("service") and op.service_status is not None:
        return {op.service_status}
    if op.perm != SIGNED_IN and not may(caller, Permission(op.perm)):
        return {403}
    if where == "other" and caller in COUNTY_BOUND:
        return set(op.other)
    if where == "far" and caller not in REGION_WIDE:
        return set(op.other)
    return ALLOWED


@dataclass(frozen=True)
class Cell:
    method: str
    path: str
    caller: str
    where: str  # own | other | far (another prefecture's) | - (no record involved)

    @property
    def id(self) -> str:
        return f"{self.method} {self.path} | {self.caller} | {self.where}"


def cells() -> list[Any]:
    out = []
    ordered = sorted(TABLE, key=lambda k: (k[0] != "GET", k[1]))  # reads first, then writes
    for method, path in ordered:
        if (method, path) not in ROUTES:
            continue
        op = TABLE[(method, path)]
        wheres = ("own", "other") if is_county_scoped(method, path) else ("-",)
        if op.body_county or record_kinds(method, path):
            wheres += ("far",)
        for caller in CALLERS:
            if caller == "service_without_scope" and op.perm in (PUBLIC, SIGNED_IN):
                continue  # no scope to be without
            for where in wheres:
                cell = Cell(method, path, caller, where)
                marks = []
                if (method, path, caller, where) in BUGS:
                    marks.append(pytest.mark.xfail(strict=True, reason=BUGS[(method, path, caller, where)]))
                out.append(pytest.param(cell, id=cell.id, marks=marks))
    return out


CELLS = cells()


def _value(world: World, kind: str, county: str) -> str:
    name, _, attr = kind.partition(".")
    record = world.rec(name, county) if name in SHARED_KINDS else world.records[name][county]
    value = getattr(record, attr) if attr else getattr(record, "id", record)
    return str(value)


def headers_for(world: World, caller: str, op: Op) -> dict[str, str]:
    if caller == "anonymous":
        return {}
    if caller == "service_with_scope":
        perm = Permission.ENTERPRISES_READ if op.perm in (PUBLIC, SIGNED_IN) else Permission(op.perm)
        return {"X-API-Key": world.scoped_keys[perm]}
    if caller == "service_without_scope":
        return {"X-API-Key": world.unscoped_keys[Permission(op.perm)]}
    if op.fresh_token or caller not in _TOKENS:
        token = world.token(caller)
        if op.fresh_token:
            return token
        _TOKENS[caller] = token
    return _TOKENS[caller]


_TOKENS: dict[str, dict[str, str]] = {}


async def call(world: World, cell: Cell, headers: dict[str, str]) -> Any:
    url, kwargs = request_for(world, cell, headers)
    return await world.client.request(cell.method, url, **kwargs)


def request_for(world: World, cell: Cell, headers: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """The URL and the httpx arguments of one cell's request (its body drawn once: a retry sends the same)."""
    op = TABLE[(cell.method, cell.path)]
    county = {"other": WUSU, "far": YINING}.get(cell.where, TACHENG)
    url = cell.path
    for param in params_of(cell.path):
        url = url.replace(f"{{{param}}}", _value(world, op.ids.get(param, PARAMS[param]), county))
    kwargs: dict[str, Any] = {"headers": headers, "params": QUERY.get((cell.method, cell.path), {})}
    if op.body is not None:
        kwargs["json"] = op.body(world, county)
    if op.form is not None:
        kwargs["data"] = op.form(world, county)
    if op.files is not None:
        kwargs["files"] = op.files(world, county)
    return url, kwargs


# --- the table and the route table agree --------------------------------------------------------------------


def test_every_route_has_an_entry_and_every_entry_a_route() -> None:
    routes, table = set(ROUTES), set(TABLE)
    assert not routes - table, f"routes without an access-matrix entry (add them to access_table.py): {routes - table}"
    assert not table - routes, f"entries for routes that no longer exist: {table - routes}"


def _guards(route: Any) -> set[str]:
    names: set[str] = set()
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        call_ = getattr(dependant, "call", None)
        name = getattr(call_, "__name__", "")
        if name.startswith("require_"):
            names.add(name)
        elif name.startswith("get_actor"):  # get_actor_enrolling, …: signed in, whatever the session may do
            names.add("get_actor")
        stack.extend(dependant.dependencies)
    return names


@pytest.mark.parametrize("key", sorted(TABLE), ids=lambda k: f"{k[0]} {k[1]}")
def test_the_table_names_the_permission_the_route_demands(key: tuple[str, str]) -> None:
    if key not in ROUTES:
        pytest.skip("no such route (reported by the completeness test)")
    op, guards = TABLE[key], _guards(ROUTES[key])
    if op.perm == PUBLIC:
        assert "get_actor" not in guards, "a public entry on a route that demands a caller"
    elif op.perm == SIGNED_IN:
        assert guards == {"get_actor"}, f"signed-in entry, but the route demands {guards}"
    else:
        assert f"require_{Permission(op.perm).name.lower()}" in guards, f"table says {op.perm}, route has {guards}"
    for param in params_of(key[1]):
        assert param in PARAMS or param in op.ids, f"no record kind for path parameter {param}"


@pytest.mark.parametrize("viewer", ["prefecture_viewer", "region_viewer"])
def test_a_viewer_never_mutates(viewer: str) -> None:
    """Every mutating operation is 403 for a viewer; the non-GETs that do not mutate say why."""
    for (method, path), op in TABLE.items():
        if mutates(method, op):
            for where in ("own", "other", "far", "-"):
                assert expected(method, path, viewer, where) == {403}, f"{method} {path}"
        elif method != "GET":
            assert op.why, f"{method} {path} is a non-GET marked as not mutating without a reason"


OWN_THINGS = ("/api/v1/me", "/api/v1/auth/", "/api/v1/jurisdictions", "/api/v1/vocabularies")  # + reference data
DUTY_PATHS = {
    "system_admin": ("/api/v1/users", "/api/v1/service-accounts"),
    "security_admin": ("/api/v1/users",),
    "audit_admin": ("/api/v1/audit-events",),
}


@pytest.mark.parametrize("caller", sorted(DUTY_PATHS))
def test_an_administrator_is_let_in_only_to_their_duty_and_their_own_things(caller: str) -> None:
    """三权分立: whatever the table grows to, an administrator reaches no business operation."""
    for (method, path), op in TABLE.items():
        if op.perm != PUBLIC and expected(method, path, caller, "-") == ALLOWED:
            assert path.startswith(DUTY_PATHS[caller] + OWN_THINGS), f"{caller} is let in to {method} {path}"


def test_the_business_administrator_is_refused_every_account_and_audit_operation() -> None:
    for method, path in TABLE:
        if path.startswith(("/api/v1/users", "/api/v1/service-accounts", "/api/v1/audit-events")):
            assert expected(method, path, "prefecture_admin", "-") == {403}, f"{method} {path}"


def test_the_region_issues_nothing_to_counties() -> None:
    """区 reads and rolls up; whatever the table grows to, the region's callers write only their own subscriptions."""
    for (method, path), op in TABLE.items():
        if mutates(method, op) and op.perm not in (PUBLIC, SIGNED_IN):
            for caller in REGION_WIDE:
                if expected(method, path, caller, "own") == ALLOWED:
                    assert path.startswith("/api/v1/webhook-subscriptions"), f"{caller} may {method} {path}"


def test_the_matrix_has_a_cell_for_every_operation_caller_and_county() -> None:
    operations = {(c.values[0].method, c.values[0].path) for c in CELLS}
    assert operations == set(ROUTES) & set(TABLE)
    print(f"\naccess matrix: {len(CELLS)} cells over {len(operations)} operations")
    assert len(CELLS) > 7 * len(operations)


# --- the cells ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", CELLS)
async def test_cell(world: World, cell: Cell) -> None:
    op = TABLE[(cell.method, cell.path)]
    response = await call(world, cell, headers_for(world, cell.caller, op))
    status = response.status_code
    want = expected(cell.method, cell.path, cell.caller, cell.where)
    detail = f"{cell.id}: got {status} {response.text[:400]}"
    assert status < 500, detail
    if want == ALLOWED:
        assert status not in DENIED - set(op.also_allowed), f"refused, but should be let in — {detail}"
    else:
        assert status in want, f"expected {sorted(want)} — {detail}"
        if status in DENIED:
            assert response.headers["content-type"].startswith("application/problem+json"), detail


def test_cell_ids_are_unique() -> None:
    ids = [c.id for c in CELLS]
    assert len(ids) == len(set(ids))
