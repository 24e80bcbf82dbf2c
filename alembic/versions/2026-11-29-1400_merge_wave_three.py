"""Merge the heads of the third wave (audit chain, change feed, kept figures, personal data, list index, sign-in);
the TOTP secrets of two-factor sign-in are stored SM4-encrypted like personal data

A TOTP secret is a shared secret: whoever reads it makes valid codes. `user_two_factor.secret` (0013s) is encrypted
here with the personal-data cipher (0013p) under the key the settings name at migration time; on PostgreSQL the
column becomes `text` (a ciphertext is longer than 64 characters). Downgrade decrypts the secrets back.
Like 0013p this migration imports the application's cipher, so the ciphertext format cannot drift.

Revision ID: 0014
Revises: 0013a, 0013e, 0013k, 0013p, 0013q, 0013s
Create Date: 2026-11-29 14:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = ("0013a", "0013e", "0013k", "0013p", "0013q", "0013s")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTEXT = "user_two_factor.secret"
PREFIX = "sm4gcm$"
TWO_FACTOR = sa.table("user_two_factor", sa.column("user_id", sa.Uuid()), sa.column("secret", sa.Text()))


def _cipher() -> Any:
    from app.core.personal_data import installed_or_from_environment

    return installed_or_from_environment()


def _rewrite(sealing: bool) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(TWO_FACTOR.c.user_id, TWO_FACTOR.c.secret)).all()
    todo = [(user_id, secret) for user_id, secret in rows if secret.startswith(PREFIX) != sealing]
    if not todo:
        return
    cipher = _cipher()
    change = cipher.encrypt if sealing else cipher.decrypt
    params = [{"_id": user_id, "_secret": change(secret, CONTEXT)} for user_id, secret in todo]
    statement = TWO_FACTOR.update().where(TWO_FACTOR.c.user_id == sa.bindparam("_id"))
    connection.execute(statement.values(secret=sa.bindparam("_secret")), params)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("user_two_factor", "secret", existing_type=sa.String(length=64), type_=sa.Text())
    _rewrite(sealing=True)


def downgrade() -> None:
    _rewrite(sealing=False)
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("user_two_factor", "secret", existing_type=sa.Text(), type_=sa.String(length=64))
