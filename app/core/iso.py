"""Dates and instants as ISO 8601 strings only, and the years the contract declares for them.

Pydantic reads a number (`0.5`, `1700000000`) or a string of digits as Unix time; the contract says `format: date`
/ `date-time`, so a query parameter or body field that is not an ISO string is 422 at the field, never read as
seconds since 1970. The patterns are what the OpenAPI document states beside the format: the years 1900–2199 the
server accepts (`validation_messages.YEARS`); for an instant 1901–2198, so that no offset carries a declared
value out of the accepted years in UTC.
"""

import re
from datetime import date, datetime
from typing import Any

from app.core.validation_messages import refusal

DATE_PATTERN = r"^(19|20|21)\d{2}-\d{2}-\d{2}$"
INSTANT_PATTERN = r"^(190[1-9]|19[1-9]\d|20\d\d|21[0-8]\d|219[0-8])-\d{2}-\d{2}[Tt ]\d{2}:\d{2}"
ISO_START = re.compile(r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}")
NOT_ISO = "not_iso_date"


def refuse_non_iso(value: Any) -> Any:
    """A date or instant that is not an ISO 8601 string (a number, a bare string of digits): ValueError."""
    if isinstance(value, date | datetime):
        return value
    if isinstance(value, list | tuple):
        return [refuse_non_iso(item) for item in value]
    if isinstance(value, str) and ISO_START.match(value):
        return value
    raise refusal(NOT_ISO)
