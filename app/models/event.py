import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Integer
from sqlmodel import Field, SQLModel

from app.models.base import UTCDateTime, created_at_field, uuid_pk
from app.models.personal import EncryptedText


class Event(SQLModel, table=True):
    """The transactional outbox: one row per change integrators hear about, written in the change's transaction.

    `position` is taken when the transaction commits, under a lock held only for the commit, so positions are
    gap-free and become visible in increasing order: a reader that has seen position n has seen every event
    before it (the change feed's cursor relies on it).
    """

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_subject_position", "subject", "position"),)

    position: int = Field(
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    )
    id: uuid.UUID = Field(unique=True)  # the CloudEvents id
    type: str = Field(max_length=80, index=True)  # cn.zhijian.finding.escalated
    subject: str = Field(max_length=200)  # the record's API path
    time: datetime = created_at_field()
    county_code: str | None = Field(
        default=None, max_length=12, index=True
    )  # the record's county (a prefecture's own: its code)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))


class WebhookSubscription(SQLModel, table=True):
    """Where an integrator wants events pushed, signed per the Standard Webhooks specification."""

    __tablename__ = "webhook_subscription"

    id: uuid.UUID = uuid_pk()
    owner_kind: str = Field(max_length=16)  # user | service
    owner_id: uuid.UUID = Field(index=True)
    county_code: str | None = Field(default=None, max_length=12)  # the owner's node: only the events of its subtree
    url: str = Field(max_length=500)
    event_types: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    description: str | None = Field(default=None, max_length=200)
    # whsec_…, shown once; a shared secret (whoever reads it forges deliveries), so stored SM4-encrypted
    secret: str = Field(sa_type=EncryptedText("webhook_subscription.secret"))
    is_active: bool = True
    disabled_reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class WebhookDelivery(SQLModel, table=True):
    """One message to one subscription: an event (or a test), its attempts and outcome."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_subscription_id_created_at", "subscription_id", "created_at"),)

    id: uuid.UUID = uuid_pk()
    subscription_id: uuid.UUID = Field(foreign_key="webhook_subscription.id", ondelete="CASCADE")
    event_position: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite")))
    message_id: str = Field(max_length=64)  # webhook-id: the same for every attempt
    event_type: str = Field(max_length=80)
    subject: str = Field(max_length=200)
    payload: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))  # a test message's body
    status: str = Field(default="pending", max_length=16)  # pending | delivered | failed | skipped
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = created_at_field()
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
