import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, event, text
from sqlmodel import Field, SQLModel

from app.domain.licence import licence_lookup_key, normalise_licence_number
from app.models.base import UTCDateTime, created_at_field, utcnow, uuid_pk
from app.models.personal import EncryptedBytes, EncryptedText, digest

PLAN_INPUTS = ("risk_class", "status", "key_industry", "key_region", "key_enterprise", "key_product")
"""The columns of an enterprise its plan line is computed from: a change of any of them recomputes the line."""


class Enterprise(SQLModel, table=True):
    """One industrial-product manufacturer on the ledger (台账), keyed by its unified social credit code.

    Indexes are few on purpose (every one slows a 100k-row import): a pg_trgm GIN index on `name` serves the
    `q` search on PostgreSQL; (county, risk class, name, id) serves the common list page (a county's enterprises of
    one class, by name) and every lookup by county; status (3 values) is filtered without an index.
    """

    __table_args__ = (
        Index(
            "ix_enterprise_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}
        ).ddl_if(dialect="postgresql"),
        Index("ix_enterprise_county_risk_name", "county_code", "risk_class", "name", "id"),
        Index(
            "ix_enterprise_closed_at",
            "closed_at",
            postgresql_where=text("closed_at IS NOT NULL"),
            sqlite_where=text("closed_at IS NOT NULL"),
        ),
    )

    id: uuid.UUID = uuid_pk()
    credit_code: str = Field(max_length=18, unique=True, index=True)
    name: str = Field(max_length=128, index=True)
    county_code: str = Field(foreign_key="jurisdiction.code", max_length=12)
    address: str | None = Field(default=None, max_length=256)
    legal_representative: str | None = Field(default=None, max_length=64)
    industry: str | None = Field(default=None, max_length=64)
    main_products: str | None = Field(default=None, max_length=256)
    risk_class: str = Field(max_length=1)  # A | B | C | D
    status: str = Field(default="operating", max_length=16)
    key_industry: bool = False
    key_region: bool = False
    key_enterprise: bool = False
    key_product: bool = False
    contact_person: str | None = Field(default=None, max_length=64)
    contact_phone: str | None = Field(default=None, sa_type=EncryptedText("enterprise.contact_phone"))
    """联系电话, personal data: stored SM4-encrypted (`app.models.personal`); compared by `contact_phone_digest`."""
    contact_phone_digest: str | None = Field(default=None, max_length=80)
    """Keyed HMAC-SM3 of the phone (NULL when blank), set on every ORM write (`_phone_digest` below) and by the
    bulk import: what the import's "unchanged" test and the completeness count compare, never the ciphertext."""
    version: int = 1
    created_at: datetime = created_at_field()
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


@event.listens_for(Enterprise, "before_insert")
@event.listens_for(Enterprise, "before_update")
def _phone_digest(mapper: Any, connection: Any, enterprise: Enterprise) -> None:
    enterprise.contact_phone_digest = digest(enterprise.contact_phone)


class Licence(SQLModel, table=True):
    """工业产品生产许可证 held by an enterprise.

    `licence_no` is stored in its one canonical form (`normalise_licence_number`: "新XK16-204-00397", or
    "XK16-204-00397" when printed without a province); `lookup_key` is the province-less national number
    (`licence_lookup_key`) a licence is found and kept unique by, whichever form was printed, typed or pushed.
    Both are set on every ORM insert and update (`_canonical_number` below), so no writer can skip them.
    """

    __table_args__ = (Index("ix_licence_enterprise_id_expires_on", "enterprise_id", "expires_on"),)

    id: uuid.UUID = uuid_pk()
    enterprise_id: uuid.UUID = Field(foreign_key="enterprise.id", index=True)
    licence_no: str = Field(max_length=32, unique=True, index=True)
    lookup_key: str = Field(max_length=32, unique=True, index=True)
    product_category: str = Field(max_length=64)
    issued_on: date | None = None
    expires_on: date = Field(index=True)
    status: str = Field(default="valid", max_length=16)
    source: str = Field(default="manual", max_length=32)  # manual | licensing_system
    version: int = 1
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


