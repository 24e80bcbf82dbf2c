import pytest
from pydantic import ValidationError

from app.core.config import DEVELOPMENT_SECRET, Settings


@pytest.mark.parametrize("secret", [DEVELOPMENT_SECRET, "short-secret"])
def test_the_app_refuses_a_default_or_short_secret_outside_development(secret):
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(env="production", secret_key=secret)


def test_development_may_use_the_built_in_secret():
    assert Settings(env="development").secret_key == DEVELOPMENT_SECRET


def test_a_long_random_secret_is_accepted_in_production():
    assert Settings(env="production", secret_key="x" * 40, audit_key="a" * 40).env == "production"


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
