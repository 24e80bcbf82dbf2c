"""Personal data encrypted at rest: enterprise.contact_phone and user.phone hold SM4-GCM ciphertexts

GB/T 22239-2019 level 3 asks for the confidentiality of personal information in storage by cryptography. The
phones already stored are encrypted here, under the key the settings name at migration time (PII_KEYS /
PII_KEY_ID, or the published development key in ENV=development/test); the enterprise's phone gets its keyed
HMAC-SM3 digest beside it (`contact_phone_digest`), what the bulk import and the completeness count compare.
The uploads kept for queued import jobs (`import_upload.content`, rows full of phones) are sealed the same way.
On PostgreSQL the two columns become `text` (a ciphertext is longer than the 32 characters of a phone); SQLite
does not bound `VARCHAR`. A database with no phone stored needs no key at all.

Unlike the other migrations this one imports app code: the ciphertext format and the keys are the
application's (`app.core.personal_data`), and a copy of the cipher here could only drift from it.
Downgrade decrypts every value back into the clear (the keys must still be listed) and drops the digest.
Audit events written before this migration keep the phones they recorded: the trail is append-only and chained.

Revision ID: 0013p
Revises: 0012
Create Date: 2026-11-29 13:00:00
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from alembic import op

revision: str = "0013p"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENCRYPTED = (("enterprise", "contact_phone", "contact_phone_digest"), ("user", "phone", None))
"""(table, column, its digest column or None)."""
PREFIX = "sm4gcm$"


def _cipher() -> Any:
    from app.core.personal_data import installed_or_from_environment

    return installed_or_from_environment()


def _rewrite(table_name: str, column: str, digest: str | None, change: Callable[[Any, str, str], tuple]) -> None:
    """Every non-NULL value of `table.column` through `change(cipher, value, context)` → (value, digest)."""
    columns = [sa.column("id", sa.Uuid()), sa.column(column, sa.Text())]
    if digest:
        columns.append(sa.column(digest, sa.String()))
    table = sa.table(table_name, *columns)
    connection = op.get_bind()
    rows = connection.execute(sa.select(table.c.id, table.c[column]).where(table.c[column].is_not(None))).all()
    if not rows:
        return
    cipher = _cipher()
    context = f"{table_name}.{column}"
    params = []
    for row_id, value in rows:
        new, new_digest = change(cipher, value, context)
        params.append({"_id": row_id, "_value": new, "_digest": new_digest})
    values = {column: sa.bindparam("_value")}
    if digest:
        values[digest] = sa.bindparam("_digest")
    connection.execute(table.update().where(table.c.id == sa.bindparam("_id")).values(values), params)


def _encrypt(cipher: Any, value: str, context: str) -> tuple[str, str | None]:
    plain = cipher.decrypt(value, context) if value.startswith(PREFIX) else value
    sealed = value if value.startswith(PREFIX) else cipher.encrypt(value, context)
    return sealed, cipher.digest(plain) if plain.strip() else None


def _decrypt(cipher: Any, value: str, context: str) -> tuple[str, None]:
    return (cipher.decrypt(value, context) if value.startswith(PREFIX) else value), None


def _uploads(sealing: bool) -> None:
    """The uploads queued import jobs keep (their rows carry phones): sealed, or opened again."""
    upload = sa.table("import_upload", sa.column("import_id", sa.Uuid()), sa.column("content", sa.LargeBinary()))
    connection = op.get_bind()
    rows = connection.execute(sa.select(upload.c.import_id, upload.c.content)).all()
    if not rows:
        return
    cipher, context = _cipher(), "import_upload.content"
    params = []
    for import_id, content in rows:
        content = bytes(content)
        if content.startswith(PREFIX.encode()) == sealing:  # already as wanted
            continue
        new = cipher.seal(content, context) if sealing else cipher.unseal(content, context)
        params.append({"_id": import_id, "_content": new})
    if params:
        statement = upload.update().where(upload.c.import_id == sa.bindparam("_id"))
        connection.execute(statement.values(content=sa.bindparam("_content")), params)


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, column, digest in ENCRYPTED:
        with op.batch_alter_table(table) as batch_op:
            if postgres:
                batch_op.alter_column(column, existing_type=sa.String(length=32), type_=sa.Text())
            if digest:
                batch_op.add_column(sa.Column(digest, sa.String(length=80), nullable=True))
        _rewrite(table, column, digest, _encrypt)
    _uploads(sealing=True)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    _uploads(sealing=False)
    for table, column, digest in ENCRYPTED:
        _rewrite(table, column, None, _decrypt)
        with op.batch_alter_table(table) as batch_op:
            if digest:
                batch_op.drop_column(digest)
            if postgres:
                batch_op.alter_column(column, existing_type=sa.Text(), type_=sa.String(length=32))
