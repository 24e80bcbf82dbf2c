"""Idempotency-Key on every POST that creates or moves something (app/core/idempotency.py): a retry with the same
key and the same request gets the first answer again — same status, body and Location — and nothing is done twice
(no second audit event, no second change-feed event); the key with another request is 422 at the header; one
caller's key is never replayed to another.

The operations and their bodies come from the access matrix's table (tests/api/access_table.py), run on its
committed world, each by a caller the table lets in.
"""

import functools
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlmodel import func, select

from app.core.clock import today_in_china
from app.core.config import Settings
from app.core.idempotency import digest
from app.domain.permissions import Permission
from app.main import create_app
from app.models import AuditEvent, Event, Finding, IdempotentRequest
from tests.api import record_factories
from tests.api.access_table import TABLE
from tests.api.conftest import TEST_SECRET
from tests.api.record_factories import World
from tests.api.test_access_matrix import ALLOWED, Cell, expected, is_county_scoped, request_for
from tests.builders import TACHENG, archived_visit, visit_body

pytestmark = pytest.mark.anyio
world_database = record_factories.world_database
world = record_factories.world

KEY = "idempotency-key"
# POSTs that take no key: signing in and one's own credentials (a token pair or a secret is no record to replay),
# and creates whose answer holds a secret shown once (kept nowhere, so never replayed)
WITHOUT_KEY = {
    "/api/v1/auth/token",
    "/api/v1/auth/refresh",
    "/api/v1/auth/logout",
    "/api/v1/me/password",
    "/api/v1/me/two-factor",
    "/api/v1/me/two-factor/confirm",
    "/api/v1/service-accounts",
    "/api/v1/webhook-subscriptions",
    "/api/v1/enterprises/{enterprise_id}/invitations",  # its answer is the one-time code, shown once, never stored
    "/api/v1/auth/invitations/accept",  # a sign-up, spent once: like a sign-in, it takes no key
}
OWN_KEY = {"/api/v1/enterprise-imports"}  # the key stays on the import job (test_enterprise_imports.py)
CALLERS = (
    "enterprise_user",
    "county_inspector",
    "county_admin",
    "service_with_scope",
    "prefecture_admin",
    "security_admin",
    "system_admin",
)


def _posts_with_key() -> dict[str, bool]:
    document = create_app(Settings(env="test", database_url="sqlite+aiosqlite://", secret_key=TEST_SECRET)).openapi()
    return {
        path: any(p["in"] == "header" and p["name"].lower() == KEY for p in ops["post"].get("parameters", []))
        for path, ops in document["paths"].items()
        if "post" in ops
    }


POSTS = _posts_with_key()
KEYED = sorted(path for path, keyed in POSTS.items() if keyed and path not in OWN_KEY)


def test_every_post_but_sign_in_and_secrets_shown_once_declares_the_key() -> None:
    assert {path for path, keyed in POSTS.items() if not keyed} == WITHOUT_KEY


def _cell(path: str) -> Cell:
    where = "own" if is_county_scoped("POST", path) else "-"
    callers = (ASKED_BY[path],) if path in ASKED_BY else CALLERS
    caller = next(c for c in callers if expected("POST", path, c, where) == ALLOWED)
    return Cell("POST", path, caller, where)


# --- operations whose record in the shared world has moved on (or is of another caller): a fresh one each --------
ASKED_BY = {"/api/v1/me/notifications/{notification_id}/read": "county_admin"}  # the 塔城市 notification is theirs
REFUSED_HERE = {
    "/api/v1/plans/{plan_id}/class-suggestions/accept": "next year's classes are accepted only once the year is over",
    "/api/v1/enterprise-imports/{import_id}/cancel": "only a queued or running import job can be cancelled",
}
Prepared = tuple[str, dict[str, Any]]  # url, and the json body (absent: the table's)
REINSPECTION = {"visit_type": "reinspection", "visit_date": today_in_china().isoformat()}  # after the finding


async def _admin_visit(world: World, **overrides: Any) -> str:
    enterprise, inspectors = world.records["enterprise"][TACHENG], world.records["inspectors"][TACHENG]
    body = visit_body(enterprise, inspectors, **overrides)
    return (await archived_visit(world.client, world.token("county_admin"), body))["id"]


