"""Key rotation of personal data at rest (`python -m app.cli rotate-pii-key`).

Every encrypted column (found by its type, so a new one joins by itself) is walked in primary-key order, one batch
per transaction: a value under another key than PII_KEY_ID is read (opened by its own, still listed key) and
written again under the current key, its digest with it. A value already under the current key is not touched,
so a second run changes nothing and a run cut short is finished by running it again. Records keep their version
and `updated_at`: nothing about them changed. Each batch is audited as the system.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, String, Table, bindparam, func, select, type_coerce, update
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import SYSTEM
from app.core.personal_data import SCHEME
from app.models.personal import EncryptedText, cipher, digest
from app.services.common import audit


@dataclass(frozen=True)
class EncryptedColumn:
    table: Table
    column: Column[Any]
    digest: Column[Any] | None

    @property
    def name(self) -> str:
        return f"{self.table.name}.{self.column.name}"

    @property
    def key(self) -> Column[Any]:
        (pk,) = self.table.primary_key.columns
        return pk


def encrypted_columns() -> list[EncryptedColumn]:
    return [
        EncryptedColumn(table, column, table.c.get(f"{column.name}_digest"))
        for table in SQLModel.metadata.sorted_tables
        for column in table.c
        if isinstance(column.type, EncryptedText)
    ]


def _not_current(target: EncryptedColumn) -> Any:
    prefix = f"{SCHEME}${cipher().current_key_id}$"
    stored = type_coerce(target.column, String)  # the ciphertext as stored, not decrypted, not encrypted
    return target.column.is_not(None) & ~stored.startswith(prefix, autoescape=True)


async def pending(session: AsyncSession, target: EncryptedColumn) -> int:
    """Values of this column not under the current key."""
    stmt = select(func.count()).select_from(target.table).where(_not_current(target))
    connection = await session.connection()
    return int((await connection.execute(stmt)).scalar_one())


async def rotate_batch(session: AsyncSession, target: EncryptedColumn, *, after: Any, limit: int) -> tuple[int, Any]:
    """Re-encrypt up to `limit` values past primary key `after` (None: from the start); (rows, last key seen)."""
    stmt = select(target.key, target.column).where(_not_current(target)).order_by(target.key).limit(limit)
    if after is not None:
        stmt = stmt.where(target.key > after)
    connection = await session.connection()
    rows = (await connection.execute(stmt)).all()  # opens each value under its own key
    if not rows:
        return 0, after
    values: dict[str, Any] = {target.column.name: bindparam("_plain", type_=target.column.type)}
    if target.digest is not None:
        values[target.digest.name] = bindparam("_digest")
    statement = update(target.table).where(target.key == bindparam("_key")).values(values)
    params = [{"_key": key, "_plain": plain, "_digest": digest(plain)} for key, plain in rows]
    await connection.execute(statement, params)
    await audit.record(
        session,
        SYSTEM,
        "personal_data.rotate",
        target.table.name,
        county_code=None,
        after={"column": target.column.name, "rows": len(rows), "key_id": cipher().current_key_id},
    )
    return len(rows), rows[-1][0]
