"""Merge the heads of the second wave: job engine, notifications, reporting, ledger and findings rules

Revision ID: 0012
Revises: 0011, 0011n, 0011r, 0011l, 0011f
Create Date: 2026-11-29 11:00:00
"""

from collections.abc import Sequence

revision: str = "0012"
down_revision: str | Sequence[str] | None = ("0011", "0011n", "0011r", "0011l", "0011f")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
