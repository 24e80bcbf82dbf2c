"""visits, findings and their loop, risk problem list, attachments

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-25 08:27:16.980951
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("uploaded_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_code"], ["jurisdiction.code"], name=op.f("fk_attachment_county_code_jurisdiction")
        ),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user.id"], name=op.f("fk_attachment_uploaded_by_id_user")),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"], name=op.f("fk_attachment_visit_id_visit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attachment_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachment_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachment_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "finding",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("checklist_item", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("severity", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("original_deadline", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("extensions_used", sa.Integer(), nullable=False),
        sa.Column("failed_reinspections", sa.Integer(), nullable=False),
        sa.Column("reinspection_passed", sa.Boolean(), nullable=False),
        sa.Column("case_filed", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_code"], ["jurisdiction.code"], name=op.f("fk_finding_county_code_jurisdiction")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_finding_created_by_id_user")),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprise.id"], name=op.f("fk_finding_enterprise_id_enterprise")),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"], name=op.f("fk_finding_visit_id_visit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding")),
    )
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_finding_deadline"), ["deadline"], unique=False)
        batch_op.create_index(batch_op.f("ix_finding_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_finding_severity"), ["severity"], unique=False)
        batch_op.create_index(batch_op.f("ix_finding_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_finding_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "visit_amendment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_visit_amendment_created_by_id_user")),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"], name=op.f("fk_visit_amendment_visit_id_visit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_amendment")),
    )
    with op.batch_alter_table("visit_amendment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_amendment_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "finding_step",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("finding_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("deadline_before", sa.Date(), nullable=True),
        sa.Column("deadline_after", sa.Date(), nullable=True),
        sa.Column("attachment_ids", sa.JSON(), nullable=False),
        sa.Column("reinspection_visit_id", sa.Uuid(), nullable=True),
        sa.Column("result", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
        sa.Column("case_no", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("case_filed_on", sa.Date(), nullable=True),
        sa.Column("case_officer", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name=op.f("fk_finding_step_actor_id_user")),
        sa.ForeignKeyConstraint(["finding_id"], ["finding.id"], name=op.f("fk_finding_step_finding_id_finding")),
        sa.ForeignKeyConstraint(
            ["reinspection_visit_id"], ["visit.id"], name=op.f("fk_finding_step_reinspection_visit_id_visit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_step")),
    )
    with op.batch_alter_table("finding_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_finding_step_case_no"), ["case_no"], unique=False)
        batch_op.create_index(batch_op.f("ix_finding_step_finding_id"), ["finding_id"], unique=False)

    op.create_table(
        "risk_list_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("finding_id", sa.Uuid(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("cause_analysis", sa.Text(), nullable=True),
        sa.Column("measures", sa.Text(), nullable=True),
        sa.Column("reported_to_prefecture_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Uuid(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_code"], ["jurisdiction.code"], name=op.f("fk_risk_list_entry_county_code_jurisdiction")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_risk_list_entry_created_by_id_user")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_risk_list_entry_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(["finding_id"], ["finding.id"], name=op.f("fk_risk_list_entry_finding_id_finding")),
        sa.ForeignKeyConstraint(["reviewed_by_id"], ["user.id"], name=op.f("fk_risk_list_entry_reviewed_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_list_entry")),
        sa.UniqueConstraint("finding_id", name=op.f("uq_risk_list_entry_finding_id")),
    )
    with op.batch_alter_table("risk_list_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_list_entry_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_list_entry_enterprise_id"), ["enterprise_id"], unique=False)

    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("supervisory_functions", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
        batch_op.add_column(sa.Column("checklist", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column("conclusion", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("representative_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("representative_title", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("archived_by_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_visit_archived_by_id_user"), "user", ["archived_by_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_visit_archived_by_id_user"), type_="foreignkey")
        batch_op.drop_column("archived_by_id")
        batch_op.drop_column("notes")
        batch_op.drop_column("representative_title")
        batch_op.drop_column("representative_name")
        batch_op.drop_column("conclusion")
        batch_op.drop_column("checklist")
        batch_op.drop_column("supervisory_functions")

    with op.batch_alter_table("risk_list_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_list_entry_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_risk_list_entry_county_code"))

    op.drop_table("risk_list_entry")
    with op.batch_alter_table("finding_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_step_finding_id"))
        batch_op.drop_index(batch_op.f("ix_finding_step_case_no"))

    op.drop_table("finding_step")
    with op.batch_alter_table("visit_amendment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_amendment_visit_id"))

    op.drop_table("visit_amendment")
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_visit_id"))
        batch_op.drop_index(batch_op.f("ix_finding_status"))
        batch_op.drop_index(batch_op.f("ix_finding_severity"))
        batch_op.drop_index(batch_op.f("ix_finding_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_finding_deadline"))
        batch_op.drop_index(batch_op.f("ix_finding_county_code"))

    op.drop_table("finding")
    with op.batch_alter_table("attachment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attachment_visit_id"))
        batch_op.drop_index(batch_op.f("ix_attachment_sha256"))
        batch_op.drop_index(batch_op.f("ix_attachment_county_code"))

    op.drop_table("attachment")
