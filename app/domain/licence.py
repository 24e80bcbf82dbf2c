"""Industrial-product production licence 工业产品生产许可证: the number as printed, its canonical form and
lookup key, and the renewal window."""

import re
import unicodedata
from datetime import date, timedelta

from app.domain.errors import Problem, RuleViolation
from app.domain.ruleset import RuleSet

PROVINCE_ABBREVIATIONS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼港澳台"
"""The 34 provincial-level abbreviations that may prefix a licence number."""

LICENCE_PATTERN = re.compile(rf"^[{PROVINCE_ABBREVIATIONS}]?XK[0-9]{{2}}-[0-9]{{3}}-[0-9]{{5}}$")
"""The canonical form: optional province + XK + 2 digits (product unit) + 3 digits (product) + 5 digits (serial)."""

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d"
"""Hyphens and dashes a printed or typed number may carry instead of "-" (after NFKC some are already "-")."""
_OPENING = "([［【〔〖"
_CLOSING = ")]］】〕〗"
_SEPARATOR = r"(?:\s*-\s*|\s+)"
_PROVINCE = f"[{PROVINCE_ABBREVIATIONS}]"
_PRINTED = re.compile(
    rf"^(?:[{re.escape(_OPENING)}]\s*(?P<bracketed>{_PROVINCE})\s*[{re.escape(_CLOSING)}]|(?P<province>{_PROVINCE}))?"
    rf"\s*XK\s*(?P<unit>[0-9]{{2}}){_SEPARATOR}(?P<product>[0-9]{{3}}){_SEPARATOR}(?P<serial>[0-9]{{5}})$"
)
_WHITESPACE = re.compile(r"\s+")


def _folded(raw: str) -> str:
    """NFKC (full-width → half-width), every run of non-ASCII dashes → "-", trimmed, upper-case."""
    text = unicodedata.normalize("NFKC", raw)
    return re.sub(f"[{_DASHES}]+", "-", text).strip().upper()


def _parts(raw: str) -> tuple[str | None, str] | None:
    """(province or None, "XKnn-nnn-nnnnn") for a number in any printed form, else None."""
    match = _PRINTED.fullmatch(_folded(raw))
    if match is None:
        return None
    core = f"XK{match['unit']}-{match['product']}-{match['serial']}"
    return match["bracketed"] or match["province"], core


def normalise_licence_number(raw: str) -> str:
    """The one canonical form of a licence number as printed, e.g. "(新)XK16—204—00397", "（新）ＸＫ16－204－00397",
    "新 xk16 204 00397" → "新XK16-204-00397".

    Decision: the province abbreviation is kept, without brackets, when the number was printed with one (a
    provincially issued licence prints it); a number printed without one stays without. Separators become
    ASCII hyphens. Both forms name the same licence: compare and search by `licence_lookup_key`.
    Text that is no licence number comes back folded (NFKC, dashes, no spaces, upper-case) for the message.
    """
    parts = _parts(raw)
    if parts is None:
        return _WHITESPACE.sub("", _folded(raw))
    province, core = parts
    return (province or "") + core


def licence_lookup_key(raw: str) -> str:
    """The national number without its province, "XK16-204-00397": the key a licence is found by, whichever
    form was stored or searched. Text that is no licence number gives its normalised self."""
    parts = _parts(raw)
    return parts[1] if parts else normalise_licence_number(raw)


def licence_province(raw: str) -> str | None:
    """The province abbreviation printed before the number, or None."""
    parts = _parts(raw)
    return parts[0] if parts else None


def is_valid_licence_number(number: str) -> bool:
    """Format check on a normalised number, e.g. 新XK16-204-00397 or XK16-204-00397."""
    return LICENCE_PATTERN.fullmatch(number) is not None


def validate_licence_number(raw: str) -> str:
    """Return the canonical licence number (`normalise_licence_number`) or raise RuleViolation at
    loc ("licence_no",)."""
    number = normalise_licence_number(raw)
    if not is_valid_licence_number(number):
        raise RuleViolation([Problem(("licence_no",), "licence_number_format", number=number)])
    return number


def licence_expiring(today: date, expires_on: date, ruleset: RuleSet) -> bool:
    """计划 六、日常监督检查频次（到期换证）: expires within the RuleSet's `licence_expiry_window_days` of today,
    or already expired."""
    return expires_on <= today + timedelta(days=ruleset.licence_expiry_window_days)
