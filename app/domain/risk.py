"""Risk classes 分类监管 and key-supervision flags 重点监管 of the plan."""

from app.domain.labels import LabelledEnum


class RiskClass(LabelledEnum):
    """计划 六、日常监督检查频次: A lowest risk … D highest risk."""

    A = "A类（低风险）"
    B = "B类（较低风险）"
    C = "C类（较高风险）"
    D = "D类（高风险）"


RISK_ORDER: tuple[RiskClass, ...] = (RiskClass.A, RiskClass.B, RiskClass.C, RiskClass.D)
"""From lowest to highest risk; a step toward D is a step up this tuple."""


class KeyFlag(LabelledEnum):
    """计划 六: 重点行业、重点区域、重点企业、重点产品."""

    industry = "重点行业"
    region = "重点区域"
    enterprise = "重点企业"
    product = "重点产品"
