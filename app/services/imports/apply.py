"""Writing checked rows in bulk: PostgreSQL COPY into a temporary table then one INSERT … ON CONFLICT;
SQLite one executemany upsert. Never row by row through the ORM.

An update only touches a row whose values differ (no version bump, no `updated_at` change otherwise), so
re-importing an unchanged export changes nothing. The contact phone is personal data: it is written as its
SM4 ciphertext and compared by its keyed digest (a ciphertext differs each time it is made), on both paths.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import bindparam, case, func, or_
from sqlalchemy.dialects import sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Enterprise
from app.models.enterprise import PLAN_INPUTS
from app.models.personal import cipher, digest
from app.xlsx.enterprise_columns import KEYS

LOOKUP_CHUNK = 5_000
DEFER_INDEXES_MIN_ROWS = 50_000
"""An upload this large that at least doubles the ledger writes with the secondary indexes dropped, then builds
them once (see `defer_secondary_indexes`)."""
ANALYZE_MIN_ROWS = 5_000
"""An import that writes this many rows refreshes the table's statistics itself (see `analyze_after_bulk`)."""
IMPORT_LOCK_ID = 727_274_004
ANALYZED = (
    "name", "county_code", "industry", "risk_class", "status", "key_industry", "key_region", "key_enterprise",
    "key_product", "updated_at", "closed_at",
)  # fmt: skip
"""The columns the ledger's lists filter and sort by. The unique ones (id, credit code: their indexes tell the
planner), the free text and the phone are left to autovacuum: each sampled column costs a sort, and these eleven
take half the time of a full ANALYZE after a 100k load."""
PLAN_KEYS = PLAN_INPUTS
_EXISTING = ("credit_code", "id", "county_code", *PLAN_KEYS)


@dataclass(frozen=True)
class Existing:
    id: uuid.UUID
    county_code: str
    plan_inputs: tuple[Any, ...]
    """risk class, status and the four key flags: what the plan's frequency depends on."""

    @property
    def risk_class(self) -> str:
        return self.plan_inputs[0]


@dataclass(frozen=True)
class Applied:
    created: int
    updated: int


async def _asyncpg(session: AsyncSession) -> Any:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection


