"""Vocabulary of the ledger (台账): enterprise status, licence status, kinds of risk signal."""

from enum import StrEnum


class EnterpriseStatus(StrEnum):
    """计划 七（一）建立台账: closing an enterprise is a status, never a delete."""

    operating = "operating"
    suspended = "suspended"
    closed = "closed"

    @property
    def label(self) -> str:
        return {"operating": "在产", "suspended": "停产", "closed": "关闭（注销）"}[self.value]


class LicenceStatus(StrEnum):
    valid = "valid"
    expired = "expired"
    revoked = "revoked"
    cancelled = "cancelled"

    @property
    def label(self) -> str:
        return {"valid": "有效", "expired": "过期", "revoked": "吊销", "cancelled": "注销"}[self.value]


class SignalKind(StrEnum):
    """The inputs of the escalation rule (计划 六、日常监督检查频次 第二段)."""

    complaint = "complaint"
    risk_alert = "risk_alert"
    sampling = "sampling"
    unlicensed_production = "unlicensed_production"

    @property
    def label(self) -> str:
        return {
            "complaint": "举报投诉",
            "risk_alert": "风险监测",
            "sampling": "监督抽查",
            "unlicensed_production": "无证生产",
        }[self.value]
