"""The enterprise's side of the loop (issue 18): enterprise accounts bound to one enterprise (user.enterprise_id),
their one-time invitations, the files they upload, rectification reports, extension requests and self-checks; a
finding step names the enterprise's files apart from a visit's attachments (finding_step.file_ids)

Revision ID: 0015e
Revises: 0014
Create Date: 2026-11-29 15:19:37
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0015e"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enterprise_file",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("uploaded_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_code"], ["jurisdiction.code"], name=op.f("fk_enterprise_file_county_code_jurisdiction")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_enterprise_file_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["user.id"], name=op.f("fk_enterprise_file_uploaded_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_file")),
    )
    with op.batch_alter_table("enterprise_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enterprise_file_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_file_enterprise_id"), ["enterprise_id"], unique=False)

    op.create_table(
        "enterprise_invitation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_code"], ["jurisdiction.code"], name=op.f("fk_enterprise_invitation_county_code_jurisdiction")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_enterprise_invitation_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_enterprise_invitation_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(["used_by_id"], ["user.id"], name=op.f("fk_enterprise_invitation_used_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enterprise_invitation")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_enterprise_invitation_code_hash")),
    )
    with op.batch_alter_table("enterprise_invitation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enterprise_invitation_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_enterprise_invitation_enterprise_id"), ["enterprise_id"], unique=False)

    op.create_table(
        "self_check",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("file_ids", sa.JSON(), nullable=False),
        sa.Column("filed_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_code"], ["jurisdiction.code"], name=op.f("fk_self_check_county_code_jurisdiction")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_self_check_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(["filed_by_id"], ["user.id"], name=op.f("fk_self_check_filed_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_check")),
        sa.UniqueConstraint(
            "enterprise_id", "kind", "period_start", name=op.f("uq_self_check_enterprise_id_kind_period_start")
        ),
    )
    with op.batch_alter_table("self_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_self_check_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_self_check_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_self_check_period_start"), ["period_start"], unique=False)

    op.create_table(
        "extension_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("finding_id", sa.Uuid(), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("requested_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("deadline_after", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_code"], ["jurisdiction.code"], name=op.f("fk_extension_request_county_code_jurisdiction")
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user.id"], name=op.f("fk_extension_request_decided_by_id_user")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_extension_request_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(["finding_id"], ["finding.id"], name=op.f("fk_extension_request_finding_id_finding")),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["user.id"], name=op.f("fk_extension_request_requested_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extension_request")),
    )
    with op.batch_alter_table("extension_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_extension_request_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_extension_request_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_extension_request_finding_id"), ["finding_id"], unique=False)

    op.create_table(
        "rectification_report",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("finding_id", sa.Uuid(), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("file_ids", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("submitted_by_id", sa.Uuid(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_code"], ["jurisdiction.code"], name=op.f("fk_rectification_report_county_code_jurisdiction")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user.id"], name=op.f("fk_rectification_report_decided_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_rectification_report_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["finding.id"], name=op.f("fk_rectification_report_finding_id_finding")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["user.id"], name=op.f("fk_rectification_report_submitted_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_report")),
    )
    with op.batch_alter_table("rectification_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rectification_report_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_rectification_report_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rectification_report_finding_id"), ["finding_id"], unique=False)

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("enterprise_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_user_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_user_enterprise_id_enterprise"), "enterprise", ["enterprise_id"], ["id"]
        )
    with op.batch_alter_table("finding_step", schema=None) as batch_op:
        batch_op.add_column(sa.Column("file_ids", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("finding_step", schema=None) as batch_op:
        batch_op.drop_column("file_ids")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_user_enterprise_id_enterprise"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_user_enterprise_id"))
        batch_op.drop_column("enterprise_id")

    with op.batch_alter_table("rectification_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rectification_report_finding_id"))
        batch_op.drop_index(batch_op.f("ix_rectification_report_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_rectification_report_county_code"))

    op.drop_table("rectification_report")
    with op.batch_alter_table("extension_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_extension_request_finding_id"))
        batch_op.drop_index(batch_op.f("ix_extension_request_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_extension_request_county_code"))

    op.drop_table("extension_request")
    with op.batch_alter_table("self_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_self_check_period_start"))
        batch_op.drop_index(batch_op.f("ix_self_check_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_self_check_county_code"))

    op.drop_table("self_check")
    with op.batch_alter_table("enterprise_invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_invitation_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_enterprise_invitation_county_code"))

    op.drop_table("enterprise_invitation")
    with op.batch_alter_table("enterprise_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enterprise_file_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_enterprise_file_county_code"))

    op.drop_table("enterprise_file")
