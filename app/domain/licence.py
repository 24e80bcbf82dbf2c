"""Industrial-product production licence 工业产品生产许可证: number format and renewal window."""

import re
import unicodedata
from datetime import date, timedelta

from app.domain.errors import Problem, RuleViolation
from app.domain.ruleset import RuleSet

PROVINCE_ABBREVIATIONS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼港澳台"
"""The 34 provincial-level abbreviations that may prefix a licence number."""

LICENCE_PATTERN = re.compile(rf"^[{PROVINCE_ABBREVIATIONS}]?XK\d{{2}}-\d{{3}}-\d{{5}}$")
"""Optional province + XK + 2 digits (product unit) + 3 digits (product) + 5 digits (serial)."""

_WHITESPACE = re.compile(r"\s+")


def normalise_licence_number(raw: str) -> str:
    """NFKC (full-width → half-width, e.g. "ＸＫ１６－" → "XK16-"), drop spaces, upper-case "xk"."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", raw)).upper()


def is_valid_licence_number(number: str) -> bool:
    """Format check on a normalised number, e.g. 新XK16-204-00397 or XK16-204-00397."""
    return LICENCE_PATTERN.fullmatch(number) is not None


def validate_licence_number(raw: str) -> str:
    """Return the normalised licence number or raise RuleViolation at loc ("licence_no",)."""
    number = normalise_licence_number(raw)
    if not is_valid_licence_number(number):
        raise RuleViolation(
            [
                Problem(
                    ("licence_no",),
                    f"许可证编号“{number}”格式应为[省简称]XKnn-nnn-nnnnn "
                    "(licence number must look like 新XK16-204-00397)",
                )
            ]
        )
    return number


def licence_expiring(today: date, expires_on: date, ruleset: RuleSet) -> bool:
    """计划 六、日常监督检查频次（到期换证）: expires within the RuleSet's `licence_expiry_window_days` of today,
    or already expired."""
    return expires_on <= today + timedelta(days=ruleset.licence_expiry_window_days)
