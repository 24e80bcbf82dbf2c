"""Enterprise ledger records (台账): create / update / read, the list page with delta sync, the history."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field, computed_field

from app.core.deps import Day, Instant
from app.domain.risk import KeyFlag, RiskClass
from app.domain.statuses import ActorKind, EnterpriseStatus
from app.schemas.common import CREDIT_CODE, CountyCode, Input, ListFilter, Output, Page, label_of

PHONE_PATTERN = r"^[0-9+\-() ]{3,32}$"


class EnterpriseCreate(Input):
    credit_code: str = Field(
        max_length=40,
        json_schema_extra=CREDIT_CODE,
        description="统一社会信用代码 (GB 32100-2015); full-width, lower case and spaces are normalised",
    )
    name: str = Field(min_length=1, max_length=128, description="企业名称")
    county_code: str = Field(max_length=12, description="所属县（市）代码; county users: their own county only")
    address: str | None = Field(default=None, max_length=256, description="生产地址")
    legal_representative: str | None = Field(default=None, max_length=64, description="法定代表人")
    industry: str | None = Field(default=None, max_length=64, description="所属行业")
    main_products: str | None = Field(default=None, max_length=256, description="主要产品")
    risk_class: RiskClass | None = Field(
        default=None,
        description="风险等级 A–D, set by the prefecture; county users must leave it out (new enterprises: B)",
    )
    status: EnterpriseStatus = Field(default=EnterpriseStatus.operating, description="经营状态")
    key_industry: bool = False
    key_region: bool = False
    key_enterprise: bool = False
    key_product: bool = False
    contact_person: str | None = Field(default=None, max_length=64, description="联系人")
    contact_phone: str | None = Field(default=None, max_length=32, pattern=PHONE_PATTERN, description="联系电话")


class EnterpriseUpdate(Input):
    """Only the fields sent change. `county_code` and `risk_class` are read-only for county users (422 when
    they differ from the current value). Closing is `status: closed`, never a delete."""

    NOT_NULL = frozenset(
        {
            "credit_code",
            "name",
            "county_code",
            "risk_class",
            "status",
            "key_industry",
            "key_region",
            "key_enterprise",
            "key_product",
        }
    )

    credit_code: str | None = Field(default=None, max_length=40, json_schema_extra=CREDIT_CODE)
    name: str | None = Field(default=None, min_length=1, max_length=128)
    county_code: str | None = Field(default=None, max_length=12)
    address: str | None = Field(default=None, max_length=256)
    legal_representative: str | None = Field(default=None, max_length=64)
    industry: str | None = Field(default=None, max_length=64)
    main_products: str | None = Field(default=None, max_length=256)
    risk_class: RiskClass | None = None
    status: EnterpriseStatus | None = None
    key_industry: bool | None = None
    key_region: bool | None = None
    key_enterprise: bool | None = None
    key_product: bool | None = None
    contact_person: str | None = Field(default=None, max_length=64)
    contact_phone: str | None = Field(default=None, max_length=32, pattern=PHONE_PATTERN)


class EnterpriseRead(Output):
    id: uuid.UUID
    credit_code: str
    name: str
    county_code: str
    county_name: str | None = None
    address: str | None
    legal_representative: str | None
    industry: str | None
    main_products: str | None
    risk_class: RiskClass
    status: EnterpriseStatus
    key_industry: bool
    key_region: bool
    key_enterprise: bool
    key_product: bool
    contact_person: str | None
    contact_phone: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    risk_class_label = label_of("risk_class", "风险等级（中文）")

    status_label = label_of("status", "经营状态（中文）")

    @computed_field(description="重点监管标志: the codes of the key_* flags that are set")
    @property
    def key_flags(self) -> list[KeyFlag]:
        return [flag for flag in KeyFlag if getattr(self, f"key_{flag.value}")]

    @computed_field(description="重点监管标志（中文）, in the order of key_flags")
    @property
    def key_flag_labels(self) -> list[str]:
        return [flag.label for flag in self.key_flags]


class EnterprisePage(Page[EnterpriseRead]):
    as_of: datetime = Field(description="server time of this answer: send it as `updated_since` next time")
    closed_ids: list[uuid.UUID] | None = Field(
        default=None, description="with `updated_since`: enterprises closed since then (drop them offline)"
    )


class EnterpriseSort(StrEnum):
    name = "name"
    name_desc = "-name"
    credit_code = "credit_code"
    credit_code_desc = "-credit_code"
    updated_at = "updated_at"
    updated_at_desc = "-updated_at"
    risk_class = "risk_class"
    risk_class_desc = "-risk_class"


class HistoryEntry(Output):
    """One change from the audit trail: to the enterprise itself, one of its licences or its risk signals."""

    id: int
    at: datetime
    actor_kind: ActorKind
    actor_name: str | None
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class EnterpriseFilter(ListFilter):
    county_code: CountyCode = None
    risk_class: RiskClass | None = None
    status: EnterpriseStatus | None = None
    q: str | None = Field(
        default=None, max_length=64, description="name or credit code contains, or a licence number in any printed form"
    )
    key_flag: KeyFlag | None = Field(default=None, description="重点行业/区域/企业/产品")
    licence_expiring_before: Day | None = Field(default=None, description="holds a valid licence expiring before")
    has_open_signals: bool | None = None
    updated_since: Instant | None = Field(
        default=None, description="delta sync: changed since (ISO 8601); answers also `closed_ids`"
    )
