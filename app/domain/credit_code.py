"""Unified social credit code 统一社会信用代码 (GB 32100-2015): normalising and the check character."""

import re
import unicodedata

from app.domain.errors import Problem, RuleViolation

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters GB 32100-2015 allows (no I, O, S, V, Z); a character's value is its index."""

LENGTH = 18
WEIGHTS = tuple(pow(3, i, 31) for i in range(LENGTH - 1))
"""w_i = 3^(i-1) mod 31 for i = 1..17."""

_WHITESPACE = re.compile(r"\s+")


def normalise_credit_code(raw: str) -> str:
    """Trim, fold full-width characters to half-width (NFKC), upper-case and drop inner spaces."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", raw)).upper()


def credit_code_check_char(first17: str) -> str:
    """GB 32100-2015 §4: check = 31 − (Σ c_i·w_i mod 31), 31 → 0, read back through the alphabet.

    `first17` must already be normalised and hold only alphabet characters.
    """
    if len(first17) != LENGTH - 1 or any(ch not in ALPHABET for ch in first17):
        raise ValueError(f"expected 17 characters from {ALPHABET!r}, got {first17!r}")
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def make_credit_code(first17: str) -> str:
    """Append the check character to 17 body characters (handy for test data and generators)."""
    return first17 + credit_code_check_char(first17)


def credit_code_problems(code: str) -> list[Problem]:
    """Every problem with an already-normalised code: length, each illegal character, the check character."""
    loc = ("credit_code",)
    problems = []
    if len(code) != LENGTH:
        problems.append(Problem(loc, f"统一社会信用代码应为18位，实际{len(code)}位 (must be 18 characters)"))
    for position, ch in enumerate(code, start=1):
        if ch not in ALPHABET:
            problems.append(Problem(loc, f"第{position}位字符“{ch}”不合法 (illegal character at position {position})"))
    if not problems:
        expected = credit_code_check_char(code[:-1])
        if code[-1] != expected:
            problems.append(
                Problem(
                    loc,
                    f"校验码错误，应为{expected} (wrong check character: expected {expected})",
                )
            )
    return problems


def is_valid_credit_code(code: str) -> bool:
    """GB 32100-2015: 18 alphabet characters whose last one is the check character of the first 17."""
    return not credit_code_problems(code)


def validate_credit_code(raw: str) -> str:
    """Return the normalised code, or raise RuleViolation (loc ("credit_code",)) naming every problem."""
    code = normalise_credit_code(raw)
    problems = credit_code_problems(code)
    if problems:
        raise RuleViolation(problems)
    return code
