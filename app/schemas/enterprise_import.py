"""Bulk upload of enterprises: the JSON row shape, the job and its row errors."""

import uuid
from datetime import datetime

from pydantic import BaseModel, Field, field_validator

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


class RowError(BaseModel):
    row: int = Field(description="xlsx: the sheet row number (header = 1); JSON: the array index (from 0)")
    column: str = Field(description="field name, e.g. credit_code; `row` for the row as a whole")
    header: str | None = Field(default=None, description="Chinese column header")
    msg: str


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
