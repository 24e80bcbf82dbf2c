"""Ledger completeness per county (台账 100% complete)."""

from pydantic import BaseModel, Field


class RequiredField(BaseModel):
    field: str
    label: str


class CountyCompleteness(BaseModel):
    county_code: str
    county_name: str
    enterprises: int = Field(description="enterprises on the ledger that are not closed")
    complete: int = Field(description="of those, with every required field filled")
    complete_share: float = Field(description="complete / enterprises (1.0 when there are none)")
    missing: dict[str, int] = Field(description="required field → enterprises missing it")


class CompletenessReport(BaseModel):
    required_fields: list[RequiredField]
    counties: list[CountyCompleteness]
    total: CountyCompleteness
