"""Licences: stored numbers in their one canonical form, and the province-less lookup key they are found by

A licence printed "(新)XK16-204-00397", "（新）XK16—204—00397" or "XK16-204-00397" is one licence: the number is
stored as "新XK16-204-00397" (province kept when printed, brackets and odd dashes gone) and found, and kept unique,
by its key "XK16-204-00397". Two stored licences with the same key are one licence entered twice: the upgrade stops
and names them, for a person to merge (a migration does not choose which record is right).

The canonical form is copied here as it was on the day of this migration (migrations import no app code).
Downgrade drops the key; the canonical numbers stay (they are valid numbers in the old format too).

Revision ID: 0011l
Revises: 0010
Create Date: 2026-11-29 09:00:00
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0011l"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼港澳台"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d"
_SEPARATOR = r"(?:\s*-\s*|\s+)"
_PRINTED = re.compile(
    rf"^(?:[{re.escape('([［【〔〖')}]\s*(?P<bracketed>[{_PROVINCES}])\s*[{re.escape(')]］】〕〗')}]"
    rf"|(?P<province>[{_PROVINCES}]))?"
    rf"\s*XK\s*(?P<unit>[0-9]{{2}}){_SEPARATOR}(?P<product>[0-9]{{3}}){_SEPARATOR}(?P<serial>[0-9]{{5}})$"
)


def _canonical(raw: str) -> tuple[str, str]:
    """(canonical number, lookup key); text that is no licence number is folded and is its own key."""
    folded = re.sub(f"[{_DASHES}]+", "-", unicodedata.normalize("NFKC", raw)).strip().upper()
    match = _PRINTED.fullmatch(folded)
    if match is None:
        number = re.sub(r"\s+", "", folded)
        return number, number
    key = f"XK{match['unit']}-{match['product']}-{match['serial']}"
    return (match["bracketed"] or match["province"] or "") + key, key


def upgrade() -> None:
    with op.batch_alter_table("licence") as batch_op:
        batch_op.add_column(sa.Column("lookup_key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
    licence = sa.table(
        "licence",
        sa.column("id", sa.Uuid()),
        sa.column("licence_no", sa.String()),
        sa.column("lookup_key", sa.String()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(licence.c.id, licence.c.licence_no)).all()
    holders: dict[str, list[str]] = {}
    for _, number in rows:
        holders.setdefault(_canonical(number)[1], []).append(number)
    twice = {key: numbers for key, numbers in holders.items() if len(numbers) > 1}
    if twice:
        named = "; ".join(f"{key}: {' / '.join(sorted(numbers))}" for key, numbers in sorted(twice.items()))
        raise RuntimeError(f"the same licence is on the ledger more than once, merge these first: {named}")
    for licence_id, number in rows:
        canonical, key = _canonical(number)
        connection.execute(
            licence.update().where(licence.c.id == licence_id).values(licence_no=canonical, lookup_key=key)
        )
    with op.batch_alter_table("licence") as batch_op:
        batch_op.alter_column("lookup_key", existing_type=sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False)
        batch_op.create_index(batch_op.f("ix_licence_lookup_key"), ["lookup_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("licence") as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_lookup_key"))
        batch_op.drop_column("lookup_key")
