from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.permissions import Role
from app.domain.sign_in import Restriction, password_expired, restriction, session_idle

SET = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "expired"),
    [
        (SET + timedelta(days=89, hours=23, minutes=59), False),
        (SET + timedelta(days=90), True),
        (SET + timedelta(days=400), True),
        (SET, False),
    ],
    ids=["a-minute-before-ninety-days", "at-ninety-days", "long-after", "the-moment-it-was-set"],
)
def test_a_password_is_good_for_ninety_full_days(now, expired):
    assert password_expired(SET, now, 90) is expired


@given(days=st.integers(1, 3650), seconds=st.integers(0, 10 * 365 * 86400))
def test_a_password_expires_exactly_when_its_age_reaches_the_limit(days, seconds):
    now = SET + timedelta(seconds=seconds)
    assert password_expired(SET, now, days) is (timedelta(seconds=seconds) >= timedelta(days=days))


def _restriction(
    role=Role.PREFECTURE_ADMIN, *, two_factor=False, age_days=0, roles=(Role.PREFECTURE_ADMIN,), must_change=False
):
    return restriction(
        role=role,
        two_factor_roles=roles,
        signed_in_with_two_factor=two_factor,
        password_changed_at=SET,
        password_must_change=must_change,
        now=SET + timedelta(days=age_days),
        password_max_age_days=90,
    )


def test_a_role_that_needs_two_factors_signed_in_with_a_password_alone_may_only_enrol():
    assert _restriction() is Restriction.TWO_FACTOR_ENROLMENT


def test_the_same_role_signed_in_with_both_factors_is_unrestricted():
    assert _restriction(two_factor=True) is None


def test_a_role_the_setting_does_not_name_needs_one_factor():
    assert _restriction(Role.COUNTY_INSPECTOR) is None
    assert _restriction(Role.COUNTY_INSPECTOR, roles=(Role.COUNTY_INSPECTOR,)) is Restriction.TWO_FACTOR_ENROLMENT


def test_an_expired_password_comes_before_enrolment():
    assert _restriction(age_days=90) is Restriction.PASSWORD_EXPIRED
    assert _restriction(two_factor=True, age_days=91) is Restriction.PASSWORD_EXPIRED


def test_a_password_an_administrator_set_must_be_changed_at_once_however_fresh():
    assert _restriction(Role.COUNTY_INSPECTOR, must_change=True) is Restriction.PASSWORD_EXPIRED
    assert _restriction(two_factor=True, must_change=True) is Restriction.PASSWORD_EXPIRED
    assert _restriction(must_change=True) is Restriction.PASSWORD_EXPIRED  # before enrolment too


@pytest.mark.parametrize(("minutes", "idle"), [(0, False), (29, False), (30, True), (600, True)])
def test_a_session_unused_for_thirty_minutes_is_idle(minutes, idle):
    assert session_idle(SET, SET + timedelta(minutes=minutes), 30) is idle
