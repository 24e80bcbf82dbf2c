import pytest
from pydantic import ValidationError

from app.config import DEVELOPMENT_SECRET, Settings


@pytest.mark.parametrize("secret", [DEVELOPMENT_SECRET, "short-secret"])
def test_the_app_refuses_a_default_or_short_secret_outside_development(secret):
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(env="production", secret_key=secret)


def test_development_may_use_the_built_in_secret():
    assert Settings(env="development").secret_key == DEVELOPMENT_SECRET


def test_a_long_random_secret_is_accepted_in_production():
    assert Settings(env="production", secret_key="x" * 40).env == "production"
