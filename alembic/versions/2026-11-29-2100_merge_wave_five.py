"""Merge the heads of the fifth wave: the findings' and the ledger's kept figures (0017f), plan lines written in
bulk (0017p) and webhook secrets encrypted (0017w). Nothing to change: the three touch different tables and
functions.

Revision ID: 0018
Revises: 0017f, 0017p, 0017w
Create Date: 2026-11-29 21:00:00
"""

from collections.abc import Sequence

revision: str = "0018"
down_revision: str | Sequence[str] | None = ("0017f", "0017p", "0017w")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
