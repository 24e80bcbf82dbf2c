"""A password set by an administrator (a new account's first, or a reset) must be changed before anything else

`user.password_must_change`: true once an administrator sets the password (POST /users, POST /users/{id}/password),
false once the account chooses its own (POST /me/password). While it is true the session is restricted as if the
password had expired. Existing accounts keep their passwords as they are (false).

Revision ID: 0019a
Revises: 0018
Create Date: 2026-11-29 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0019a"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("password_must_change", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_column("password_must_change")
