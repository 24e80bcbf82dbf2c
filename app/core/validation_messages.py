"""Field-level validation messages in the caller's language, for the people who read them.

Pydantic's messages are English only; the catalogues (`app/core/messages/`) word its common error types in Chinese
(and in our English). Our own validators raise `refusal(code)`, so the error's type is our code. Any other type
keeps pydantic's English message.
"""

from typing import Any

from pydantic_core import PydanticCustomError

from app.core.i18n import field_message
from app.core.messages import en

NUL_REFUSED = "nul_refused"
YEARS = range(1900, 2200)
"""Years a date or an instant may carry: the rules add and subtract days and months, and year 1 or 9999 overflows."""
OUT_OF_RANGE = "date_out_of_range"


def refusal(code: str) -> PydanticCustomError:
    """What a validator raises to refuse a value: the error's type is our code, its message our English."""
    return PydanticCustomError(code, en.MESSAGES[code])


def message_for(error: dict[str, Any]) -> str:
    fallback = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    return field_message(str(error.get("type", "")), error.get("ctx"), fallback)
