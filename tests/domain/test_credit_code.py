import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.credit_code import (
    ALPHABET,
    REGISTRATION_AUTHORITIES,
    credit_code_check_char,
    credit_code_problems,
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
    ("raw", "code", "params"),
    [
        ("914403001922038217", "credit_code_check_character", {"expected": "6"}),
        ("91440300192203821", "credit_code_length", {"length": 17}),
        ("9144030019220382166", "credit_code_length", {"length": 19}),
        ("", "credit_code_length", {"length": 0}),
        ("9144030019220382I6", "credit_code_character", {"position": 17, "ch": "I"}),
        ("O14403001922038216", "credit_code_character", {"position": 1, "ch": "O"}),
    ],
)
def test_an_invalid_credit_code_says_what_is_wrong(raw, code, params):
    assert not is_valid_credit_code(normalise_credit_code(raw))
    with pytest.raises(RuleViolation) as caught:
        validate_credit_code(raw)
    assert all(p.loc == ("credit_code",) for p in caught.value.problems)
    assert any(p.code == code and p.params == params for p in caught.value.problems)


def test_every_illegal_character_is_reported_not_only_the_first():
    with pytest.raises(RuleViolation) as caught:
        validate_credit_code("I1440300192203821Z")
    positions = [p.params["position"] for p in caught.value.problems if p.code == "credit_code_character"]
    assert positions == [1, 18]


KNOWN_PREFIXES = [
    authority + category for authority, (_, categories) in REGISTRATION_AUTHORITIES.items() for category in categories
]

body = st.builds(
    lambda prefix, division, organisation: prefix + division + organisation,
    st.sampled_from(KNOWN_PREFIXES),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
)


@settings(max_examples=100)
@given(body)
def test_every_code_from_make_credit_code_over_a_well_formed_body_validates(first17):
    assert is_valid_credit_code(make_credit_code(first17))


def test_make_credit_code_only_appends_the_check_character_so_a_malformed_body_stays_invalid():
    code = make_credit_code("AAABCDEFGHJKLMNPQ")
    assert code[:17] == "AAABCDEFGHJKLMNPQ"
    assert not is_valid_credit_code(code)
    with pytest.raises(RuleViolation) as caught:
        validate_credit_code(code)
    codes = [p.code for p in caught.value.problems]
    assert "credit_code_category" in codes and "credit_code_division" in codes
    assert all(p.loc == ("credit_code",) for p in caught.value.problems)


@pytest.mark.parametrize(
    ("prefix", "valid"),
    [
        ("11", True),  # 机构编制: 机关
        ("12", True),  # 机构编制: 事业单位
        ("13", True),  # 机构编制: 中央编办直接管理机构编制的群众团体
        ("19", True),
        ("14", False),
        ("21", True),  # 外交: 外国常驻新闻机构
        ("31", True),  # 司法行政: 律师执业机构
        ("35", True),  # 司法行政: 仲裁委员会
        ("36", False),
        ("41", True),  # 文化: 外国在华文化中心
        ("51", True),  # 民政: 社会团体
        ("52", True),  # 民政: 民办非企业单位
        ("53", True),  # 民政: 基金会
        ("59", True),
        ("54", False),
        ("62", True),  # 旅游: 港澳台地区旅游部门常驻内地（大陆）代表机构
        ("72", True),  # 宗教: 宗教院校
        ("81", True),  # 工会: 基层工会
        ("91", True),  # 工商: 企业
        ("92", True),  # 工商: 个体工商户
        ("93", True),  # 工商: 农民专业合作社
        ("94", False),
        ("99", False),
        ("A1", True),  # 中央军委改革和编制办公室: 军队事业单位
        ("A2", False),
        ("N1", True),  # 农业: 组级集体经济组织
        ("N3", True),  # 农业: 乡镇级集体经济组织
        ("N4", False),
        ("Y1", True),  # 其他
        ("Y2", False),
        ("01", False),
        ("B1", False),
    ],
)
def test_positions_one_and_two_must_be_a_registration_authority_and_one_of_its_categories(prefix, valid):
    code = make_credit_code(prefix + "654201" + "MA0000001")
    assert is_valid_credit_code(code) is valid
    if not valid:
        [problem] = credit_code_problems(code)
        assert problem.loc == ("credit_code",)
        expected = "credit_code_authority" if prefix[0] not in REGISTRATION_AUTHORITIES else "credit_code_category"
        assert problem.code == expected


@pytest.mark.parametrize("division", ["65420A", "MA0000", "6542 1", "ABCDEF"])
def test_positions_three_to_eight_must_be_six_digits_of_an_administrative_division(division):
    code = make_credit_code(("91" + division + "MA0000001").replace(" ", "X"))
    problems = credit_code_problems(code)
    assert [p.loc for p in problems] == [("credit_code",)]
    assert problems[0].code == "credit_code_division" and problems[0].params == {"division": division.replace(" ", "X")}


def test_every_structural_problem_is_reported_with_the_check_character():
    right = make_credit_code("AAABCDEFMA0000001")
    code = right[:-1] + ("0" if right[-1] != "0" else "1")
    codes = [p.code for p in credit_code_problems(code)]
    assert codes == [
        "credit_code_category",
        "credit_code_division",
        "credit_code_check_character",
    ]


@settings(max_examples=100)
@given(body, st.integers(min_value=0, max_value=17), st.integers(min_value=1, max_value=30))
def test_any_single_character_change_to_a_valid_code_fails(first17, position, shift):
    code = make_credit_code(first17)
    changed = ALPHABET[(ALPHABET.index(code[position]) + shift) % 31]
    tampered = code[:position] + changed + code[position + 1 :]
    assert not is_valid_credit_code(tampered)


near_codes = st.one_of(
    body.map(make_credit_code),
    st.builds(
        lambda code, position, ch: code[:position] + ch + code[position + 1 :],
        body.map(make_credit_code),
        st.integers(min_value=0, max_value=17),
        st.sampled_from(ALPHABET + "IOSVZa ０\u3000-"),
    ),
    st.text(alphabet=ALPHABET + "IOSa -", min_size=16, max_size=20),
)


@settings(max_examples=400)
@given(near_codes)
def test_the_quick_validity_check_agrees_with_the_full_list_of_problems(code):
    assert is_valid_credit_code(code) is (not credit_code_problems(code))


@settings(max_examples=200)
@given(st.one_of(near_codes, st.text(alphabet=ALPHABET + "abcxyz ０１Ａ\u3000\t", max_size=22)))
def test_a_code_already_in_normal_form_is_left_as_it_is_and_any_other_is_folded(raw):
    folded = unicodedata.normalize("NFKC", raw)
    assert normalise_credit_code(raw) == "".join(folded.split()).upper()