@event.listens_for(Licence, "before_insert")
@event.listens_for(Licence, "before_update")
def _canonical_number(mapper: Any, connection: Any, licence: Licence) -> None:
    licence.licence_no = normalise_licence_number(licence.licence_no)
    licence.lookup_key = licence_lookup_key(licence.licence_no)


class RiskSignal(SQLModel, table=True):
    """A fact that may raise the required visits: complaint, risk alert, sampling result, unlicensed production."""

    __tablename__ = "risk_signal"
    __table_args__ = (Index("ix_risk_signal_enterprise_id_is_open", "enterprise_id", "is_open"),)

    id: uuid.UUID = uuid_pk()
    enterprise_id: uuid.UUID = Field(foreign_key="enterprise.id", index=True)
    kind: str = Field(max_length=32, index=True)
    occurred_on: date
    source: str | None = Field(default=None, max_length=128)
    note: str | None = Field(default=None, sa_column=Column(Text))
    substantiated: bool | None = None  # complaints: 查实
    product: str | None = Field(default=None, max_length=128)  # sampling
    batch: str | None = Field(default=None, max_length=64)
    qualified: bool | None = None  # sampling: 合格 / 不合格
    report_no: str | None = Field(default=None, max_length=64)
    is_open: bool = True
    created_by_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = created_at_field()


class LicenceCategory(SQLModel, table=True):
    """A product category of the current licence catalogue (工业产品生产许可证目录): data, not code."""

    __tablename__ = "licence_category"

    name: str = Field(primary_key=True, max_length=64)
    position: int = 0
    is_active: bool = True


class EnterpriseImport(SQLModel, table=True):
    """One bulk upload of enterprises (xlsx or JSON): its options, progress, outcome and idempotency key."""

    __tablename__ = "enterprise_import"
    __table_args__ = (UniqueConstraint("idempotency_scope", "idempotency_key"),)

    id: uuid.UUID = uuid_pk()
    source: str = Field(max_length=8)  # xlsx | json
    filename: str | None = Field(default=None, max_length=255)
    dry_run: bool = False
    all_or_nothing: bool = True
    status: str = Field(default="pending", max_length=16, index=True)  # pending running succeeded failed validated
    http_status: int = 200
    county_code: str | None = Field(default=None, foreign_key="jurisdiction.code", max_length=12, index=True)
    actor_kind: str = Field(max_length=16)
    actor_id: uuid.UUID | None = None
    actor_name: str | None = Field(default=None, max_length=64)
    idempotency_scope: str | None = Field(default=None, max_length=64)
    idempotency_key: str | None = Field(default=None, max_length=128)
    body_sha256: str | None = Field(default=None, max_length=64)
    rows_total: int = 0
    rows_processed: int = 0
    created_count: int = 0
    updated_count: int = 0
    unchanged_count: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    errors_truncated: bool = False
    detail: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = created_at_field()
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ImportHeartbeat(SQLModel, table=True):
    """Written from outside a running import's transaction every few seconds: live progress for every worker,
    and proof of life — a job whose heartbeat stopped was interrupted (its transaction died with the process)."""

    __tablename__ = "import_heartbeat"

    job_id: uuid.UUID = Field(primary_key=True)
    beat_at: datetime = Field(sa_type=UTCDateTime)
    rows_processed: int = 0
    cancel_requested: bool = False
    """Set by POST /enterprise-imports/{id}/cancel while a worker runs the import; the worker stops at its next beat."""


class ImportUpload(SQLModel, table=True):
    """The uploaded bytes of an import that runs as a job, kept in the database so any worker on any machine can
    run it (and run it again after a crash); deleted when the import finishes."""

    __tablename__ = "import_upload"

    import_id: uuid.UUID = Field(foreign_key="enterprise_import.id", primary_key=True, ondelete="CASCADE")
    content: bytes = Field(sa_column=Column(EncryptedBytes("import_upload.content"), nullable=False))
    """Sealed with the personal-data key (the rows carry phones); a job under an old key runs while it is listed."""
