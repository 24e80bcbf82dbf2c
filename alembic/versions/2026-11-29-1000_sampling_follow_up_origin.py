"""Sampling follow-ups: where the failed sampling came from (计划 七（四）上级转办 / 本级组织)

Rows that exist before this revision become `local` (本级组织): each was opened by a failed sampling a county
entered into its own ledger, and nothing recorded says a higher authority referred it; a wrong one is corrected
with PATCH /sampling-follow-ups/{id}. The server default serves the backfill only and is dropped afterwards, so
every new follow-up states its origin.

Revision ID: 0011r
Revises: 0010
Create Date: 2026-11-29 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0011r"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sampling_follow_up") as batch_op:
        batch_op.add_column(
            sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default="local")
        )
    with op.batch_alter_table("sampling_follow_up") as batch_op:
        batch_op.alter_column("origin", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("sampling_follow_up") as batch_op:
        batch_op.drop_column("origin")
