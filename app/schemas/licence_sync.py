"""The licensing system's side of licences: inbound pushes (by licence number, or a batch) and sync runs."""

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.domain.statuses import LicenceStatus, SyncDirection, SyncRunStatus
from app.schemas.common import CREDIT_CODE, Input, Output
from app.schemas.licence import LicenceRead


class LicencePush(Input):
    """A licence as the licensing system knows it; the enterprise is matched by its credit code."""

    credit_code: str = Field(
        max_length=24,
        json_schema_extra=CREDIT_CODE,
        description="统一社会信用代码 of the holder, already on the ledger",
    )
    product_category: str = Field(max_length=64, description="one of GET /api/v1/licence-categories")
    issued_on: date | None = None
    expires_on: date
    status: LicenceStatus = LicenceStatus.valid


class LicenceSyncRow(LicencePush):
    licence_no: str = Field(max_length=40)


class LicenceSyncBatch(Input):
    """All or nothing: any row in error → 422 listing every problem at ["rows", i, field], nothing applied."""

    rows: list[LicenceSyncRow] = Field(min_length=1, max_length=1000)


Outcome = Literal["created", "updated", "unchanged"]


class LicencePushResult(BaseModel):
    outcome: Outcome
    licence: LicenceRead


class LicenceSyncRunRead(Output):
    id: uuid.UUID
    direction: SyncDirection
    status: SyncRunStatus
    source_url: str | None
    cursor_before: str | None
    cursor_after: str | None
    fetched: int
    created: int
    updated: int
    unchanged: int
    failed: int
    failures: list[dict[str, Any]]
    detail: str | None
    actor_name: str
    started_at: datetime
    finished_at: datetime | None


class PulledLicence(BaseModel):
    """One item of the licensing system's `GET {base}/licences` answer (see app/services/ledger/licensing_client.py)."""

    licence_no: str = Field(max_length=40)
    credit_code: str = Field(max_length=24)
    product_category: str = Field(max_length=64)
    issued_on: date | None = None
    expires_on: date
    status: LicenceStatus = LicenceStatus.valid
    updated_at: datetime
