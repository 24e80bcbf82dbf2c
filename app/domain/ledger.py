"""Vocabulary of the ledger (台账): enterprise status, licence status, kinds of risk signal."""

from app.domain.labels import LabelledEnum


class EnterpriseStatus(LabelledEnum):
    """计划 七（一）建立台账: closing an enterprise is a status, never a delete."""

    operating = "operating", "在产"
    suspended = "suspended", "停产"
    closed = "closed", "关闭（注销）"


class LicenceStatus(LabelledEnum):
    valid = "valid", "有效"
    expired = "expired", "过期"
    revoked = "revoked", "吊销"
    cancelled = "cancelled", "注销"


class SignalKind(LabelledEnum):
    """The inputs of the escalation rule (计划 六、日常监督检查频次 第二段)."""

    complaint = "complaint", "举报投诉"
    risk_alert = "risk_alert", "风险监测"
    sampling = "sampling", "监督抽查"
    unlicensed_production = "unlicensed_production", "无证生产"
