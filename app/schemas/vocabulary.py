"""The vocabularies of the forms: codes with their Chinese labels, in the order a drop-down shows them."""

from pydantic import BaseModel, Field


class Term(BaseModel):
    code: str = Field(description="what the API accepts and returns")
    label: str = Field(description="what a person reads (中文)")


class VocabularyRead(BaseModel):
    name: str = Field(description="e.g. risk_class; GET /api/v1/vocabularies/{name}")
    title: str = Field(description="中文名称")
    terms: list[Term]
