"""A new installation is administered from the command line: whoever holds the server appoints the three
administrators (三权分立), and from then on each does their duty over the API."""

from collections.abc import Iterator

import httpx
import pyotp
import pytest

from app.cli import main
from app.core.config import Settings, get_settings
from app.main import create_app
from tests.api.conftest import TEST_SECRET

FIRST = "Install-Pass-2026"
ADMINISTRATORS = ("system_admin", "security_admin", "audit_admin")


@pytest.fixture
def installation(tmp_path, monkeypatch) -> Iterator[str]:  # noqa: ANN001
    url = f"sqlite+aiosqlite:///{tmp_path / 'zhijian.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("ENV", "test")
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    get_settings.cache_clear()
    main(["migrate"])
    main(["seed-jurisdictions"])
    for role in ADMINISTRATORS:
        main(["create-user", f"first_{role}", "--full-name", "首任", "--role", role, "--password", FIRST])
    yield url
    get_settings.cache_clear()


async def _sign_in(client: httpx.AsyncClient, username: str, password: str = FIRST) -> dict[str, str]:
    """An administrator's first sign-in: the password the server's holder gave them must be replaced first (their
    session may do nothing else); with their own, the password alone opens a session that may only enrol a second
    factor; enrolled and confirmed, the answer is a session signed in with both."""
    given = await client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert given.status_code == 200, given.text
    assert given.json()["restriction"] == "password-expired"
    changing = {"Authorization": f"Bearer {given.json()['access_token']}"}
    own = f"Own-{password}"
    body = {"old_password": password, "new_password": own}
    assert (await client.post("/api/v1/me/password", json=body, headers=changing)).status_code == 204
    response = await client.post("/api/v1/auth/token", data={"username": username, "password": own})
    assert response.status_code == 200, response.text
    assert response.json()["restriction"] == "two-factor-enrolment-required"
    enrolling = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert (await client.get("/api/v1/users", headers=enrolling)).status_code == 403
    secret = (await client.post("/api/v1/me/two-factor", headers=enrolling)).json()["secret"]
    confirmed = await client.post(
        "/api/v1/me/two-factor/confirm", json={"code": pyotp.TOTP(secret).now()}, headers=enrolling
    )
    assert confirmed.status_code == 200, confirmed.text
    return {"Authorization": f"Bearer {confirmed.json()['access_token']}"}


@pytest.mark.anyio
async def test_the_three_first_administrators_each_do_their_duty(installation: str) -> None:
    app = create_app(Settings(env="test", database_url=installation, secret_key=TEST_SECRET))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        system = await _sign_in(client, "first_system_admin")
        body = {"username": "tcs_first", "full_name": "首位执法人员", "role": "county_inspector"}
        body |= {"county_code": "654201", "password": "Strong-Pass-2026"}
        created = await client.post("/api/v1/users", json=body, headers=system)
        assert created.status_code == 201, created.text

        security = await _sign_in(client, "first_security_admin")
        role = {"role": "county_admin", "county_code": "654201"}
        moved = await client.put(f"/api/v1/users/{created.json()['id']}/role", json=role, headers=security)
        assert moved.status_code == 200, moved.text

        audit = await _sign_in(client, "first_audit_admin")
        events = (await client.get("/api/v1/audit-events", headers=audit, params={"limit": 200})).json()["items"]
        by_whom = {(e["action"], e["actor_name"]) for e in events}
        assert ("user.create", "system") in by_whom  # the command line's appointments are on the trail
        assert ("user.create", "first_system_admin") in by_whom
        assert ("user.role_change", "first_security_admin") in by_whom
    await app.state.engine.dispose()


@pytest.fixture
def helped(installation: str) -> str:
    """The auditor forgot their password, the security administrator left: no one may do either over the API."""
    main(["reset-password", "first_audit_admin", "--password", "Second-Pass-2026"])
    main(["deactivate-user", "first_security_admin"])
    return installation


@pytest.mark.anyio
async def test_an_administrator_who_forgot_their_password_or_leaves_is_helped_from_the_command_line(
    helped: str,
) -> None:
    app = create_app(Settings(env="test", database_url=helped, secret_key=TEST_SECRET))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await _sign_in(client, "first_audit_admin", "Second-Pass-2026")
        refused = await client.post("/api/v1/auth/token", data={"username": "first_security_admin", "password": FIRST})
        assert refused.status_code == 401
    await app.state.engine.dispose()


def test_the_command_line_refuses_in_one_line_not_a_traceback(installation: str) -> None:
    with pytest.raises(SystemExit, match="用户不存在"):
        main(["reset-password", "nobody", "--password", "Second-Pass-2026"])
    with pytest.raises(SystemExit, match="县（市）级账号必须指定县（市）"):
        main(["assign-role", "first_audit_admin", "county_admin"])
