"""Merge the heads of the sixth wave: a password set by an administrator must be changed (0019a) and a plan line's
kept figures followed by triggers instead of a foreign key (0019p). Nothing to change: the two touch different
tables.

Revision ID: 0020
Revises: 0019a, 0019p
Create Date: 2026-11-30 01:00:00
"""

from collections.abc import Sequence

revision: str = "0020"
down_revision: str | Sequence[str] | None = ("0019a", "0019p")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
