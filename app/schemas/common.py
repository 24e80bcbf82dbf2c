import re
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, ClassVar, Generic, Self, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, computed_field, field_validator

from app.core.paging import PageQuery, Window
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


class ListFilter(BaseModel):
    """A list's filters, read from the query string (`Annotated[XFilter, Query()]`): each field is a parameter."""

    model_config = ConfigDict(frozen=True)


CountyCode = Annotated[str | None, Field(max_length=12)]


class Page(BaseModel, Generic[T]):
    """One page of a list; every list answers this shape. Follow `next` (relative, every query parameter kept)
    until it is null. `total` is exact where given: offset lists and short lists always give it; keyset lists
    (enterprises, visits, findings, audit events, the change feed) give it on their first page when that page holds
    everything, or when asked with `?total=true`, else null. An offset list states its `offset`; a keyset list its
    `cursor` for the next page (opaque; 422 if altered or sent to another list)."""

    items: list[T]
    limit: int = Field(description="the page size asked for")
    has_more: bool = Field(description="more rows follow this page")
    next: str | None = Field(description="relative URL of the next page, or null after the last")
    total: int | None = Field(description="every matching row, or null where not counted (ask with total=true)")
    offset: int | None = Field(default=None, description="offset lists: the rows skipped before this page")
    cursor: str | None = Field(default=None, description="keyset lists: the `cursor` of the next page")

    @classmethod
    def of(cls, window: Window[Any], query: PageQuery, present: Callable[[Any], Any] | None = None) -> Self:
        """The page a service's window makes for the query, its rows presented one by one."""
        items = [present(item) for item in window.items] if present else window.items
        return cls(items=items, **window.fields(query))


def label_of(code_field: str, description: str | None = None, *, optional: bool = False) -> Any:
    """A read-only `<code_field>_label` beside a LabelledEnum field: its code's Chinese label, or null beside a
    null code when the code is `optional`. Declared as ``status_label = label_of("status", "状态（中文）")``."""

    def label(self: Any) -> str | None:
        code = getattr(self, code_field)
        return None if code is None else code.label

    return computed_field(property(label), description=description, return_type=str | None if optional else str)
