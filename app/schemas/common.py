import re
from datetime import date
from typing import Annotated, Any, ClassVar, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationInfo, field_validator

from app.core.validation_messages import OUT_OF_RANGE, YEARS, refusal

T = TypeVar("T")
CONTROL_REFUSED = "control_characters"
NULL_REFUSED = "null_refused"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""C0 controls other than tab, line feed and carriage return: PostgreSQL refuses NUL, worksheets refuse them all."""


def out_of_range(value: Any) -> bool:
    if isinstance(value, date):  # datetime too
        return value.year not in YEARS
    if isinstance(value, dict):
        return any(out_of_range(v) for v in value.values())
    if isinstance(value, list | tuple | set | frozenset):
        return any(out_of_range(item) for item in value)
    return False


def contains_control(value: Any) -> bool:
    if isinstance(value, str):
        return CONTROL_CHARACTERS.search(value) is not None
    if isinstance(value, dict):
        return any(contains_control(k) or contains_control(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(contains_control(item) for item in value)
    return False


def _refuse_control(value: str) -> str:
    if contains_control(value):
        raise refusal(CONTROL_REFUSED)
    return value


PlainText = Annotated[str, AfterValidator(_refuse_control)]
"""Text outside a request schema (a multipart form field): refused at the field like an Input's."""


class Input(BaseModel):
    """Request bodies refuse, with 422 at the field: unknown and read-only fields (never silently ignored), text
    with control characters, dates outside 1900–2199, and an explicit null for a field in NOT_NULL (a PATCH may
    leave it out)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    NOT_NULL: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls.NOT_NULL:
            raise refusal(NULL_REFUSED)
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_control_characters(cls, value: Any) -> Any:
        if contains_control(value):
            raise refusal(CONTROL_REFUSED)
        if out_of_range(value):
            raise refusal(OUT_OF_RANGE)
        return value


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
