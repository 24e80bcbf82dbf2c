"""The signing secrets of webhook subscriptions are stored SM4-encrypted like personal data

A subscription's `whsec_…` secret is shared with the receiver: whoever reads it can forge deliveries that verify.
`webhook_subscription.secret` is encrypted here with the personal-data cipher under the key the settings name at
migration time (as 0014 did for TOTP secrets); on PostgreSQL the column becomes `text`. Downgrade decrypts them.

Revision ID: 0017w
Revises: 0016
Create Date: 2026-11-29 20:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from alembic import op

revision: str = "0017w"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTEXT = "webhook_subscription.secret"
PREFIX = "sm4gcm$"
SUBSCRIPTION = sa.table("webhook_subscription", sa.column("id", sa.Uuid()), sa.column("secret", sa.Text()))


def _cipher() -> Any:
    from app.core.personal_data import installed_or_from_environment

    return installed_or_from_environment()


def _rewrite(sealing: bool) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(SUBSCRIPTION.c.id, SUBSCRIPTION.c.secret)).all()
    todo = [(row_id, secret) for row_id, secret in rows if secret.startswith(PREFIX) != sealing]
    if not todo:
        return
    cipher = _cipher()
    change = cipher.encrypt if sealing else cipher.decrypt
    params = [{"_id": row_id, "_secret": change(secret, CONTEXT)} for row_id, secret in todo]
    statement = SUBSCRIPTION.update().where(SUBSCRIPTION.c.id == sa.bindparam("_id"))
    connection.execute(statement.values(secret=sa.bindparam("_secret")), params)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("webhook_subscription", "secret", existing_type=sa.String(length=100), type_=sa.Text())
    _rewrite(sealing=True)


def downgrade() -> None:
    _rewrite(sealing=False)
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("webhook_subscription", "secret", existing_type=sa.Text(), type_=sa.String(length=100))
