import re
from collections.abc import Callable
from datetime import date, datetime
from types import NoneType
from typing import Annotated, Any, ClassVar, Generic, Self, TypeVar, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, computed_field, field_validator
from pydantic_core import PydanticCustomError

from app.core.iso import DATE_PATTERN, INSTANT_PATTERN, refuse_non_iso
from app.core.messages.en import FIELD
from app.core.paging import PageQuery, Window
from app.core.text_guard import NO_CONTROL_PATTERN
from app.core.validation_messages import OUT_OF_RANGE, YEARS, refusal
from app.domain.credit_code import ALPHABET, LENGTH
from app.schemas.examples import EXAMPLES

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


CREDIT_CODE: dict[str, Any] = {"minLength": LENGTH, "maxLength": LENGTH, "pattern": f"^[{ALPHABET}]{{{LENGTH}}}$"}
"""`Field(json_schema_extra=CREDIT_CODE)`: the contract states the 18 characters of GB 32100-2015 in their canonical
form; the service folds full-width, lower case and spaces first and checks the check character (422 at the field)."""

PlainText = Annotated[str, AfterValidator(_refuse_control)]
"""Text outside a request schema (a multipart form field): refused at the field like an Input's."""


def _declare(node: dict[str, Any]) -> None:
    """A property's schema (or one branch of its anyOf, or its items) made to say what Input enforces."""
    for branch in node.get("anyOf", []):
        _declare(branch)
    for key in ("items", "additionalProperties"):  # a list's items, a map's values (its keys are enums)
        if isinstance(node.get(key), dict):
            _declare(node[key])
    if node.get("type") != "string" or "pattern" in node or "enum" in node or "const" in node:
        return
    pattern = {"date": DATE_PATTERN, "date-time": INSTANT_PATTERN, None: NO_CONTROL_PATTERN}.get(node.get("format"))
    if pattern:
        node["pattern"] = pattern


def _not_null(node: dict[str, Any]) -> None:
    branches = [branch for branch in node.get("anyOf", []) if branch.get("type") != "null"]
    if "anyOf" in node and len(branches) == 1:
        del node["anyOf"]
        node.update({key: value for key, value in branches[0].items() if key not in node})
    elif "anyOf" in node:
        node["anyOf"] = branches
    if node.get("default", ...) is None:
        del node["default"]


def _contract(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """The JSON schema states what the validators below enforce: no null for NOT_NULL fields, no control
    characters in text, dates and instants as ISO strings of the years 1900–2199; and the body's example."""
    for name, node in schema.get("properties", {}).items():
        if name in getattr(model, "NOT_NULL", ()):
            _not_null(node)
        _declare(node)
    if model.__name__ in EXAMPLES:
        schema["examples"] = [EXAMPLES[model.__name__]]


SCALARS: dict[type, tuple[tuple[type, ...], str]] = {
    bool: ((bool,), "bool_type"),
    int: ((int, float), "int_type"),  # 2088.0 is a JSON Schema integer; 2088.5 pydantic refuses
    float: ((int, float), "float_type"),
}
"""What a JSON boolean or number field takes as it is: pydantic would read "true", "1" or "5" from a string."""


def _scalar(annotation: Any) -> type | None:
    if annotation in SCALARS:
        return annotation
    arguments = [argument for argument in get_args(annotation) if argument is not NoneType]
    return arguments[0] if len(arguments) == 1 and arguments[0] in SCALARS else None


def _refuse_coercion(annotation: Any, value: Any) -> None:
    scalar = _scalar(annotation)
    if scalar is not None:
        types, kind = SCALARS[scalar]
        if not isinstance(value, types) or (scalar is not bool and isinstance(value, bool)):
            raise PydanticCustomError(kind, FIELD[kind])


def _takes_dates(annotation: Any) -> bool:
    if annotation in (date, datetime):
        return True
    return any(_takes_dates(argument) for argument in get_args(annotation))


class Input(BaseModel):
    """Request bodies refuse, with 422 at the field: unknown and read-only fields (never silently ignored), text
    with control characters, dates that are not ISO strings or lie outside 1900–2199, a boolean or number sent as
    a string, and an explicit null for a field in NOT_NULL (a PATCH may leave it out). The JSON schema says so
    (`_contract`)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=_contract)
    NOT_NULL: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_null(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls.NOT_NULL:
            raise refusal(NULL_REFUSED)
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and value is not None:
            _refuse_coercion(field.annotation, value)
            if _takes_dates(field.annotation):
                refuse_non_iso(value)
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
