"""Merge the heads of the fourth wave: enterprise accounts (0015e), idempotent requests (0015idem_a) and the
jurisdiction tree (0015r). Nothing to change: the three touch different tables.

Revision ID: 0016
Revises: 0015e, 0015idem_a, 0015r
Create Date: 2026-11-29 17:00:00
"""

from collections.abc import Sequence

revision: str = "0016"
down_revision: str | Sequence[str] | None = ("0015e", "0015idem_a", "0015r")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
