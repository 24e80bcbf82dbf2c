"""create plans: plan, plan_item, plan_adjustment, draw, assignment, assignment_inspector

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-25 08:22:38.798227
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("ruleset_year", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_by_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_plan_created_by_id_user")),
        sa.ForeignKeyConstraint(["issued_by_id"], ["user.id"], name=op.f("fk_plan_issued_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
    )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_year"), ["year"], unique=True)

    op.create_table(
        "draw",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("cross_inspection", sa.Boolean(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("inputs_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("due_from", sa.Date(), nullable=False),
        sa.Column("due_until", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["county_code"], ["jurisdiction.code"], name=op.f("fk_draw_county_code_jurisdiction")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_draw_created_by_id_user")),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_draw_plan_id_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draw")),
    )
    with op.batch_alter_table("draw", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draw_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_draw_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("risk_class", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("rule_minimum", sa.Integer(), nullable=False),
        sa.Column("rule_maximum", sa.Integer(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("required_visits", sa.Integer(), nullable=False),
        sa.Column("issued_visits", sa.Integer(), nullable=True),
        sa.Column("due_dates", sa.JSON(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_code"], ["jurisdiction.code"], name=op.f("fk_plan_item_county_code_jurisdiction")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_plan_item_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_plan_item_plan_id_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_item")),
        sa.UniqueConstraint("plan_id", "enterprise_id", name=op.f("uq_plan_item_plan_id_enterprise_id")),
    )
    with op.batch_alter_table("plan_item", schema=None) as batch_op:
        batch_op.create_index("ix_plan_item_plan_id_county_code", ["plan_id", "county_code"], unique=False)

    op.create_table(
        "assignment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("draw_id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("enterprise_id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("cross_inspection", sa.Boolean(), nullable=False),
        sa.Column("due_from", sa.Date(), nullable=False),
        sa.Column("due_until", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_code"], ["jurisdiction.code"], name=op.f("fk_assignment_county_code_jurisdiction")
        ),
        sa.ForeignKeyConstraint(["draw_id"], ["draw.id"], name=op.f("fk_assignment_draw_id_draw")),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_assignment_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_assignment_plan_id_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment")),
    )
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignment_county_code"), ["county_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignment_draw_id"), ["draw_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignment_enterprise_id"), ["enterprise_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignment_plan_id"), ["plan_id"], unique=False)

    op.create_table(
        "plan_adjustment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("plan_item_id", sa.Uuid(), nullable=False),
        sa.Column("county_code", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("before", sa.Integer(), nullable=True),
        sa.Column("after", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=True),
        sa.Column("actor_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["county_code"], ["jurisdiction.code"], name=op.f("fk_plan_adjustment_county_code_jurisdiction")
        ),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_plan_adjustment_plan_id_plan")),
        sa.ForeignKeyConstraint(
            ["plan_item_id"], ["plan_item.id"], name=op.f("fk_plan_adjustment_plan_item_id_plan_item")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_adjustment")),
    )
    with op.batch_alter_table("plan_adjustment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_adjustment_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_adjustment_plan_item_id"), ["plan_item_id"], unique=False)

    op.create_table(
        "assignment_inspector",
        sa.Column("assignment_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"], ["assignment.id"], name=op.f("fk_assignment_inspector_assignment_id_assignment")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_assignment_inspector_user_id_user")),
        sa.PrimaryKeyConstraint("assignment_id", "user_id", name=op.f("pk_assignment_inspector")),
    )
    with op.batch_alter_table("assignment_inspector", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignment_inspector_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("assignment_inspector", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_inspector_user_id"))

    op.drop_table("assignment_inspector")
    with op.batch_alter_table("plan_adjustment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_adjustment_plan_item_id"))
        batch_op.drop_index(batch_op.f("ix_plan_adjustment_plan_id"))

    op.drop_table("plan_adjustment")
    with op.batch_alter_table("assignment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_plan_id"))
        batch_op.drop_index(batch_op.f("ix_assignment_enterprise_id"))
        batch_op.drop_index(batch_op.f("ix_assignment_draw_id"))
        batch_op.drop_index(batch_op.f("ix_assignment_county_code"))

    op.drop_table("assignment")
    with op.batch_alter_table("plan_item", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_item_plan_id_county_code")

    op.drop_table("plan_item")
    with op.batch_alter_table("draw", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_draw_plan_id"))
        batch_op.drop_index(batch_op.f("ix_draw_county_code"))

    op.drop_table("draw")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_year"))

    op.drop_table("plan")
