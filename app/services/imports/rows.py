"""Checking uploaded rows cell by cell (no database): every problem of every row, named by row and column.

Rows come either from a sheet (lists in template column order, as python-calamine reads them) or from a
JSON array (objects keyed by field name). Both end up as one typed tuple per row in COLUMNS order.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.domain.credit_code import credit_code_problems, is_valid_credit_code, normalise_credit_code
from app.domain.errors import Message
from app.domain.risk import RiskClass
from app.domain.statuses import EnterpriseStatus
from app.schemas.common import CONTROL_CHARACTERS, CONTROL_REFUSED
from app.xlsx.cells import unneutralise
from app.xlsx.enterprise_columns import COLUMNS, INDEX, KEYS, NO, YES

ROW = -1
"""Column index of a problem with the row as a whole."""
_PHONE = re.compile(r"^[0-9+\-() ]{3,32}$")
_TRUE = frozenset({YES, "Y", "YES", "TRUE", "1", "√"})
_FALSE = frozenset({NO, "N", "NO", "FALSE", "0", ""})
_FLAG: dict[str | None, bool] = {None: False, NO: False, YES: True}
_RISK = {r.value: r.value for r in RiskClass} | {r.label: r.value for r in RiskClass}
_STATUS = {s.value: s.value for s in EnterpriseStatus} | {s.label: s.value for s in EnterpriseStatus}
_STATUS |= {"关闭": "closed", "注销": "closed"}
_KNOWN_KEYS = frozenset(KEYS)
_FLAG_INDEXES = tuple(i for i, c in enumerate(COLUMNS) if c.kind == "flag")
_TEXT_INDEXES = tuple(i for i, c in enumerate(COLUMNS) if c.kind == "text")
I_CODE = INDEX["credit_code"]
I_COUNTY = INDEX["county_code"]
I_RISK = INDEX["risk_class"]
I_STATUS = INDEX["status"]
I_PHONE = INDEX["contact_phone"]


@dataclass(frozen=True)
class Vocabulary:
    counties: dict[str, str]
    """County name or code → code, for the counties that exist."""
    actor_county: str | None
    """A county-bound importer may only write rows of this county."""


@dataclass
class RowCheck:
    rows: list[tuple[int, tuple[Any, ...]]] = field(default_factory=list)
    """(row number, typed row in COLUMNS order) for every row without problems."""
    errors: list[tuple[int, int, Message]] = field(default_factory=list)
    """(row number, column index or ROW, message)."""
    seen: dict[str, int] = field(default_factory=dict)
    """credit code → row number of its first occurrence (duplicates inside one upload)."""


def text(value: Any) -> str | None:
    """A cell as trimmed text: numbers typed into Excel lose their ".0", quoted formulas their quote."""
    if type(value) is str:  # the common case first: this runs 1.5 million times for 100k rows
        value = value.strip()
        if value[:1] == "'":
            value = unneutralise(value)
        return value or None
    if value is None:
        return None
    if isinstance(value, bool):
        value = YES if value else NO
    elif isinstance(value, float):
        value = str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, datetime | date):
        value = value.isoformat()
    elif not isinstance(value, str):
        value = str(value)
    value = unneutralise(value.strip())
    return value or None


def _as_list(raw: Any, number: int, errors: list[tuple[int, int, Message]]) -> list[Any] | None:
    if isinstance(raw, list | tuple):
        return list(raw)
    if isinstance(raw, dict):
        unknown = sorted(set(raw) - _KNOWN_KEYS)
        if unknown:
            errors.append((number, ROW, Message("unknown_fields", fields=", ".join(map(str, unknown)))))
            return None
        return [raw.get(k) for k in KEYS]
    errors.append((number, ROW, Message("row_not_an_object")))
    return None


def check_rows(raw_rows: Sequence[Any], numbers: Sequence[int], vocab: Vocabulary, into: RowCheck) -> None:
    """Check `raw_rows` (numbered `numbers`) and add the good ones and every problem to `into`.

    Column by column: a column without problems (nearly every one) is proved so by a few passes over it in C
    (the longest value, one search for control characters, dictionary lookups); only a column with a problem
    is walked value by value to say which rows it is in."""
    rows, kept, from_sheet = _cells(raw_rows, numbers, into.errors)
    if not rows:
        return
    columns = [_texts(column) for column in zip(*rows, strict=True)]
    empty = [sheet and not any(values) for sheet, values in zip(from_sheet, zip(*columns, strict=True), strict=True)]
    if any(empty):  # empty sheet rows are no rows
        keep = [j for j, blank in enumerate(empty) if not blank]
        columns, kept = [[column[j] for j in keep] for column in columns], [kept[j] for j in keep]
        if not kept:
            return
    problems: list[tuple[int, int, Message]] = []
    for i in _TEXT_INDEXES:
        _text_column(columns[i], i, problems)
    typed = list(columns)
    typed[I_CODE] = _credit_codes(columns[I_CODE], kept, problems, into.seen)
    typed[I_COUNTY] = _counties(columns[I_COUNTY], vocab, problems)
    typed[I_RISK] = _choices(columns[I_RISK], I_RISK, _RISK, "A、B、C、D", problems, default=None)
    typed[I_STATUS] = _choices(
        columns[I_STATUS], I_STATUS, _STATUS, "在产、停产、关闭（注销）", problems, default="operating"
    )
    for i in _FLAG_INDEXES:
        typed[i] = _flags(columns[i], i, problems)
    phones = columns[I_PHONE]
    if not all(map(_PHONE.match, filter(None, phones))):
        problems += [
            (j, I_PHONE, Message("phone_characters")) for j, v in enumerate(phones) if v and not _PHONE.match(v)
        ]
    problems.sort(key=lambda p: p[:2])  # stable: a cell's messages keep their order
    into.errors += [(kept[j], i, msg) for j, i, msg in problems]
    if not problems:
        into.rows += zip(kept, zip(*typed, strict=True), strict=True)
        return
    bad = {j for j, _, _ in problems}
    into.rows += [(kept[j], row) for j, row in enumerate(zip(*typed, strict=True)) if j not in bad]


def _cells(
    raw_rows: Sequence[Any], numbers: Sequence[int], errors: list[tuple[int, int, Message]]
) -> tuple[list[Sequence[Any]], list[int], list[bool]]:
    """Each row as its COLUMNS cells (padded or cut to the width), its number, and whether it came from a sheet
    (where an empty row is skipped); a row that is not one is reported and left out."""
    width = len(COLUMNS)
    rows, kept, from_sheet = [], [], []
    for raw, number in zip(raw_rows, numbers, strict=True):
        if type(raw) is list and len(raw) == width:  # a sheet row of the template, as calamine reads it
            rows.append(raw)
        else:
            cells = _as_list(raw, number, errors)
            if cells is None:
                continue
            rows.append(cells[:width] + [None] * (width - len(cells)))
        kept.append(number)
        from_sheet.append(isinstance(raw, list))
    return rows, kept, from_sheet


_BLANK: dict[str, None] = {"": None}


def _texts(column: Sequence[Any]) -> list[str | None]:
    """`text` of every cell. The common column (all text, none quoted) in C-level passes: trimmed, blanks None."""
    try:
        trimmed = list(map(str.strip, column))  # TypeError: a cell that is not text (a number, a JSON value)
    except TypeError:
        trimmed = None
    if trimmed is not None:
        joined = "\n".join(trimmed)
        if not (joined.startswith("'") or "\n'" in joined):  # no value starts with a quote to take off
            return list(map(_BLANK.get, trimmed, trimmed))
    return [(s or None) if type(v) is str and (s := v.strip())[:1] != "'" else text(v) for v in column]


def _text_column(column: list[str | None], i: int, problems: list[tuple[int, int, Message]]) -> None:
    limit, required = COLUMNS[i].max_length, COLUMNS[i].required
    present = [v for v in column if v is not None]
    if (
        (not required or len(present) == len(column))
        and (not limit or max(map(len, present), default=0) <= limit)
        and not CONTROL_CHARACTERS.search("\n".join(present))  # a line feed is no control character here
    ):
        return
    for j, v in enumerate(column):
        if v is None:
            if required:
                problems.append((j, i, Message("required")))
        elif limit and len(v) > limit:
            problems.append((j, i, Message("at_most_characters", limit=limit)))
        elif CONTROL_CHARACTERS.search(v):
            problems.append((j, i, Message(CONTROL_REFUSED)))


def _credit_codes(
    column: list[str | None], numbers: list[int], problems: list[tuple[int, int, Message]], seen: dict[str, int]
) -> list[str | None]:
    """The codes normalised; a bad one named with every problem, a repeated one with the row it repeats."""
    typed: list[str | None] = list(column)
    for j, value in enumerate(column):
        if value is None:
            problems.append((j, I_CODE, Message("required")))
            continue
        code = normalise_credit_code(value)
        if not is_valid_credit_code(code):
            problems += [(j, I_CODE, p.message) for p in credit_code_problems(code)]
            continue
        first = seen.setdefault(code, numbers[j])
        if first != numbers[j]:
            problems.append((j, I_CODE, Message("duplicate_of_row", first=first)))
        typed[j] = code
    return typed


def _counties(column: list[str | None], vocab: Vocabulary, problems: list[tuple[int, int, Message]]) -> list[Any]:
    """County names or codes as codes: every one known, and the importer's own county if it is bound to one."""
    codes = [vocab.counties.get(v) if v is not None else None for v in column]
    if None not in codes and (vocab.actor_county is None or set(codes) == {vocab.actor_county}):
        return codes
    for j, (value, code) in enumerate(zip(column, codes, strict=True)):
        if value is None:
            problems.append((j, I_COUNTY, Message("required")))
        elif code is None:
            problems.append((j, I_COUNTY, Message("unknown_county_name", value=value)))
        elif vocab.actor_county is not None and code != vocab.actor_county:
            problems.append((j, I_COUNTY, Message("import_other_county_refused")))
    return codes


