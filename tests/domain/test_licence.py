from dataclasses import replace
from datetime import date

import pytest

from app.domain.errors import RuleViolation
from app.domain.licence import (
    PROVINCE_ABBREVIATIONS,
    is_valid_licence_number,
    licence_expiring,
    normalise_licence_number,
    validate_licence_number,
)
from app.domain.ruleset import RULESETS

RULES = RULESETS[2022]


def test_there_are_34_province_abbreviations():
    assert len(set(PROVINCE_ABBREVIATIONS)) == 34


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("新XK16-204-00397", "新XK16-204-00397"),
        ("XK16-204-00397", "XK16-204-00397"),
        (" 粤xk13-006-00123 ", "粤XK13-006-00123"),
        ("京ＸＫ１６－２０４－００３９７", "京XK16-204-00397"),
    ],
)
def test_a_well_formed_licence_number_is_accepted_after_normalising(raw, normalised):
    assert normalise_licence_number(raw) == normalised
    assert validate_licence_number(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "XK16-204-0039",
        "XK1-204-00397",
        "QS16-204-00397",
        "美XK16-204-00397",
        "新新XK16-204-00397",
        "XK16204-00397",
        "XK16-204-00397-1",
    ],
)
def test_a_malformed_licence_number_is_rejected_at_licence_no(raw):
    assert not is_valid_licence_number(normalise_licence_number(raw))
    with pytest.raises(RuleViolation) as caught:
        validate_licence_number(raw)
    assert [p.loc for p in caught.value.problems] == [("licence_no",)]


@pytest.mark.parametrize(
    ("expires_on", "expiring"),
    [
        (date(2022, 12, 31), False),
        (date(2022, 9, 30), True),  # exactly 90 days after today
        (date(2022, 10, 1), False),
        (date(2022, 7, 2), True),
        (date(2022, 6, 1), True),  # already expired
    ],
)
def test_a_licence_is_expiring_within_the_rulesets_90_days_or_when_already_expired(expires_on, expiring):
    assert licence_expiring(date(2022, 7, 2), expires_on, RULES) is expiring


def test_the_expiry_window_is_the_rulesets():
    narrow = replace(RULES, licence_expiry_window_days=30)
    assert licence_expiring(date(2022, 7, 1), date(2022, 7, 31), narrow)
    assert not licence_expiring(date(2022, 7, 1), date(2022, 8, 15), narrow)
