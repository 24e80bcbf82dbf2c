import uuid
from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from app.models.base import created_at_field, uuid_pk


class SamplingFollowUp(SQLModel, table=True):
    """Post-processing of a failed supervisory sampling (监督抽查不合格后处理), opened by the unqualified result."""

    __tablename__ = "sampling_follow_up"

    id: uuid.UUID = uuid_pk()
    signal_id: uuid.UUID = Field(foreign_key="risk_signal.id", unique=True)
    enterprise_id: uuid.UUID = Field(foreign_key="enterprise.id", index=True)
    county_code: str = Field(foreign_key="jurisdiction.code", max_length=12, index=True)  # the enterprise's
    product: str | None = Field(default=None, max_length=128)
    report_no: str | None = Field(default=None, max_length=64)
    origin: str = Field(max_length=16)  # referred (上级转办) | local (本级组织): 计划 七（四）
    failed_on: date = Field(index=True)
    status: str = Field(default="open", max_length=8, index=True)  # open | closed
    notified_on: date | None = None
    rectification_ordered_on: date | None = None
    resampled_on: date | None = None
    resample_qualified: bool | None = None
    closed_on: date | None = None
    version: int = 1
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class SamplingFollowUpStep(SQLModel, table=True):
    """One step of the post-processing, kept with who recorded it and when."""

    __tablename__ = "sampling_follow_up_step"

    id: uuid.UUID = uuid_pk()
    follow_up_id: uuid.UUID = Field(foreign_key="sampling_follow_up.id", index=True)
    kind: str = Field(max_length=24)  # notified | rectification_ordered | resampled | closed
    done_on: date
    qualified: bool | None = None  # resampled: 合格 / 不合格
    note: str | None = Field(default=None, sa_column=Column(Text))
    actor_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    actor_name: str = Field(max_length=64)
    at: datetime = created_at_field()
