"""Risk classes 分类监管 and key-supervision flags 重点监管 of the plan."""

from enum import StrEnum


class RiskClass(StrEnum):
    """计划 六、日常监督检查频次: A lowest risk … D highest risk."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"

    @property
    def label(self) -> str:
        return _RISK_LABELS[self]


_RISK_LABELS = {
    RiskClass.A: "A类（低风险）",
    RiskClass.B: "B类（较低风险）",
    RiskClass.C: "C类（较高风险）",
    RiskClass.D: "D类（高风险）",
}

RISK_ORDER: tuple[RiskClass, ...] = (RiskClass.A, RiskClass.B, RiskClass.C, RiskClass.D)
"""From lowest to highest risk; a step toward D is a step up this tuple."""


class KeyFlag(StrEnum):
    """计划 六: 重点行业、重点区域、重点企业、重点产品."""

    industry = "industry"
    region = "region"
    enterprise = "enterprise"
    product = "product"

    @property
    def label(self) -> str:
        return _FLAG_LABELS[self]


_FLAG_LABELS = {
    KeyFlag.industry: "重点行业",
    KeyFlag.region: "重点区域",
    KeyFlag.enterprise: "重点企业",
    KeyFlag.product: "重点产品",
}
