"""What integrators receive: the event types, each with the schema of its `data` (the record as the API returns
it), the CloudEvents 1.0 envelope the change feed and webhooks carry, and the webhook subscriptions."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.domain.permissions import Permission
from app.domain.statuses import DeliveryStatus
from app.schemas.common import Input, Output
from app.schemas.disclosure import DisclosureDetail
from app.schemas.enterprise import EnterpriseRead
from app.schemas.enterprise_import import EnterpriseImportRead
from app.schemas.finding import FindingDetail
from app.schemas.licence import LicenceRead
from app.schemas.plan import PlanItemDetail, PlanRead
from app.schemas.report import ReportRead
from app.schemas.visit import VisitRead

TYPE_PREFIX = "cn.zhijian."
SOURCE = "/api/v1"
SPECVERSION = "1.0"
TEST_TYPE = TYPE_PREFIX + "webhook.test"


@dataclass(frozen=True)
class EventType:
    name: str
    label: str
    schema: type[BaseModel]
    permission: Permission
    """What reading the record itself takes: the feed and webhooks carry the event only to whoever has it."""


def _types(*rows: tuple[str, str, type[BaseModel], Permission]) -> dict[str, EventType]:
    kinds = [EventType(TYPE_PREFIX + name, label, schema, permission) for name, label, schema, permission in rows]
    return {kind.name: kind for kind in kinds}


EVENT_TYPES: dict[str, EventType] = _types(
    ("enterprise.created", "企业纳入台账", EnterpriseRead, Permission.ENTERPRISES_READ),
    ("enterprise.updated", "企业信息变更", EnterpriseRead, Permission.ENTERPRISES_READ),
    ("enterprise.closed", "企业注销/关停", EnterpriseRead, Permission.ENTERPRISES_READ),
    ("licence.changed", "许可证变更", LicenceRead, Permission.ENTERPRISES_READ),
    ("plan.issued", "检查计划下达", PlanRead, Permission.PLANS_READ),
    ("plan_line.adjusted", "计划条目调整", PlanItemDetail, Permission.PLANS_READ),
    ("plan_line.raised", "计划条目自动上调", PlanItemDetail, Permission.PLANS_READ),
    ("visit.submitted", "检查记录提交", VisitRead, Permission.VISITS_READ),
    ("visit.archived", "检查记录归档", VisitRead, Permission.VISITS_READ),
    ("visit.amended", "检查记录更正", VisitRead, Permission.VISITS_READ),
    ("finding.created", "发现问题", FindingDetail, Permission.VISITS_READ),
    ("finding.extended", "延期整改", FindingDetail, Permission.VISITS_READ),
    ("finding.rectified", "整改报告", FindingDetail, Permission.VISITS_READ),
    ("finding.reinspected", "复查回访", FindingDetail, Permission.VISITS_READ),
    ("finding.escalated", "问题升级", FindingDetail, Permission.VISITS_READ),
    ("finding.case_filed", "立案查处", FindingDetail, Permission.VISITS_READ),
    ("finding.rectification_reported", "企业报送整改报告", FindingDetail, Permission.VISITS_READ),
    ("finding.rectification_returned", "整改报告退回", FindingDetail, Permission.VISITS_READ),
    ("finding.extension_requested", "企业申请延期", FindingDetail, Permission.VISITS_READ),
    ("finding.extension_refused", "延期申请未批准", FindingDetail, Permission.VISITS_READ),
    ("report.submitted", "报表报送", ReportRead, Permission.REPORTS_READ),
    ("disclosure.published", "检查结果公示", DisclosureDetail, Permission.REPORTS_READ),
    ("import.finished", "台账导入完成", EnterpriseImportRead, Permission.ENTERPRISES_IMPORT),
)


class CloudEvent(BaseModel):
    """A CloudEvents 1.0 event in its JSON format; `countycode` and `position` are extension attributes."""

    specversion: str = Field(SPECVERSION, description="CloudEvents version")
    id: uuid.UUID
    source: str = SOURCE
    type: str = Field(description="cn.zhijian.<record>.<what happened>", examples=["cn.zhijian.finding.escalated"])
    subject: str = Field(description="the record's API path, e.g. /api/v1/findings/{id}")
    time: datetime
    datacontenttype: str = "application/json"
    countycode: str | None = Field(description="the record's county; a prefecture's own record's: the prefecture")
    position: int = Field(
        description="the event's place in the outbox: gap-free, increasing; the feed's cursor (0: a test message)"
    )
    data: dict[str, Any] = Field(description="the record as the API returns it (the type's schema)")


class WebhookSubscriptionCreate(Input):
    url: str = Field(min_length=8, max_length=500, description="https (http only in development and test)")
    event_types: list[str] = Field(
        min_length=1,
        max_length=len(EVENT_TYPES),
        json_schema_extra={"items": {"type": "string", "enum": sorted(EVENT_TYPES)}},
    )
    description: str | None = Field(default=None, max_length=200)


class WebhookSubscriptionUpdate(Input):
    NOT_NULL = frozenset({"url", "event_types", "is_active"})
    url: str | None = Field(default=None, min_length=8, max_length=500)
    event_types: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=len(EVENT_TYPES),
        json_schema_extra={"items": {"type": "string", "enum": sorted(EVENT_TYPES)}},
    )
    description: str | None = Field(default=None, max_length=200)
    is_active: bool | None = Field(default=None, description="true re-enables a subscription disabled by failures")


class WebhookSubscriptionRead(Output):
    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str | None
    county_code: str | None
    is_active: bool
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime


class WebhookSubscriptionCreated(WebhookSubscriptionRead):
    secret: str = Field(description="whsec_…: shown once; verify each delivery's webhook-signature with it")


class WebhookDeliveryRead(Output):
    id: uuid.UUID
    subscription_id: uuid.UUID
    message_id: str = Field(description="the webhook-id header: the same on every attempt")
    event_type: str
    subject: str
    event_position: int | None
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
