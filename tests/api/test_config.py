import pytest
from pydantic import ValidationError

from app.core.config import DEVELOPMENT_PII_KEYS, DEVELOPMENT_SECRET, Settings

PII_KEYS = {"2026a": "cHJvZHVjdGlvbi1rZXktb2YtdGhlLWJ1cmVhdS0wMTI="}


@pytest.mark.parametrize("secret", [DEVELOPMENT_SECRET, "short-secret"])
def test_the_app_refuses_a_default_or_short_secret_outside_development(secret):
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(env="production", secret_key=secret)


def test_development_may_use_the_built_in_secret():
    assert Settings(env="development").secret_key == DEVELOPMENT_SECRET


def test_a_long_random_secret_is_accepted_in_production():
    assert Settings(env="production", secret_key="x" * 40, pii_keys=PII_KEYS).env == "production"


def test_production_refuses_to_start_without_a_key_for_personal_data():
    with pytest.raises(ValidationError, match="PII_KEYS must be set"):
        Settings(env="production", secret_key="x" * 40)


def test_production_refuses_the_published_development_key_for_personal_data():
    with pytest.raises(ValidationError, match="published development key"):
        Settings(env="production", secret_key="x" * 40, pii_keys=DEVELOPMENT_PII_KEYS)


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
        Settings(env="production", secret_key="x" * 40, pii_keys=keys, pii_key_id=current)


def test_the_demo_ledger_passes_the_rules_it_will_be_checked_against():
    from app.domain.credit_code import is_valid_credit_code
    from app.domain.licence import is_valid_licence_number
    from app.seed.jurisdictions import COUNTIES
    from app.seed.ledger import TRADES, _code

    codes = {_code(county, c * 100 + k + 1) for c, (county, _) in enumerate(COUNTIES) for k in range(4)}
    assert len(codes) == len(COUNTIES) * 4
    assert all(is_valid_credit_code(code) for code in codes)
    assert is_valid_licence_number("新XK13-200-00001")
    assert len(TRADES) >= 4
