"""reports, disclosure, sampling follow-up, publicity, licence sync (issue 7)

Revision ID: 0006
Revises: 0002
Create Date: 2026-11-25 08:39:50.481273
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0006"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "licence_sync_cursor",
        sa.Column("source_url", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
        sa.Column("changed_since", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("source_url", name=op.f("pk_licence_sync_cursor")),
    )
    op.create_table(
        "licence_sync_run",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("direction", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("source_url", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
        sa.Column("cursor_before", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("cursor_after", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("failures", sa.JSON(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("actor_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_sync_run")),
    )
    with op.batch_alter_table("licence_sync_run", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_licence_sync_run_direction"), ["direction"], unique=False)

    op.create_table(
        "disclosure",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("published_by_id", sa.Uuid(), nullable=True),
        sa.Column("published_by_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["published_by_id"], ["user.id"], name=op.f("fk_disclosure_published_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure")),
    )
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disclosure_year"), ["year"], unique=False)

    op.create_table(
        "publicity_activity",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("campaign", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("media_adopted", sa.Boolean(), nullable=False),
        sa.Column("media_outlet", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("media_level", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("media_url", sqlmodel.sql.sqltypes.AutoString(length=512), nullable=True),
        sa.Column("screenshot_refs", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_by_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_code"], ["jurisdiction.code"], name=op.f("fk_publicity_activity_county_code_jurisdiction")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_publicity_activity_created_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publicity_activity")),
    )
    with op.batch_alter_table("publicity_activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publicity_activity_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_publicity_activity_held_on"), ["held_on"], unique=False)

    op.create_table(
        "report_submission",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("superseded", sa.Boolean(), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("submitted_by_id", sa.Uuid(), nullable=True),
        sa.Column("submitted_by_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_code"], ["jurisdiction.code"], name=op.f("fk_report_submission_county_code_jurisdiction")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"], ["user.id"], name=op.f("fk_report_submission_submitted_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_submission")),
        sa.UniqueConstraint(
            "county_code",
            "year",
            "period",
            "version",
            name=op.f("uq_report_submission_county_code_year_period_version"),
        ),
    )
    with op.batch_alter_table("report_submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_submission_county_code"), ["county_code"], unique=False)
        batch_op.create_index(
            "ix_report_submission_year_period_superseded", ["year", "period", "superseded"], unique=False
        )

    op.create_table(
        "disclosure_entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("disclosure_id", sa.Uuid(), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("enterprise_name", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("credit_code", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
        sa.Column("county_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("visit_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("conclusion", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.Column("withdrawn_by_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["county_code"], ["jurisdiction.code"], name=op.f("fk_disclosure_entry_county_code_jurisdiction")
        ),
        sa.ForeignKeyConstraint(
            ["disclosure_id"], ["disclosure.id"], name=op.f("fk_disclosure_entry_disclosure_id_disclosure")
        ),
        sa.ForeignKeyConstraint(["visit_id"], ["visit.id"], name=op.f("fk_disclosure_entry_visit_id_visit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_entry")),
    )
    with op.batch_alter_table("disclosure_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_disclosure_entry_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_disclosure_entry_disclosure_id"), ["disclosure_id"], unique=False)
        batch_op.create_index("ix_disclosure_entry_public", ["withdrawn_at", "visit_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_disclosure_entry_visit_id"), ["visit_id"], unique=False)
        batch_op.create_index(
            "uq_disclosure_entry_visit_id_active",
            ["visit_id"],
            unique=True,
            postgresql_where=sa.text("withdrawn_at IS NULL"),
            sqlite_where=sa.text("withdrawn_at IS NULL"),
        )

    op.create_table(
        "sampling_follow_up",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("signal_id", sa.Uuid(), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("product", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
        sa.Column("report_no", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("failed_on", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("notified_on", sa.Date(), nullable=True),
        sa.Column("rectification_ordered_on", sa.Date(), nullable=True),
        sa.Column("resampled_on", sa.Date(), nullable=True),
        sa.Column("resample_qualified", sa.Boolean(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_code"], ["jurisdiction.code"], name=op.f("fk_sampling_follow_up_county_code_jurisdiction")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_sampling_follow_up_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["signal_id"], ["risk_signal.id"], name=op.f("fk_sampling_follow_up_signal_id_risk_signal")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sampling_follow_up")),
        sa.UniqueConstraint("signal_id", name=op.f("uq_sampling_follow_up_signal_id")),
    )
    with op.batch_alter_table("sampling_follow_up", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sampling_follow_up_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_sampling_follow_up_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_sampling_follow_up_failed_on"), ["failed_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_sampling_follow_up_status"), ["status"], unique=False)

    op.create_table(
        "sampling_follow_up_step",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("follow_up_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("qualified", sa.Boolean(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["user.id"], name=op.f("fk_sampling_follow_up_step_actor_id_user")),
        sa.ForeignKeyConstraint(
            ["follow_up_id"],
            ["sampling_follow_up.id"],
            name=op.f("fk_sampling_follow_up_step_follow_up_id_sampling_follow_up"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sampling_follow_up_step")),
    )
    with op.batch_alter_table("sampling_follow_up_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sampling_follow_up_step_follow_up_id"), ["follow_up_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        # the completion summary reads a year of archived visits per enterprise: an index-only scan
        op.execute(
            "CREATE INDEX ix_visit_archived_report ON visit (visit_date) "
            "INCLUDE (enterprise_id, county_code, visit_type, covers_full_checklist) WHERE status = 'archived'"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_visit_archived_report")
    with op.batch_alter_table("sampling_follow_up_step", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sampling_follow_up_step_follow_up_id"))

    op.drop_table("sampling_follow_up_step")
    with op.batch_alter_table("sampling_follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sampling_follow_up_status"))
        batch_op.drop_index(batch_op.f("ix_sampling_follow_up_failed_on"))
        batch_op.drop_index(batch_op.f("ix_sampling_follow_up_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_sampling_follow_up_county_code"))

    op.drop_table("sampling_follow_up")
    with op.batch_alter_table("disclosure_entry", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_disclosure_entry_visit_id_active",
            postgresql_where=sa.text("withdrawn_at IS NULL"),
            sqlite_where=sa.text("withdrawn_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_disclosure_entry_visit_id"))
        batch_op.drop_index("ix_disclosure_entry_public")
        batch_op.drop_index(batch_op.f("ix_disclosure_entry_disclosure_id"))
        batch_op.drop_index(batch_op.f("ix_disclosure_entry_county_code"))

    op.drop_table("disclosure_entry")
    with op.batch_alter_table("report_submission", schema=None) as batch_op:
        batch_op.drop_index("ix_report_submission_year_period_superseded")
        batch_op.drop_index(batch_op.f("ix_report_submission_county_code"))

    op.drop_table("report_submission")
    with op.batch_alter_table("publicity_activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publicity_activity_held_on"))
        batch_op.drop_index(batch_op.f("ix_publicity_activity_county_code"))

    op.drop_table("publicity_activity")
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disclosure_year"))

    op.drop_table("disclosure")
    with op.batch_alter_table("licence_sync_run", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_sync_run_direction"))

    op.drop_table("licence_sync_run")
    op.drop_table("licence_sync_cursor")
