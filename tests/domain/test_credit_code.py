import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.credit_code import (
    ALPHABET,
    credit_code_check_char,
    is_valid_credit_code,
    make_credit_code,
    normalise_credit_code,
    validate_credit_code,
)
from app.domain.errors import RuleViolation

VALID = [
    "914403001922038216",
    "9144030071526726XG",
    "91330100799655058B",
    "91110000802100433B",
    "91110108551385082Q",
]


@pytest.mark.parametrize("code", VALID)
def test_a_published_credit_code_is_valid(code):
    assert is_valid_credit_code(code)
    assert credit_code_check_char(code[:17]) == code[17]
    assert validate_credit_code(code) == code


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        (" 914403001922038216 ", "914403001922038216"),
        ("９１４４０３００７１５２６７２６ＸＧ", "9144030071526726XG"),
        ("9144 0300 7152 6726 xg", "9144030071526726XG"),
        ("91330100799655058b\u3000", "91330100799655058B"),
    ],
)
def test_a_credit_code_is_normalised_before_validation(raw, normalised):
    assert normalise_credit_code(raw) == normalised
    assert validate_credit_code(raw) == normalised


@pytest.mark.parametrize(
    ("raw", "message_part"),
    [
        ("914403001922038217", "expected 6"),
        ("91440300192203821", "18 characters"),
        ("9144030019220382166", "18 characters"),
        ("", "18 characters"),
        ("9144030019220382I6", "position 17"),
        ("O14403001922038216", "position 1"),
    ],
)
def test_an_invalid_credit_code_says_what_is_wrong(raw, message_part):
    assert not is_valid_credit_code(normalise_credit_code(raw))
    with pytest.raises(RuleViolation) as caught:
        validate_credit_code(raw)
    assert all(p.loc == ("credit_code",) for p in caught.value.problems)
    assert any(message_part in p.msg for p in caught.value.problems)


def test_every_illegal_character_is_reported_not_only_the_first():
    with pytest.raises(RuleViolation) as caught:
        validate_credit_code("I1440300192203821Z")
    messages = " ".join(p.msg for p in caught.value.problems)
    assert "position 1" in messages and "position 18" in messages


body = st.text(alphabet=ALPHABET, min_size=17, max_size=17)


@settings(max_examples=200)
@given(body)
def test_every_code_from_make_credit_code_validates(first17):
    assert is_valid_credit_code(make_credit_code(first17))


@settings(max_examples=200)
@given(body, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=30))
def test_any_single_character_change_to_a_valid_code_fails(first17, position, shift):
    code = make_credit_code(first17)
    changed = ALPHABET[(ALPHABET.index(code[position]) + shift) % 31]
    tampered = code[:position] + changed + code[position + 1 :]
    assert not is_valid_credit_code(tampered)
