"""ledger: licence categories (seeded), enterprise imports, search and filter indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LICENCE_CATEGORIES = (
    "建筑用钢筋",
    "水泥",
    "广播电视传输设备",
    "人民币鉴别仪",
    "预应力混凝土铁路桥简支梁",
    "电线电缆",
    "危险化学品",
    "危险化学品包装物及容器",
    "化肥",
    "直接接触食品的材料等相关产品",
    "冷轧带肋钢筋",
    "瓶装液化石油气调压器",
    "钢丝绳",
    "胶合板",
    "细木工板",
    "安全帽",
)
"""The current catalogue of products needing a 工业产品生产许可证; later changes are data changes."""


def upgrade() -> None:
    category = op.create_table(
        "licence_category",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_licence_category")),
    )
    op.bulk_insert(
        category,
        [{"name": name, "position": i, "is_active": True} for i, name in enumerate(LICENCE_CATEGORIES, start=1)],
    )

    op.create_table(
        "enterprise_import",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("all_or_nothing", sa.Boolean(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("actor_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("idempotency_scope", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("body_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_processed", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("updated_count", sa.Integer(), nullable=False),
        sa.Column("unchanged_count", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=True),
        sa.Column("errors_truncated", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_code"], ["jurisdiction.code"], name=op.f("fk_enterprise_import_county_code_jurisdiction")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_import")),
        sa.UniqueConstraint(
            "idempotency_scope",
            "idempotency_key",
            name=op.f("uq_enterprise_import_idempotency_scope_idempotency_key"),
        ),
    )
    with op.batch_alter_table("enterprise_import", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enterprise_import_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_import_status"), ["status"], unique=False)

    # Every index slows a bulk import: single-column indexes on status (3 values) and risk class (4) never
    # beat a scan; closed_at is only searched for closed enterprises (delta sync), so the index is partial.
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.drop_index("ix_enterprise_status")
        batch_op.drop_index("ix_enterprise_risk_class")
        batch_op.create_index(
            "ix_enterprise_closed_at",
            ["closed_at"],
            unique=False,
            postgresql_where=sa.text("closed_at IS NOT NULL"),
            sqlite_where=sa.text("closed_at IS NOT NULL"),
        )
    with op.batch_alter_table("licence", schema=None) as batch_op:
        batch_op.create_index("ix_licence_enterprise_id_expires_on", ["enterprise_id", "expires_on"], unique=False)
    with op.batch_alter_table("risk_signal", schema=None) as batch_op:
        batch_op.create_index("ix_risk_signal_enterprise_id_is_open", ["enterprise_id", "is_open"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        # `q` is "name contains": only a trigram index serves ILIKE '%…%' (Chinese included, ≥ 3 characters).
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_enterprise_name_trgm ON enterprise USING gin (name gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_enterprise_name_trgm")
    with op.batch_alter_table("risk_signal", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_signal_enterprise_id_is_open")
    with op.batch_alter_table("licence", schema=None) as batch_op:
        batch_op.drop_index("ix_licence_enterprise_id_expires_on")
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.drop_index("ix_enterprise_closed_at")
        batch_op.create_index("ix_enterprise_risk_class", ["risk_class"], unique=False)
        batch_op.create_index("ix_enterprise_status", ["status"], unique=False)
    with op.batch_alter_table("enterprise_import", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_import_status"))
        batch_op.drop_index(batch_op.f("ix_enterprise_import_county_code"))
    op.drop_table("enterprise_import")
    op.drop_table("licence_category")
