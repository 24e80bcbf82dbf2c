"""create ledger and visits

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 08:18:47.333393
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enterprise",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("credit_code", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column("legal_representative", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("industry", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("main_products", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column("risk_class", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key_industry", sa.Boolean(), nullable=False),
        sa.Column("key_region", sa.Boolean(), nullable=False),
        sa.Column("key_enterprise", sa.Boolean(), nullable=False),
        sa.Column("key_product", sa.Boolean(), nullable=False),
        sa.Column("contact_person", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("contact_phone", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_code"], ["jurisdiction.code"], name=op.f("fk_enterprise_county_code_jurisdiction")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise")),
    )
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enterprise_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_credit_code"), ["credit_code"], unique=True)
        batch_op.create_index(batch_op.f("ix_enterprise_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_risk_class"), ["risk_class"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "licence",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("licence_no", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("product_category", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"], name=op.f("fk_licence_enterprise_id_enterprise")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence")),
    )
    with op.batch_alter_table("licence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_licence_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_licence_expires_on"), ["expires_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_licence_licence_no"), ["licence_no"], unique=True)

    op.create_table(
        "risk_signal",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("substantiated", sa.Boolean(), nullable=True),
        sa.Column("product", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("batch", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("qualified", sa.Boolean(), nullable=True),
        sa.Column("report_no", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_risk_signal_created_by_id_user")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_risk_signal_enterprise_id_enterprise")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_signal")),
    )
    with op.batch_alter_table("risk_signal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_signal_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_signal_kind"), ["kind"], unique=False)

    op.create_table(
        "visit",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("visit_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("covers_full_checklist", sa.Boolean(), nullable=False),
        sa.Column("assignment_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["county_code"], ["jurisdiction.code"], name=op.f("fk_visit_county_code_jurisdiction")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_visit_created_by_id_user")),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"], name=op.f("fk_visit_enterprise_id_enterprise")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit")),
    )
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_assignment_id"), ["assignment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_visit_date"), ["visit_date"], unique=False)

    op.create_table(
        "visit_inspector",
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("credential_no", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("credential_valid_from", sa.Date(), nullable=True),
        sa.Column("credential_valid_until", sa.Date(), nullable=True),
        sa.Column("credential_shown", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_visit_inspector_user_id_user")),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"], name=op.f("fk_visit_inspector_visit_id_visit")),
        sa.PrimaryKeyConstraint("visit_id", "user_id", name=op.f("pk_visit_inspector")),
    )
    with op.batch_alter_table("visit_inspector", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_inspector_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("visit_inspector", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_inspector_user_id"))

    op.drop_table("visit_inspector")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_visit_date"))
        batch_op.drop_index(batch_op.f("ix_visit_status"))
        batch_op.drop_index(batch_op.f("ix_visit_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_visit_county_code"))
        batch_op.drop_index(batch_op.f("ix_visit_assignment_id"))

    op.drop_table("visit")
    with op.batch_alter_table("risk_signal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_signal_kind"))
        batch_op.drop_index(batch_op.f("ix_risk_signal_enterprise_id"))

    op.drop_table("risk_signal")
    with op.batch_alter_table("licence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_licence_no"))
        batch_op.drop_index(batch_op.f("ix_licence_expires_on"))
        batch_op.drop_index(batch_op.f("ix_licence_enterprise_id"))

    op.drop_table("licence")
    with op.batch_alter_table("enterprise", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_updated_at"))
        batch_op.drop_index(batch_op.f("ix_enterprise_status"))
        batch_op.drop_index(batch_op.f("ix_enterprise_risk_class"))
        batch_op.drop_index(batch_op.f("ix_enterprise_name"))
        batch_op.drop_index(batch_op.f("ix_enterprise_credit_code"))
        batch_op.drop_index(batch_op.f("ix_enterprise_county_code"))

    op.drop_table("enterprise")
