"""Unified social credit code 统一社会信用代码 (GB 32100-2015): normalising, structure and the check character."""

import operator
import re
import unicodedata

from app.domain.errors import Problem, RuleViolation

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters GB 32100-2015 allows (no I, O, S, V, Z); a character's value is its index."""

LENGTH = 18
WEIGHTS = tuple(pow(3, i, 31) for i in range(LENGTH - 1))
"""w_i = 3^(i-1) mod 31 for i = 1..17."""
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_BODY = re.compile(f"[{ALPHABET}]{{{LENGTH - 1}}}")
_CODE = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")
"""The shapes of a body and a whole code: one C-level match instead of a loop per character (an import of 100k
rows checks 100k codes)."""

_WHITESPACE = re.compile(r"\s+")

REGISTRATION_AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": (
        "旅游",
        {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"},
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}
"""GB 32100-2015 表1 position 1 登记管理部门代码 → (name, position 2 机构类别代码 → name). The standard's own
table lists 1 机构编制, 5 民政, 9 工商 and Y 其他; the other departments (2 外交 … A 军队, N 农业) were assigned
codes afterwards under the same scheme and appear on real codes. A pair not in this table is refused."""

_DIVISION = re.compile(r"[0-9]{6}")
_WELL_FORMED = re.compile(
    "(?:"
    + "|".join(a + c for a, (_, categories) in REGISTRATION_AUTHORITIES.items() for c in categories)
    + f")[0-9]{{6}}[{ALPHABET}]{{{LENGTH - 8}}}"
)
"""A code of the structure of GB 32100-2015 (positions 1-2 a known pair, 3-8 digits, the rest from the alphabet):
everything `credit_code_problems` asks but the check character, in one match."""


def normalise_credit_code(raw: str) -> str:
    """Trim, fold full-width characters to half-width (NFKC), upper-case and drop inner spaces."""
    if _CODE.fullmatch(raw) is not None:  # already normal, as nearly every code of an import is
        return raw
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", raw)).upper()


def credit_code_check_char(first17: str) -> str:
    """GB 32100-2015 §4: check = 31 − (Σ c_i·w_i mod 31), 31 → 0, read back through the alphabet.

    `first17` must already be normalised and hold only alphabet characters.
    """
    if _BODY.fullmatch(first17) is None:
        raise ValueError(f"expected 17 characters from {ALPHABET!r}, got {first17!r}")
    total = sum(map(operator.mul, map(_VALUE.__getitem__, first17), WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def make_credit_code(first17: str) -> str:
    """Append the check character to 17 body characters (handy for test data and generators). It does not
    check the body's structure: a code over a malformed body (e.g. "AAABCDEFGHJKLMNPQ") stays invalid."""
    return first17 + credit_code_check_char(first17)


def _structure_problems(code: str) -> list[Problem]:
    """GB 32100-2015 §4 on an 18-character code: 1 登记管理部门代码, 2 its 机构类别代码, 3-8 登记管理机关行政区划码
    (six digits, GB/T 2260), 9-17 主体标识码（组织机构代码） from the alphabet. Positions holding an illegal
    character are reported as such, not again here."""
    loc = ("credit_code",)
    problems = []
    authority, category = code[0], code[1]
    if authority in ALPHABET and authority not in REGISTRATION_AUTHORITIES:
        problems.append(
            Problem(
                loc,
                "credit_code_authority",
                authority=authority,
            )
        )
    elif authority in REGISTRATION_AUTHORITIES and category in ALPHABET:
        name, categories = REGISTRATION_AUTHORITIES[authority]
        if category not in categories:
            problems.append(
                Problem(
                    loc,
                    "credit_code_category",
                    category=category,
                    name=name,
                    authority=authority,
                )
            )
    division = code[2:8]
    if not _DIVISION.fullmatch(division) and all(ch in ALPHABET for ch in division):
        problems.append(
            Problem(
                loc,
                "credit_code_division",
                division=division,
            )
        )
    return problems


def credit_code_problems(code: str) -> list[Problem]:
    """Every problem with an already-normalised code: length, each illegal character, the structure of
    GB 32100-2015 (positions 1, 2, 3-8), the check character."""
    loc = ("credit_code",)
    problems = []
    if _CODE.fullmatch(code) is not None:  # the common case: 18 alphabet characters
        problems = _structure_problems(code)
        expected = credit_code_check_char(code[:-1])
        if code[-1] != expected:
            problems.append(Problem(loc, "credit_code_check_character", expected=expected))
        return problems
    if len(code) != LENGTH:
        problems.append(Problem(loc, "credit_code_length", length=len(code)))
    for position, ch in enumerate(code, start=1):
        if ch not in ALPHABET:
            problems.append(Problem(loc, "credit_code_character", position=position, ch=ch))
    illegal = bool(problems)
    if len(code) == LENGTH:
        problems.extend(_structure_problems(code))
    if not illegal:
        expected = credit_code_check_char(code[:-1])
        if code[-1] != expected:
            problems.append(
                Problem(
                    loc,
                    "credit_code_check_character",
                    expected=expected,
                )
            )
    return problems


def is_valid_credit_code(code: str) -> bool:
    """GB 32100-2015: 18 alphabet characters of the code's structure whose last one is the check character
    (`credit_code_problems` finds nothing; one match and one sum, for the 100k codes of an import)."""
    return _WELL_FORMED.fullmatch(code) is not None and code[-1] == credit_code_check_char(code[:-1])


def validate_credit_code(raw: str) -> str:
    """Return the normalised code, or raise RuleViolation (loc ("credit_code",)) naming every problem."""
    code = normalise_credit_code(raw)
    problems = credit_code_problems(code)
    if problems:
        raise RuleViolation(problems)
    return code
