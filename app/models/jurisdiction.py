from sqlmodel import Field, SQLModel


class Jurisdiction(SQLModel, table=True):
    """The prefecture (地区) and its counties/county-level cities (县/市), keyed by administrative code."""

    code: str = Field(primary_key=True, max_length=12)
    name: str = Field(max_length=64)
    level: str = Field(max_length=16)  # prefecture | county
    parent_code: str | None = Field(default=None, foreign_key="jurisdiction.code", max_length=12)
