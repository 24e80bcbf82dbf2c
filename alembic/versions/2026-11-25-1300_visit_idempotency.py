"""Visits: Idempotency-Key of the POST /visits that created the draft (mobile retries return it, not a second one)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("visit") as batch_op:
        batch_op.add_column(sa.Column("idempotency_scope", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))
        batch_op.add_column(sa.Column("request_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_visit_idempotency_scope_idempotency_key"), ["idempotency_scope", "idempotency_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("visit") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_visit_idempotency_scope_idempotency_key"), type_="unique")
        batch_op.drop_column("request_sha256")
        batch_op.drop_column("idempotency_key")
        batch_op.drop_column("idempotency_scope")
