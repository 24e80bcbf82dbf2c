"""Merge the ledger, plans, visits and reports branches; import heartbeats

Revision ID: 0007
Revises: 0003, 0004, 0005, 0006
Create Date: 2026-11-25 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = ("0003", "0004", "0005", "0006")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_heartbeat",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("beat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows_processed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_import_heartbeat")),
    )


def downgrade() -> None:
    op.drop_table("import_heartbeat")
