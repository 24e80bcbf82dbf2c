"""Bulk upload of enterprises: the JSON row shape, the job and its row errors."""

import json
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator

from app.core.i18n import text
from app.domain.errors import Message
from app.domain.statuses import ImportSource, ImportStatus
from app.schemas.common import Output


class EnterpriseImportRow(BaseModel):
    """One element of a JSON upload: the columns of the template, by field name. `county_code` takes a code
    or a county name, `status` a code or its Chinese label, flags a boolean or 是/否."""

    credit_code: str
    name: str
    county_code: str
    address: str | None = None
    legal_representative: str | None = None
    industry: str | None = None
    main_products: str | None = None
    risk_class: str | None = None
    status: str | None = None
    key_industry: bool | str | None = None
    key_region: bool | str | None = None
    key_enterprise: bool | str | None = None
    key_product: bool | str | None = None
    contact_person: str | None = None
    contact_phone: str | None = None


def kept_message(message: Message) -> str:
    """A job's detail as the job keeps it: the code, or the code and its parameters as JSON."""
    return json.dumps({"code": message.code, "params": dict(message.params)}) if message.params else message.code


def worded_detail(kept: str | None, error_count: int) -> str | None:
    """A job's kept detail in the caller's language (a detail kept as text before codes were kept stays as it is)."""
    if kept is None:
        return None
    if kept.startswith('{"code"'):
        found = json.loads(kept)
        return text(Message(found["code"], **found["params"]))
    return text(Message(kept, count=error_count))


def stored_row_error(stored: dict[str, Any]) -> tuple[int | None, int | None, Message]:
    """(sheet row, index, message) of a kept row error. One kept before codes were kept (`row`, `msg`) keeps its
    words, and its `row` (the number its loc had) as the index."""
    if "code" in stored:
        return stored["sheet_row"], stored["index"], Message(stored["code"], **stored.get("params", {}))
    return None, stored.get("row"), Message("import_row_error", text=stored.get("msg", ""))


class RowError(BaseModel):
    sheet_row: int | None = Field(
        description="the row a person sees in the uploaded sheet (header = 1); null for a JSON upload"
    )
    index: int | None = Field(
        description="0-based position of the row among the uploaded rows (the JSON array, the sheet's data rows); "
        "null for a problem of the sheet's header row"
    )
    column: str = Field(description="field name, e.g. credit_code; `row` for the row as a whole")
    header: str | None = Field(default=None, description="Chinese column header")
    code: str = Field(description="stable machine code of the error (README: error codes)")
    msg: str = Field(description="the message, in the language of `Content-Language`")

    @model_validator(mode="before")
    @classmethod
    def _from_kept(cls, value: Any) -> Any:
        if isinstance(value, dict) and ("params" in value or "row" in value):
            sheet_row, index, message = stored_row_error(value)
            return value | {"sheet_row": sheet_row, "index": index, "code": message.code, "msg": text(message)}
        return value


class EnterpriseImportRead(Output):
    id: uuid.UUID
    source: ImportSource
    filename: str | None
    dry_run: bool
    all_or_nothing: bool
    status: ImportStatus = Field(
        description="validated: a dry run; interrupted: the process running it stopped, nothing was written"
    )
    county_code: str | None
    actor_name: str | None
    rows_total: int
    rows_processed: int
    created_count: int
    updated_count: int
    unchanged_count: int
    error_count: int
    errors: list[RowError] = []
    errors_truncated: bool
    detail: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @field_validator("errors", mode="before")
    @classmethod
    def _none_is_empty(cls, value: object) -> object:
        return value or []

    @model_validator(mode="after")
    def _worded(self) -> "EnterpriseImportRead":
        self.detail = worded_detail(self.detail, self.error_count)
        return self
