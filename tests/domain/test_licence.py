from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.errors import RuleViolation
from app.domain.licence import (
    PROVINCE_ABBREVIATIONS,
    is_valid_licence_number,
    licence_expiring,
    licence_lookup_key,
    licence_province,
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


PRINTED_FORMS = [
    "(新)XK16-204-00397",
    "（新）XK16-204-00397",
    "（新）ＸＫ16-204-00397",
    "[新]XK16-204-00397",
    "【新】XK16-204-00397",
    "〔新〕XK16-204-00397",
    "新XK16-204-00397",
    "新 XK16-204-00397",
    "新xk16-204-00397",
    "新XK16—204—00397",  # em dash
    "新XK16–204–00397",  # en dash
    "新XK16－204－00397",  # full-width hyphen-minus
    "新XK16‐204‐00397",  # hyphen
    "新XK16‑204‑00397",  # non-breaking hyphen
    "新XK16‒204‒00397",  # figure dash
    "新XK16―204―00397",  # horizontal bar
    "新XK16−204−00397",  # minus sign
    "新XK16﹣204﹣00397",  # small hyphen-minus
    "新XK16——204——00397",  # the Chinese dash 破折号, two em dashes
    "新XK16 - 204 - 00397",
    "新XK16 204 00397",  # spaces for dashes
    " (新) XK16-204-00397\u3000",
    "新XK16-204-00397\n",
]


@pytest.mark.parametrize("raw", PRINTED_FORMS)
def test_a_licence_number_as_printed_is_stored_in_one_canonical_form(raw):
    assert normalise_licence_number(raw) == "新XK16-204-00397"
    assert validate_licence_number(raw) == "新XK16-204-00397"
    assert licence_lookup_key(raw) == "XK16-204-00397"


@pytest.mark.parametrize("raw", ["XK16-204-00397", "XK16—204—00397", "ＸＫ16－204－00397", "xk16 204 00397"])
def test_a_number_printed_without_a_province_is_stored_without_one(raw):
    assert validate_licence_number(raw) == "XK16-204-00397"
    assert licence_lookup_key(raw) == "XK16-204-00397"


def test_a_number_is_found_whichever_form_is_searched():
    keys = {licence_lookup_key(raw) for raw in [*PRINTED_FORMS, "XK16-204-00397", "粤XK16-204-00397"]}
    assert keys == {"XK16-204-00397"}
    assert licence_lookup_key("新XK16-204-00398") != licence_lookup_key("新XK16-204-00397")


@pytest.mark.parametrize(
    ("raw", "province"),
    [("(新)XK16-204-00397", "新"), ("XK16-204-00397", None), ("粤XK13-006-00123", "粤")],
)
def test_the_province_prefix_can_be_read_back(raw, province):
    assert licence_province(raw) == province


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
        "(新XK16-204-00397",
        "()XK16-204-00397",
        "(美)XK16-204-00397",
        "新XK16--204-00397",
        "XK 16-204-00397-",
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


separators = st.sampled_from(["-", "—", "–", "－", "‐", "‑", "―", "−", "——", " ", " - "])
provinces = st.sampled_from(["", *PROVINCE_ABBREVIATIONS])
brackets = st.sampled_from([("", ""), ("(", ")"), ("（", "）"), ("【", "】")])


@settings(max_examples=100)
@given(provinces, brackets, separators, separators, st.integers(min_value=0, max_value=10**10 - 1))
def test_any_printed_form_normalises_to_one_canonical_number_that_is_its_own_normal_form(
    province, bracket, first, second, number
):
    digits = f"{number:010d}"
    unit, product, serial = digits[:2], digits[2:5], digits[5:]
    opening, closing = bracket if province else ("", "")
    printed = f"{opening}{province}{closing}XK{unit}{first}{product}{second}{serial}"
    canonical = validate_licence_number(printed)
    assert canonical == f"{province}XK{unit}-{product}-{serial}"
    assert normalise_licence_number(canonical) == canonical
    assert licence_lookup_key(printed) == f"XK{unit}-{product}-{serial}"
