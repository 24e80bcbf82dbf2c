"""工业产品生产许可证 of an enterprise, and the catalogue of licensed product categories."""

import uuid
from datetime import date, datetime

from pydantic import Field, computed_field

from app.core.clock import today_in_china
from app.domain.licence import licence_expiring
from app.domain.ruleset import ruleset_for
from app.domain.statuses import LicenceSource, LicenceStatus
from app.schemas.common import Input, Output, label_of


class LicenceCategoryRead(Output):
    name: str
    position: int


class LicenceCreate(Input):
    licence_no: str = Field(max_length=40, description="许可证编号, e.g. 新XK16-204-00397 (full-width is normalised)")
    product_category: str = Field(max_length=64, description="产品类别: one of GET /api/v1/licence-categories")
    issued_on: date | None = Field(default=None, description="发证日期")
    expires_on: date = Field(description="有效期至")
    status: LicenceStatus = LicenceStatus.valid
    source: LicenceSource = LicenceSource.manual


class LicenceUpdate(Input):
    NOT_NULL = frozenset({"licence_no", "product_category", "expires_on", "status", "source"})

    licence_no: str | None = Field(default=None, max_length=40)
    product_category: str | None = Field(default=None, max_length=64)
    issued_on: date | None = None
    expires_on: date | None = None
    status: LicenceStatus | None = None
    source: LicenceSource | None = None


class LicenceRead(Output):
    id: uuid.UUID
    enterprise_id: uuid.UUID
    licence_no: str
    product_category: str
    issued_on: date | None
    expires_on: date
    status: LicenceStatus
    source: LicenceSource
    version: int
    created_at: datetime
    updated_at: datetime

    status_label = label_of("status", "许可证状态（中文）")

    @computed_field(description="到期换证: valid and expiring within the year's renewal window (or already expired)")
    @property
    def renewal_due(self) -> bool:
        today = today_in_china()
        return self.status is LicenceStatus.valid and licence_expiring(today, self.expires_on, ruleset_for(today.year))