async def _created(world: World, url: str, body: dict[str, Any] | None = None) -> str:
    response = await world.client.post(url, json=body, headers=world.token("prefecture_admin"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _plan(world: World, years_ahead: int) -> str:
    return await _created(world, "/api/v1/plans", {"year": today_in_china().year + years_ahead})


async def _half(world: World) -> dict[str, Any]:
    await _admin_visit(world)  # something not yet published
    today = today_in_china()
    return {"year": today.year, "period": "h1" if today.month <= 6 else "h2", "review_note": "已审核"}


async def _finding(world: World) -> str:
    """A finding of its own for each step: one test's step never closes another's finding."""
    response = await world.client.post(
        f"/api/v1/visits/{world.records['visit'][TACHENG]}/findings",
        json={"description": "新问题"},
        headers=world.token("county_admin"),
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _step(world: World, step: str) -> Prepared:
    url = f"/api/v1/findings/{await _finding(world)}/{step}"
    if step != "reinspection":
        return url, {}
    return url, {"json": {"visit_id": await _admin_visit(world, **REINSPECTION), "result": "pass"}}


def _as_enterprise(world: World) -> dict[str, str]:
    return world.token("enterprise_user")


async def _asked(world: World, kind: str, body: dict[str, Any]) -> Prepared:
    """The enterprise's own request on a finding of its own (a finding holds one pending request of a kind)."""
    return f"/api/v1/findings/{await _finding(world)}/{kind}", {"json": body}


async def _answer(world: World, kind: str, body: dict[str, Any], answer: str) -> Prepared:
    """The county's answer to a fresh pending request of the enterprise."""
    url, sent = await _asked(world, kind, body)
    asked = await world.client.post(url, **sent, headers=_as_enterprise(world))
    assert asked.status_code == 201, asked.text
    return f"/api/v1/{kind}/{asked.json()['id']}/{answer}", {}


REPORT = {"text": "已整改完毕", "file_ids": []}
EXTENSION = {"days": 5, "reason": "设备待到货"}


async def _draw(world: World) -> Prepared:
    pool = TABLE[("POST", "/api/v1/plans/{plan_id}/draw-pools")].body(world, TACHENG)  # type: ignore[misc]
    pool_id = await _created(world, f"/api/v1/plans/{world.shared['plan']}/draw-pools", pool)
    return f"/api/v1/draw-pools/{pool_id}/draw", {}


async def _withdraw(world: World) -> Prepared:
    disclosure = await _created(world, "/api/v1/disclosures", await _half(world))
    return f"/api/v1/disclosures/{disclosure}/withdraw", {"json": {"reason": "复核中"}}  # the whole batch


PREPARE: dict[str, Callable[[World], Awaitable[Prepared]]] = {
    "/api/v1/plans/{plan_id}/refresh": lambda w: _then(_plan(w, 2), "/api/v1/plans/{}/refresh"),
    "/api/v1/plans/{plan_id}/issue": lambda w: _then(_plan(w, 3), "/api/v1/plans/{}/issue"),
    **{
        f"/api/v1/findings/{{finding_id}}/{step}": functools.partial(_step, step=step)
        for step in ("extension", "rectification", "reinspection", "refusal", "case")
    },
    "/api/v1/draw-pools/{pool_id}/draw": _draw,
    "/api/v1/findings/{finding_id}/rectification-reports": lambda w: _asked(w, "rectification-reports", REPORT),
    "/api/v1/findings/{finding_id}/extension-requests": lambda w: _asked(w, "extension-requests", EXTENSION),
    "/api/v1/rectification-reports/{rectification_report_id}/accept": lambda w: _answer(
        w, "rectification-reports", REPORT, "accept"
    ),
    "/api/v1/rectification-reports/{rectification_report_id}/return": lambda w: _answer(
        w, "rectification-reports", REPORT, "return"
    ),
    "/api/v1/extension-requests/{extension_request_id}/grant": lambda w: _answer(
        w, "extension-requests", EXTENSION, "grant"
    ),
    "/api/v1/extension-requests/{extension_request_id}/refuse": lambda w: _answer(
        w, "extension-requests", EXTENSION, "refuse"
    ),
    "/api/v1/disclosures": lambda w: _then(_half(w), "/api/v1/disclosures", as_body=True),
    "/api/v1/disclosures/{disclosure_id}/withdraw": _withdraw,
}


async def _then(made: Awaitable[Any], url: str, *, as_body: bool = False) -> Prepared:
    value = await made
    return (url, {"json": value}) if as_body else (url.format(value), {})


def _headers(world: World, caller: str, permission: Any) -> dict[str, str]:
    """A fresh credential of this module's world (the access matrix caches its own world's tokens)."""
    if caller == "service_with_scope":
        return {"X-API-Key": world.scoped_keys[Permission(permission)]}
    return world.token(caller)


async def _request(world: World, path: str) -> tuple[Cell, str, dict[str, Any]]:
    cell = _cell(path)
    url, kwargs = request_for(world, cell, _headers(world, cell.caller, TABLE[("POST", path)].perm))
    if path in PREPARE:
        url, body = await PREPARE[path](world)
        kwargs |= body
    return cell, url, kwargs


async def _written(world: World) -> tuple[int, int]:
    async with world.sessionmaker() as session:
        audited = (await session.exec(select(func.count()).select_from(AuditEvent))).one()
        events = (await session.exec(select(func.count()).select_from(Event))).one()
    return audited, events


async def _kept(world: World, key: str) -> int:
    async with world.sessionmaker() as session:
        return (await session.exec(select(func.count()).where(IdempotentRequest.key == key))).one()


def _another_request(kwargs: dict[str, Any]) -> dict[str, Any]:
    if "files" in kwargs:
        name, content, media_type = kwargs["files"]["file"]
        return kwargs | {"files": {"file": (name, content + b"\0", media_type)}}
    body = kwargs.get("json")
    return kwargs | {"json": body | {"another": "request"} if isinstance(body, dict) else {"another": "request"}}


@pytest.mark.parametrize("path", sorted(set(KEYED) - set(REFUSED_HERE)))
async def test_a_retry_with_the_key_gets_the_first_answer_and_another_request_with_it_is_refused(
    world: World, path: str
) -> None:
    _, url, kwargs = await _request(world, path)
    key = f"retry-{uuid.uuid4().hex}"
    kwargs["headers"] = kwargs["headers"] | {"Idempotency-Key": key}
    first = await world.client.post(url, **kwargs)
    assert first.is_success, first.text
    written = await _written(world)
    retry = await world.client.post(url, **kwargs)
    assert (retry.status_code, retry.content) == (first.status_code, first.content)
    assert retry.headers.get("Location") == first.headers.get("Location")
    assert retry.headers.get("ETag") == first.headers.get("ETag")
    other = await world.client.post(url, **_another_request(kwargs))
    assert other.status_code == 422, other.text
    assert other.json()["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert await _written(world) == written
    assert await _kept(world, key) == 1


@pytest.mark.parametrize("path", sorted(REFUSED_HERE))
async def test_a_refused_request_keeps_no_answer_and_its_retry_is_decided_again(world: World, path: str) -> None:
    _, url, kwargs = await _request(world, path)
    key = f"refused-{uuid.uuid4().hex}"
    kwargs["headers"] = kwargs["headers"] | {"Idempotency-Key": key}
    first = await world.client.post(url, **kwargs)
    assert first.status_code == 409, first.text
    assert await _kept(world, key) == 0
    retry = await world.client.post(url, **kwargs)
    assert (retry.status_code, retry.json()["detail"]) == (409, first.json()["detail"])


async def test_the_same_key_from_another_caller_is_theirs_and_not_replayed(world: World) -> None:
    visit_id = world.records["visit"][TACHENG]
    url = f"/api/v1/visits/{visit_id}/findings"
    key = {"Idempotency-Key": "shared-by-chance"}
    body = {"description": "同一键，两位执法人员"}
    mine = await world.client.post(url, json=body, headers=world.token("county_inspector") | key)
    theirs = await world.client.post(url, json=body, headers=world.token("county_admin") | key)
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    async with world.sessionmaker() as session:
        made = await session.exec(select(func.count()).where(Finding.id.in_([mine.json()["id"], theirs.json()["id"]])))
        assert made.one() == 2


async def test_a_key_whose_first_request_is_still_running_is_409(world: World) -> None:
    user = world.users["county_inspector"]
    url = f"/api/v1/visits/{world.records['visit'][TACHENG]}/findings"
    body = {"description": "重试"}
    running = digest("POST", url, [], json.dumps(body).encode(), "application/json")
    async with world.sessionmaker() as session:
        session.add(IdempotentRequest(scope=f"user:{user.id}", key="still-running", request_sha256=running))
        await session.commit()
    keyed = world.token("county_inspector") | {"Idempotency-Key": "still-running"}
    answer = await world.client.post(url, json=body, headers=keyed)
    assert answer.status_code == 409, answer.text
    assert (await world.client.post(url, json=body | {"description": "另一请求"}, headers=keyed)).status_code == 422
