"""What every exported cell goes through: no formula runs when the workbook is opened, nothing openpyxl refuses."""

from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Drop control characters a worksheet cannot hold, and prefix a single quote to text Excel could read as a
    formula (OWASP CSV injection)."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def unneutralise(value: str) -> str:
    """Undo the quote of `neutralise`, so an exported workbook imports back unchanged."""
    return value[1:] if value.startswith("'") and value[1:2] in FORMULA_TRIGGERS and len(value) > 1 else value


def safe(value: Any) -> Any:
    """`neutralise` text; other values (numbers, dates) as they are."""
    return neutralise(value) if isinstance(value, str) else value


COUNT_FORMAT = "0"
RATE_FORMAT = "0.0%"


def number_format(value: Any) -> str | None:
    """The number format of a count (a whole number, shown without decimals); None for anything else, which keeps
    openpyxl's own (text as text, a date as a date). A rate is a number too: its cell takes `RATE_FORMAT`."""
    return COUNT_FORMAT if isinstance(value, int) and not isinstance(value, bool) else None


A4 = "9"


def print_on_a4(ws: Any, *, orientation: str = "landscape", title_rows: str | None = None) -> None:
    """A sheet printed on A4, as wide as one page, as long as it runs; `title_rows` repeated on every page."""
    ws.page_setup.orientation = orientation
    ws.page_setup.paperSize = A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if title_rows:
        ws.print_title_rows = title_rows
