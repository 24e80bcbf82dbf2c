"""Risk signals of an enterprise: the inputs of the escalation rule (加大频次)."""

import uuid
from datetime import date, datetime

from pydantic import Field

from app.domain.reporting import SamplingOrigin
from app.domain.statuses import SignalKind
from app.schemas.common import Input, Output, label_of


class SignalCreate(Input):
    """complaint: `substantiated` (查实) when known; sampling: `product` and `qualified` required, plus batch,
    report number, and for a failed one `sampling_origin`; risk_alert / unlicensed_production: date, source and note."""

    kind: SignalKind
    occurred_on: date = Field(description="日期: not in the future")
    source: str | None = Field(default=None, max_length=128, description="来源, e.g. 12315, 风险监测平台")
    note: str | None = Field(default=None, max_length=4000)
    substantiated: bool | None = Field(default=None, description="complaints: 是否查实")
    product: str | None = Field(default=None, max_length=128, description="sampling: 抽查产品")
    batch: str | None = Field(default=None, max_length=64, description="sampling: 批次")
    qualified: bool | None = Field(default=None, description="sampling: 合格 true / 不合格 false")
    report_no: str | None = Field(default=None, max_length=64, description="sampling: 检验报告编号")
    sampling_origin: SamplingOrigin | None = Field(
        default=None,
        description="failed sampling (required): referred 上级转办 | local 本级组织, kept on its follow-up",
    )


class SignalRead(Output):
    id: uuid.UUID
    enterprise_id: uuid.UUID
    kind: SignalKind
    occurred_on: date
    source: str | None
    note: str | None
    substantiated: bool | None
    product: str | None
    batch: str | None
    qualified: bool | None
    report_no: str | None
    is_open: bool
    created_by_id: uuid.UUID | None
    created_at: datetime

    kind_label = label_of("kind", "信号类别（中文）")
