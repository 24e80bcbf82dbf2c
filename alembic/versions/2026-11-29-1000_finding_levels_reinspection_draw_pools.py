"""Findings keep their escalation level (history as steps) and first re-inspection date; draws from frozen pools

Draws are two-step: a frozen pool (draw_pool) first, then the draw from it, with its seed's source.

Revision ID: 0011f
Revises: 0010
Create Date: 2026-11-29 10:00:00

Backfill, from what is computable without a day: a finding's first re-inspection date from its re-inspection
steps; the level kept of an open finding from its refusal (3), its failed re-inspections (1 → 2, 2 → 3, as the
2022 RuleSet says) and an escalation entry on the risk list (2); each backfilled level gets one `escalation`
step, so the history shows it. Levels reached by time alone are recorded by the next daily sweep.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0011f"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _backfill_findings() -> None:
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE finding SET reinspected_on = ("
            " SELECT min(visit.visit_date) FROM finding_step"
            " JOIN visit ON visit.id = finding_step.reinspection_visit_id"
            " WHERE finding_step.finding_id = finding.id AND finding_step.kind = 'reinspection')"
        )
    )
    rows = bind.execute(
        sa.text(
            "SELECT finding.id, finding.refused_on, finding.failed_reinspections, finding.reinspection_passed,"
            " EXISTS (SELECT 1 FROM risk_list_entry r WHERE r.finding_id = finding.id AND r.source = 'escalation')"
            " FROM finding WHERE finding.status <> 'closed'"
        )
    ).all()
    step = sa.table(
        "finding_step",
        sa.column("id", sa.Uuid()),
        sa.column("finding_id", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor_name", sa.String()),
        sa.column("text", sa.Text()),
        sa.column("attachment_ids", sa.JSON()),
        sa.column("level_before", sa.Integer()),
        sa.column("level_after", sa.Integer()),
    )
    now = datetime.now(UTC)
    steps = []
    for finding_id, refused_on, failed, passed, escalated in rows:
        failed = 0 if passed else failed
        level = 3 if refused_on is not None or failed >= 2 else 2 if failed >= 1 or escalated else 0
        if level == 0:
            continue
        bind.execute(
            sa.text("UPDATE finding SET escalation_level = :level WHERE id = :id"), {"level": level, "id": finding_id}
        )
        steps.append(
            {
                "id": uuid.uuid4(),
                "finding_id": uuid.UUID(str(finding_id)),
                "kind": "escalation",
                "at": now,
                "actor_name": "system",
                "text": "升级级别补记（级别保留自此开始）(level recorded when levels began to be kept)",
                "attachment_ids": [],
                "level_before": 0,
                "level_after": level,
            }
        )
    if steps:
        op.bulk_insert(step, steps)


def upgrade() -> None:
    with op.batch_alter_table("finding") as batch_op:
        batch_op.add_column(sa.Column("escalation_level", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("escalation_level_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("reinspected_on", sa.Date(), nullable=True))
    with op.batch_alter_table("finding_step") as batch_op:
        batch_op.add_column(sa.Column("level_before", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("level_after", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("level_event", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True))
        batch_op.add_column(sa.Column("level_on", sa.Date(), nullable=True))
    _backfill_findings()

    op.create_table(
        "draw_pool",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("cross_inspection", sa.Boolean(), nullable=False),
        sa.Column("inputs_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("due_from", sa.Date(), nullable=False),
        sa.Column("due_until", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_code"], ["jurisdiction.code"], name=op.f("fk_draw_pool_county_code_jurisdiction")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_draw_pool_created_by_id_user")),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_draw_pool_plan_id_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draw_pool")),
    )
    with op.batch_alter_table("draw_pool") as batch_op:
        batch_op.create_index(batch_op.f("ix_draw_pool_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_draw_pool_plan_id"), ["plan_id"], unique=False)
    with op.batch_alter_table("draw") as batch_op:
        batch_op.add_column(sa.Column("pool_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("seed_source", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_draw_pool_id"), ["pool_id"])
        batch_op.create_foreign_key(batch_op.f("fk_draw_pool_id_draw_pool"), "draw_pool", ["pool_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("draw") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_draw_pool_id_draw_pool"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_draw_pool_id"), type_="unique")
        batch_op.drop_column("seed_source")
        batch_op.drop_column("pool_id")
    with op.batch_alter_table("draw_pool") as batch_op:
        batch_op.drop_index(batch_op.f("ix_draw_pool_plan_id"))
        batch_op.drop_index(batch_op.f("ix_draw_pool_county_code"))
    op.drop_table("draw_pool")
    op.execute("DELETE FROM finding_step WHERE kind = 'escalation'")
    with op.batch_alter_table("finding_step") as batch_op:
        batch_op.drop_column("level_on")
        batch_op.drop_column("level_event")
        batch_op.drop_column("level_after")
        batch_op.drop_column("level_before")
    with op.batch_alter_table("finding") as batch_op:
        batch_op.drop_column("reinspected_on")
        batch_op.drop_column("escalation_level_on")
        batch_op.drop_column("escalation_level")
