"""Idempotency keys are kept for 24 hours: the calendar's `purge-idempotency-keys` removes the older ones (so the
table does not grow for ever) and keeps the younger ones, whose retries are still answered from them. A kept answer
is sent again only to a caller who may still make the request: the permission is checked before the replay."""

from datetime import timedelta

import pytest
from sqlmodel import select

from app.core.idempotency import KEPT_FOR
from app.domain.permissions import Role
from app.models import IdempotentRequest
from app.models.base import utcnow
from app.worker.calendar import BY_NAME, run_entry
from tests.builders import TACHENG, as_role, new_credit_code

pytestmark = pytest.mark.anyio


def _answered(key: str, age: timedelta) -> IdempotentRequest:
    return IdempotentRequest(
        scope="user:purge-test",
        key=key,
        request_sha256="0" * 64,
        status_code=201,
        body=b"{}",
        created_at=utcnow() - age,
    )


async def test_the_nightly_purge_removes_keys_older_than_a_day_and_keeps_the_younger(app, session):  # noqa: ARG001  (the app installs the audit hooks)
    session.add_all(
        [
            _answered("two-days", timedelta(days=2)),
            _answered("just-past", KEPT_FOR + timedelta(minutes=1)),
            _answered("an-hour", timedelta(hours=1)),
            _answered("just-under", KEPT_FOR - timedelta(minutes=1)),
        ]
    )
    await session.commit()

    summary = await run_entry(session, BY_NAME["purge-idempotency-keys"], utcnow().date())
    await session.commit()

    kept = await session.exec(select(IdempotentRequest.key).where(IdempotentRequest.scope == "user:purge-test"))
    assert sorted(kept.all()) == ["an-hour", "just-under"]
    assert summary.startswith("2 idempotency key(s)")


async def test_a_second_purge_the_same_night_removes_nothing_more(app, session):  # noqa: ARG001
    session.add(_answered("old", timedelta(days=3)))
    await session.commit()
    await run_entry(session, BY_NAME["purge-idempotency-keys"], utcnow().date())
    again = await run_entry(session, BY_NAME["purge-idempotency-keys"], utcnow().date())
    assert again.startswith("0 idempotency key(s)")


async def test_a_replay_is_refused_to_a_caller_who_has_since_lost_the_permission(client, session):
    user, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    keyed = headers | {"Idempotency-Key": "lost-permission"}
    body = {"credit_code": new_credit_code(), "name": "塔城市重放测试有限公司", "county_code": TACHENG}
    first = await client.post("/api/v1/enterprises", json=body, headers=keyed)
    assert first.status_code == 201, first.text

    user.role = Role.COUNTY_INSPECTOR  # may read the ledger, no longer write it
    session.add(user)
    await session.commit()

    again = await client.post("/api/v1/enterprises", json=body, headers=keyed)
    assert again.status_code == 403, again.text
    assert again.json()["code"] != "" and again.json() != first.json()


async def test_a_replay_still_answers_a_caller_who_keeps_the_permission(client, session):
    _, headers = await as_role(client, session, Role.COUNTY_ADMIN)
    keyed = headers | {"Idempotency-Key": "kept-permission"}
    body = {"credit_code": new_credit_code(), "name": "塔城市重放测试二有限公司", "county_code": TACHENG}
    first = await client.post("/api/v1/enterprises", json=body, headers=keyed)
    again = await client.post("/api/v1/enterprises", json=body, headers=keyed)
    assert (again.status_code, again.json()) == (first.status_code, first.json()) == (201, first.json())
