"""Vocabulary of the ledger (台账): enterprise status, licence status, kinds of risk signal."""

from app.domain.labels import LabelledEnum


class EnterpriseStatus(LabelledEnum):
    """计划 七（一）建立台账: closing an enterprise is a status, never a delete."""

    operating = "在产"
    suspended = "停产"
    closed = "关闭（注销）"


class LicenceStatus(LabelledEnum):
    valid = "有效"
    expired = "过期"
    revoked = "吊销"
    cancelled = "注销"


class SignalKind(LabelledEnum):
    """The inputs of the escalation rule (计划 六、日常监督检查频次 第二段)."""

    complaint = "举报投诉"
    risk_alert = "风险监测"
    sampling = "监督抽查"
    unlicensed_production = "无证生产"
