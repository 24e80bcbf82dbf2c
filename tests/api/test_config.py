import logging
import stat
import uuid

import httpx
import pytest
from pydantic import ValidationError

from app.core.config import DEVELOPMENT_PII_KEYS, DEVELOPMENT_SECRET, MIN_SECRET_LENGTH, Settings, get_settings
from app.core.security import create_access_token, decode_access_token
from app.main import app_factory

PII_KEYS = {"2026a": "cHJvZHVjdGlvbi1rZXktb2YtdGhlLWJ1cmVhdS0wMTI="}


@pytest.mark.parametrize("secret", [DEVELOPMENT_SECRET, "short-secret"])
def test_the_app_refuses_a_default_or_short_secret_outside_development(secret):
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(env="production", secret_key=secret)


def test_development_may_use_the_built_in_secret():
    assert Settings(env="development").secret_key == DEVELOPMENT_SECRET


def test_a_long_random_secret_is_accepted_in_production():
    assert Settings(env="production", secret_key="x" * 40, audit_key="a" * 40, pii_keys=PII_KEYS).env == "production"


def test_production_refuses_to_start_without_a_key_for_personal_data():
    with pytest.raises(ValidationError, match="PII_KEYS must be set"):
        Settings(env="production", secret_key="x" * 40, audit_key="a" * 40)


def test_production_refuses_the_published_development_key_for_personal_data():
    with pytest.raises(ValidationError, match="published development key"):
        Settings(env="production", secret_key="x" * 40, audit_key="a" * 40, pii_keys=DEVELOPMENT_PII_KEYS)


def test_development_and_test_fall_back_to_the_published_key():
    keys, current = Settings(env="test", secret_key="x" * 40).personal_data_keys()
    assert current == "dev" and len(keys["dev"]) == 32


@pytest.mark.parametrize(
    ("keys", "current", "message"),
    [
        ({"2026a": "dG9vLXNob3J0"}, None, "32 random bytes"),
        ({"2026a": "not base64 at all!"}, None, "32 random bytes"),
        ({"bad id!": PII_KEYS["2026a"]}, None, "key id"),
        (PII_KEYS, "2025z", "not one of PII_KEYS"),
        (PII_KEYS | {"2025z": DEVELOPMENT_PII_KEYS["dev"]}, None, "PII_KEY_ID must name the current key"),
    ],
)
def test_a_malformed_key_ring_is_refused_with_what_is_wrong(keys, current, message):
    with pytest.raises(ValidationError, match=message):
        Settings(env="production", secret_key="x" * 40, audit_key="a" * 40, pii_keys=keys, pii_key_id=current)


def test_the_demo_ledger_passes_the_rules_it_will_be_checked_against():
    from app.domain.credit_code import is_valid_credit_code
    from app.domain.licence import is_valid_licence_number
    from app.seed.jurisdictions import COUNTIES
    from app.seed.ledger import TRADES
    from app.seed.ledger import demo_credit_code as _code

    codes = {_code(county, c * 100 + k + 1) for c, (county, _) in enumerate(COUNTIES) for k in range(4)}
    assert len(codes) == len(COUNTIES) * 4
    assert all(is_valid_credit_code(code) for code in codes)
    assert is_valid_licence_number("新XK13-200-00001")
    assert len(TRADES) >= 4


# --- `make run` serves with a key of its own, never the published one ------------------------------------------


@pytest.fixture
def served_in(tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    """`make run`'s environment: ENV=development, no SECRET_KEY, started in a fresh checkout (tmp_path)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ENV", "development")
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite://")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    get_settings.cache_clear()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield tmp_path
    root.handlers[:] = handlers
    root.setLevel(level)
    get_settings.cache_clear()


def test_make_run_generates_a_key_of_its_own_on_first_start_and_keeps_it(served_in):
    first = app_factory().state.settings.secret_key
    key_file = served_in / "var" / "secret_key"
    assert first != DEVELOPMENT_SECRET and len(first) >= MIN_SECRET_LENGTH
    assert key_file.read_text() == first
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert app_factory().state.settings.secret_key == first  # from then on: sign-ins survive a restart


@pytest.mark.anyio
async def test_make_run_refuses_a_token_signed_with_the_published_development_key(served_in):
    app = app_factory()
    published = Settings(env="development", database_url="sqlite+aiosqlite://")
    forged, _ = create_access_token(published, uuid.uuid4(), 0)
    assert decode_access_token(published, forged) is not None  # a token the published key would accept
    assert decode_access_token(app.state.settings, forged) is None
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    await app.state.engine.dispose()


def test_a_configured_key_is_used_as_it_is_in_development_too(served_in, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    assert app_factory().state.settings.secret_key == "k" * 40
    assert not (served_in / "var" / "secret_key").exists()
