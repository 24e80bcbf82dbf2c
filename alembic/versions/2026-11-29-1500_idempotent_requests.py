"""Idempotency-Key on every write: the answer of each keyed request is kept in `idempotent_request` (one mechanism,
app/core/idempotency.py); the visit's own key columns of 0010 go (POST /visits uses the same mechanism now)

Keys stored on visits before this migration are not carried over: they named a draft, not an answer, and the
retry window of a lost answer is long past. Downgrade re-creates the columns empty.

Revision ID: 0015idem_a
Revises: 0014
Create Date: 2026-11-29 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0015idem_a"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotent_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("request_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotent_request")),
        sa.UniqueConstraint("scope", "key", name=op.f("uq_idempotent_request_scope_key")),
    )
    with op.batch_alter_table("visit") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_visit_idempotency_scope_idempotency_key"), type_="unique")
        batch_op.drop_column("request_sha256")
        batch_op.drop_column("idempotency_key")
        batch_op.drop_column("idempotency_scope")


def downgrade() -> None:
    with op.batch_alter_table("visit") as batch_op:
        batch_op.add_column(sa.Column("idempotency_scope", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True))
        batch_op.add_column(sa.Column("request_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_visit_idempotency_scope_idempotency_key"), ["idempotency_scope", "idempotency_key"]
        )
    op.drop_table("idempotent_request")
