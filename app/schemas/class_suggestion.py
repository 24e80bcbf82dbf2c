"""Next year's risk class suggested from this year's results (分类监管, 动态调整), and the prefecture's decisions."""

import uuid
from datetime import date

from pydantic import Field

from app.domain.risk import RiskClass
from app.schemas.common import Input, Output
from app.schemas.plan import ReasonRead


class ClassSuggestionRead(Output):
    enterprise_id: uuid.UUID
    enterprise_name: str
    credit_code: str
    county_code: str
    year: int = Field(description="the plan year whose results are read")
    for_year: int = Field(description="the year the suggested class is for (year + 1)")
    as_of: date = Field(description="results as of this day (today, or Dec 31 of a past year)")
    current_class: RiskClass = Field(description="the class of the year: its plan line's, else the ledger's")
    current_class_label: str
    suggested_class: RiskClass
    suggested_class_label: str
    changes_class: bool = Field(description="the suggestion differs from the current class")
    reasons: list[ReasonRead] = Field(description="why, in Chinese")
    ledger_class: RiskClass = Field(description="the class on the ledger now (the decision, once accepted)")
    case_filed: bool = Field(description="本年度立案查处")
    failed_sampling: bool = Field(description="本年度监督抽查不合格")
    max_escalation_level: int = Field(description="本年度问题达到的最高升级级别")
    visits_done: int = Field(description="计入频次的已归档检查次数")
    required_visits: int = Field(description="计划检查次数 (the plan line's, else the rule's minimum)")
    open_findings: int = Field(description="未闭环问题数")


class ClassDecision(Input):
    enterprise_id: uuid.UUID
    risk_class: RiskClass | None = Field(
        default=None, description="the class for next year; left out: the suggested class"
    )
    reason: str | None = Field(
        default=None, max_length=500, description="理由: required when risk_class differs from the suggestion"
    )


class ClassSuggestionAccept(Input):
    """All or nothing: any item in error → 422 naming every problem at ["items", n, field], nothing applied."""

    items: list[ClassDecision] = Field(min_length=1, max_length=1000)


class ClassDecisionRead(Output):
    enterprise_id: uuid.UUID
    previous_class: RiskClass = Field(description="the ledger's class before")
    suggested_class: RiskClass
    risk_class: RiskClass = Field(description="the class now on the ledger")
    overridden: bool = Field(description="the prefecture chose another class than the suggestion")
    reason: str | None


class ClassSuggestionAcceptResult(Output):
    plan_id: uuid.UUID
    year: int
    for_year: int
    accepted: int
    changed: int = Field(description="enterprises whose ledger class changed")
    next_plan_id: uuid.UUID | None = Field(
        description="a draft plan of for_year exists: POST /plans/{id}/refresh takes the new classes in; "
        "otherwise POST /plans generates it from them"
    )
    items: list[ClassDecisionRead]
