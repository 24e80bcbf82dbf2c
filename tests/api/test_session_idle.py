"""A session unused for 30 minutes (REFRESH_IDLE_MINUTES) ends: its refresh token is refused and its family
revoked. Each refresh issues a new refresh token, so a client in use never meets the limit. Time is injected."""

from datetime import timedelta

import pytest

from app.core.deps import utc_now
from app.models.base import utcnow
from tests.builders import PASSWORD, make_user

pytestmark = pytest.mark.anyio
REFRESH = "/api/v1/auth/refresh"


@pytest.fixture
def clock(app):
    """Moves the app's `now`; starts at the real now."""
    state = {"now": utcnow()}
    app.dependency_overrides[utc_now] = lambda: state["now"]
    yield state
    app.dependency_overrides.pop(utc_now, None)


async def _signed_in(client, session):
    user = await make_user(session)
    response = await client.post("/api/v1/auth/token", data={"username": user.username, "password": PASSWORD})
    return response.json()["refresh_token"]


async def _refresh(client, token):
    return await client.post(REFRESH, json={"refresh_token": token})


async def test_a_refresh_token_used_within_thirty_minutes_rotates(client, session, clock):
    token = await _signed_in(client, session)
    clock["now"] += timedelta(minutes=29, seconds=59)
    assert (await _refresh(client, token)).status_code == 200


async def test_a_refresh_token_unused_for_thirty_minutes_ends_its_session(client, session, clock):
    token = await _signed_in(client, session)
    clock["now"] += timedelta(minutes=30)
    response = await _refresh(client, token)
    assert response.status_code == 401
    assert response.json()["type"].endswith("/session-idle")
    clock["now"] -= timedelta(minutes=30)  # even back in time the session stays ended: its family is revoked
    assert (await _refresh(client, token)).status_code == 401


async def test_each_refresh_restarts_the_idle_clock(client, session, clock):
    token = await _signed_in(client, session)
    for _ in range(4):  # two hours in all, never 30 minutes without a refresh
        clock["now"] += timedelta(minutes=25)
        response = await _refresh(client, token)
        assert response.status_code == 200
        token = response.json()["refresh_token"]


async def test_the_idle_limit_is_a_setting(client, session, clock, app, settings):
    app.state.settings = settings.model_copy(update={"refresh_idle_minutes": 10})
    token = await _signed_in(client, session)
    clock["now"] += timedelta(minutes=10)
    assert (await _refresh(client, token)).status_code == 401