def _choices(
    column: list[str | None],
    index: int,
    options: dict[str, str],
    allowed: str,
    problems: list[tuple[int, int, Message]],
    *,
    default: str | None,
) -> list[str | None]:
    """A label or code of the vocabulary (in any case) as its code; empty: `default`."""
    typed = [
        default if v is None else options.get(v) or options.get(v.upper()) or options.get(v.lower()) for v in column
    ]
    problems += [
        (j, index, Message("must_be_one_of", value=v, allowed=allowed))
        for j, (v, found) in enumerate(zip(column, typed, strict=True))
        if found is None and v is not None
    ]
    return typed


def _flags(column: list[str | None], index: int, problems: list[tuple[int, int, Message]]) -> list[bool | None]:
    """是/否 (or Y/N, TRUE/FALSE, 1/0, √ in any width and case) as booleans; empty: 否."""
    typed = list(map(_FLAG.get, column))
    if None in typed:  # not 是, 否 or empty
        typed = [_flag(v) if flag is None else flag for v, flag in zip(column, typed, strict=True)]
        problems += [(j, index, Message("must_be_yes_or_no")) for j, flag in enumerate(typed) if flag is None]
    return typed


def _flag(value: str) -> bool | None:
    key = unicodedata.normalize("NFKC", value).upper()
    return True if key in _TRUE else False if key in _FALSE else None
