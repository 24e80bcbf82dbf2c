"""The second factor's arithmetic (app/core/totp.py): pure, no app, no database — properties over any time."""

from datetime import UTC, datetime, timedelta

import pyotp
from hypothesis import given
from hypothesis import strategies as st

from app.core import totp

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2199, 12, 31), timezones=st.just(UTC))


@given(now=instants, drift=st.sampled_from([-30, 0, 30]))
def test_a_code_of_this_step_or_one_either_side_is_accepted_for_its_own_step(now, drift):
    made_at = now + timedelta(seconds=drift)
    step = totp.accepted_step(SECRET, totp.code_at(SECRET, made_at), now, None)
    assert step is not None
    assert abs(step - pyotp.TOTP(SECRET).timecode(now)) <= 1


@given(now=instants)
def test_a_code_is_never_accepted_twice(now):
    code = totp.code_at(SECRET, now)
    step = totp.accepted_step(SECRET, code, now, None)
    assert totp.accepted_step(SECRET, code, now, step) is None
    assert totp.accepted_step(SECRET, code, now + timedelta(seconds=29), step) is None


@given(now=instants, minutes=st.integers(2, 60 * 24))
def test_a_code_minutes_old_is_refused_unless_a_current_code_happens_to_equal_it(now, minutes):
    old = totp.code_at(SECRET, now - timedelta(minutes=minutes))
    window = {totp.code_at(SECRET, now + timedelta(seconds=s)) for s in (-30, 0, 30)}
    assert (totp.accepted_step(SECRET, old, now, None) is None) is (old not in window)


@given(text=st.text(max_size=12))
def test_anything_but_six_ascii_digits_is_refused_without_an_error(text):
    if not (len(text.strip()) == 6 and text.strip().isascii() and text.strip().isdigit()):
        assert totp.accepted_step(SECRET, text, datetime(2026, 1, 1, tzinfo=UTC), None) is None


def test_recovery_codes_are_80_bit_and_typed_in_any_case_with_or_without_dashes():
    codes = totp.new_recovery_codes()
    assert len(set(codes)) == 10
    assert all(len(c.replace("-", "")) == 16 for c in codes)
    code = codes[0]
    assert totp.recovery_code_hash(code) == totp.recovery_code_hash(code.lower().replace("-", " "))
    assert totp.recovery_code_hash(code) != totp.recovery_code_hash(codes[1])
