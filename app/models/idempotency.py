import uuid
from datetime import datetime

from sqlalchemy import JSON, Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import created_at_field, uuid_pk


class IdempotentRequest(SQLModel, table=True):
    """A write sent with an Idempotency-Key, and the answer it got: a retry with the key gets this answer again.

    Inserted when the request starts and completed with the answer in the request's own transaction, so the
    record exists exactly when the write committed; a request that failed leaves none and may be retried."""

    __tablename__ = "idempotent_request"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: uuid.UUID = uuid_pk()
    scope: str = Field(max_length=64)  # the caller: "user:<id>" or "service:<id>"
    key: str = Field(max_length=128)
    request_sha256: str = Field(max_length=64)  # method, path, query and body as sent
    status_code: int | None = None  # None while the first request runs
    headers: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    body: bytes | None = Field(default=None, sa_column=Column(LargeBinary))
    created_at: datetime = created_at_field()