def _is_postgres(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


async def existing_by_code(session: AsyncSession, codes: Sequence[str]) -> dict[str, Existing]:
    """The enterprises already on the ledger under these credit codes, whatever their county."""
    found: dict[str, Existing] = {}
    if not codes:
        return found
    if _is_postgres(session):
        await session.flush()
        apg = await _asyncpg(session)
        rows = await apg.fetch(
            f"SELECT {', '.join(_EXISTING)} FROM enterprise WHERE credit_code = ANY($1::text[])", list(codes)
        )
    else:
        rows = []
        columns = [getattr(Enterprise, name) for name in _EXISTING]
        for start in range(0, len(codes), LOOKUP_CHUNK):
            chunk = list(codes[start : start + LOOKUP_CHUNK])
            stmt = select(*columns).where(col(Enterprise.credit_code).in_(chunk))  # type: ignore[call-overload]
            rows += (await session.exec(stmt)).all()
    for r in rows:
        found[r[0]] = Existing(id=r[1], county_code=r[2], plan_inputs=tuple(r[3:]))
    return found


PHONE, PHONE_DIGEST = "contact_phone", "contact_phone_digest"
_I_PHONE = KEYS.index(PHONE)
_PHONE_CONTEXT: str = Enterprise.__table__.c[PHONE].type.context  # type: ignore[attr-defined]
_WRITTEN = (*KEYS, PHONE_DIGEST)
_UPDATABLE = tuple(k for k in _WRITTEN if k != "credit_code")


def _updatable(county_bound: bool) -> tuple[str, ...]:
    """A county import never touches the risk class (the prefecture's classification)."""
    return tuple(k for k in _UPDATABLE if not (county_bound and k == "risk_class"))


def _compared(updatable: tuple[str, ...]) -> tuple[str, ...]:
    """What tells a changed row: the phone by its digest, never by its ciphertext."""
    return tuple(k for k in updatable if k != PHONE)


def _with_digest(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return (*row, digest(row[_I_PHONE]))


def _sealed(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows as COPY writes them (no column type runs there): each phone encrypted, its digest appended."""
    phones = [row[_I_PHONE] for row in rows if row[_I_PHONE] is not None]
    sealed = iter(cipher().encrypt_many(phones, _PHONE_CONTEXT))
    digests = iter(cipher().digest_many(phones))
    return [
        (*row, None) if row[_I_PHONE] is None else (*row[:_I_PHONE], next(sealed), *row[_I_PHONE + 1 :], next(digests))
        for row in rows
    ]


async def upsert(
    session: AsyncSession, rows: Sequence[tuple[Any, ...]], *, now: datetime, county: str | None, new: bool = False
) -> Applied:
    """Insert new credit codes, update changed ones. `rows` are typed tuples in COLUMNS order, risk class filled.

    `county`: a county-bound importer's county; a row of another county is never overwritten, even if it
    moved there between the check and the write. `new`: none of the codes was on the ledger when it was looked
    up (a first load): they are inserted without the upsert's conflict handling, unless one was written since.
    """
    if not rows:
        return Applied(0, 0)
    if _is_postgres(session):
        return await _upsert_postgres(session, rows, now=now, county=county, new=new)
    return await _upsert_sqlite(session, rows, now=now, county=county)


_INSERT = f"""
    INSERT INTO enterprise (id, {", ".join(_WRITTEN)}, version, created_at, updated_at, closed_at)
    SELECT gen_random_uuid(), {", ".join(_WRITTEN)}, 1, $1::timestamptz, $1::timestamptz,
           CASE WHEN status = 'closed' THEN $1::timestamptz END
    FROM {{stage}} ORDER BY credit_code
"""


async def _upsert_postgres(
    session: AsyncSession, rows: Sequence[tuple[Any, ...]], *, now: datetime, county: str | None, new: bool
) -> Applied:
    await session.flush()
    apg = await _asyncpg(session)
    # One bulk write at a time, rows locked in credit-code order: overlapping uploads wait, never deadlock.
    await apg.execute("SELECT pg_advisory_xact_lock($1)", IMPORT_LOCK_ID)
    stage = f"enterprise_stage_{uuid.uuid4().hex[:12]}"
    text_columns = ", ".join(f"{k} text" if not k.startswith("key_") else f"{k} boolean" for k in _WRITTEN)
    await apg.execute(f"CREATE TEMP TABLE {stage} ({text_columns}) ON COMMIT DROP")
    await apg.copy_records_to_table(stage, records=_sealed(rows), columns=_WRITTEN)
    if new:
        try:
            async with apg.transaction():  # a savepoint: a code someone wrote since the lookup is upserted below
                await apg.execute(_INSERT.format(stage=stage), now)
            await apg.execute(f"DROP TABLE {stage}")
            return Applied(created=len(rows), updated=0)
        except asyncpg.UniqueViolationError:
            pass
    updatable = _updatable(county is not None)
    sets = ", ".join(f"{k} = EXCLUDED.{k}" for k in updatable)
    changed = " OR ".join(f"enterprise.{k} IS DISTINCT FROM EXCLUDED.{k}" for k in _compared(updatable))
    guard = " AND enterprise.county_code = $2::text" if county is not None else ""
    sql = f"""
        WITH up AS ({_INSERT.format(stage=stage)}
            ON CONFLICT (credit_code) DO UPDATE SET {sets},
                version = enterprise.version + 1,
                updated_at = EXCLUDED.updated_at,
                closed_at = CASE WHEN EXCLUDED.status = 'closed'
                                 THEN COALESCE(enterprise.closed_at, EXCLUDED.updated_at) END
            WHERE ({changed}){guard}
            RETURNING (xmax = 0) AS inserted
        )
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
    """
    args = (now, county) if county is not None else (now,)
    created, updated = await apg.fetchrow(sql, *args)
    await apg.execute(f"DROP TABLE {stage}")
    return Applied(created=created, updated=updated)


async def analyze_after_bulk(session: AsyncSession, written: int) -> None:
    """A bulk load changes the ledger's size and spread: ANALYZE it now, inside the import's transaction (which
    counts its own new rows), so the first list pages after the import plan on the real figures instead of
    waiting for autovacuum's next visit. PostgreSQL only; a small import leaves it to autovacuum."""
    if written >= ANALYZE_MIN_ROWS and _is_postgres(session):
        apg = await _asyncpg(session)
        await apg.execute(f"ANALYZE enterprise ({', '.join(ANALYZED)})")


_SECONDARY_INDEXES = """
    SELECT c.relname, pg_get_indexdef(x.indexrelid)
    FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
    WHERE x.indrelid = 'enterprise'::regclass AND NOT x.indisunique AND NOT x.indisprimary
    ORDER BY c.relname
"""


async def defer_secondary_indexes(session: AsyncSession, rows: int) -> list[str]:
    """Before a bulk load that at least doubles the ledger (the first upload of a year's ledger): drop the
    secondary indexes (name, trigram, list, dates: every index but the primary key and the unique credit code
    the upsert needs) and return their definitions for `rebuild_indexes`. Building an index once over the loaded
    table is cheaper than updating it row by row (the trigram index above all).

    Inside the import's transaction: a rollback puts the indexes back as they were. DROP INDEX locks the table
    until the import commits, so the drop is tried for 200 ms only and skipped if anyone is reading the ledger
    at that moment (the import then writes with the indexes in place, as a smaller one does)."""
    if rows < DEFER_INDEXES_MIN_ROWS or not _is_postgres(session):
        return []
    await session.flush()
    apg = await _asyncpg(session)
    ledger = await apg.fetchval("SELECT reltuples FROM pg_class WHERE oid = 'enterprise'::regclass")
    if max(ledger or 0, 0) > rows:
        return []
    indexes = await apg.fetch(_SECONDARY_INDEXES)
    before = await apg.fetchval("SELECT current_setting('lock_timeout')")
    try:
        async with apg.transaction():  # a savepoint: a refused lock leaves the import's transaction usable
            await apg.execute("SET LOCAL lock_timeout = '200ms'")
            for name, _ in indexes:
                await apg.execute(f'DROP INDEX "{name}"')
    except asyncpg.LockNotAvailableError:
        return []
    finally:
        await apg.execute("SELECT set_config('lock_timeout', $1, true)", before)
    return [definition for _, definition in indexes]


async def rebuild_indexes(session: AsyncSession, definitions: Sequence[str]) -> None:
    """Build the indexes `defer_secondary_indexes` dropped, with room to sort (trigram index: 2× faster)."""
    if not definitions:
        return
    apg = await _asyncpg(session)
    await apg.execute("SET LOCAL maintenance_work_mem = '256MB'")
    for definition in definitions:
        await apg.execute(definition)


async def _upsert_sqlite(
    session: AsyncSession, rows: Sequence[tuple[Any, ...]], *, now: datetime, county: str | None
) -> Applied:
    table = Enterprise.__table__
    params = [
        {
            "id": uuid.uuid4(),
            **dict(zip(_WRITTEN, _with_digest(row), strict=True)),
            "closed_at": now if row[KEYS.index("status")] == "closed" else None,
        }
        for row in rows
    ]
    stmt = sqlite.insert(table).values(
        id=bindparam("id"),
        **{k: bindparam(k) for k in _WRITTEN},  # the phone's column type encrypts it
        version=1,
        created_at=now,
        updated_at=now,
        closed_at=bindparam("closed_at"),
    )
    updatable = _updatable(county is not None)
    excluded = stmt.excluded
    where = or_(*(table.c[k].is_distinct_from(excluded[k]) for k in _compared(updatable)))
    if county is not None:
        where = where & (table.c.county_code == county)
    stmt = stmt.on_conflict_do_update(
        index_elements=["credit_code"],
        set_={
            **{k: excluded[k] for k in updatable},
            "version": table.c.version + 1,
            "updated_at": excluded.updated_at,
            "closed_at": case(
                (excluded.status == "closed", func.coalesce(table.c.closed_at, excluded.updated_at)), else_=None
            ),
        },
        where=where,
    )
    before = (await session.exec(select(func.total_changes()))).one()  # type: ignore[call-overload]
    codes = [row[0] for row in rows]
    existing = await existing_by_code(session, codes)
    await session.execute(stmt, params)
    after = (await session.exec(select(func.total_changes()))).one()  # type: ignore[call-overload]
    changed = int(after) - int(before)
    created = len(rows) - len(existing)
    return Applied(created=created, updated=max(changed - created, 0))
