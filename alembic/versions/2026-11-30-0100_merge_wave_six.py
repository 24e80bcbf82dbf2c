"""Merge the heads of the sixth wave: a password set by an administrator must be changed (0019a), a plan line's
kept figures followed by triggers instead of a foreign key (0019p) and the plan lines' figures rolled up per county
(0019s). Nothing to change: 0019a touches another table, and 0019p's triggers (the key's guarantees) and 0019s's
(the rollup) sit side by side on plan_line_figure, each doing its own work.

Revision ID: 0020
Revises: 0019a, 0019p, 0019s
Create Date: 2026-11-30 01:00:00
"""

from collections.abc import Sequence

revision: str = "0020"
down_revision: str | Sequence[str] | None = ("0019a", "0019p", "0019s")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
