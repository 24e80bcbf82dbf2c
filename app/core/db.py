"""Async engine and the request-scoped session that commits on success and rolls back on error."""

import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Select, event
from sqlalchemy.engine import Compiled, Dialect
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.util import greenlet_spawn
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core import jobs
from app.core.errors import AppError, database_unavailable


def make_engine(database_url: str) -> AsyncEngine:
    if database_url.startswith("sqlite"):
        engine = create_async_engine(database_url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    engine = create_async_engine(database_url, pool_size=POOL_SIZE, max_overflow=0, pool_recycle=RECYCLE_SECONDS)
    _ping_when_idle(engine)
    return engine


POOL_SIZE = 32
"""Connections a worker keeps (opened as needed, never more): a burst above it waits for one to come back. The pool
was 20 kept and 10 more opened for a burst and closed again on return; at 32 concurrent requests those ten were
opened and closed all the time, each a new PostgreSQL backend and a fresh statement cache, and cost the worker a
third more CPU per signed-in read than the read itself (and its p99). The ceiling per worker is about what it was
(30); what changes is that none is closed after each use."""
RECYCLE_SECONDS = 1800
IDLE_PING_SECONDS = 10.0
"""No pre-ping on every checkout (three round trips: BEGIN, `;`, ROLLBACK): a connection is pinged only when it
sat unused in the pool longer than this, and a dead one is replaced before the request sees it. A connection in
steady use is trusted; one that dropped under use fails its statement, SQLAlchemy invalidates the pool's older
connections, and the request answers 503 with Retry-After (`app/core/errors.py`)."""


def _ping_when_idle(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_conn, record) -> None:  # noqa: ANN001
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_conn, record, _proxy) -> None:  # noqa: ANN001
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            dbapi_conn.ping()
        except Exception as exc:  # the pool retries the checkout on a fresh connection
            raise DisconnectionError("idle connection dropped") from exc


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    jobs.install()
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def make_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for endpoints marked `read_only`: on PostgreSQL the connection runs in autocommit, so a request
    that only reads sends no BEGIN and no COMMIT (READ COMMITTED gives each statement its own snapshot either
    way). SQLite keeps the ordinary session."""
    if engine.dialect.name != "postgresql":
        return make_sessionmaker(engine)
    return make_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"))  # type: ignore[arg-type]


def _read_sessionmaker(state: Any) -> async_sessionmaker[AsyncSession]:
    """The read-only twin of `state.sessionmaker` (same engine, same pool), made once per sessionmaker."""
    base = state.sessionmaker
    bind = base.kw.get("bind")
    if not isinstance(bind, AsyncEngine):  # bound to one connection (the tests' isolation): keep it as it is
        return base
    cached = getattr(state, "read_sessionmaker", None)
    if cached is None or cached[0] is not base:
        cached = state.read_sessionmaker = (base, make_read_sessionmaker(bind))
    return cached[1]


F = TypeVar("F", bound=Callable[..., Any])
READ_ONLY = "__zhijian_read_only__"


def read_only(endpoint: F) -> F:
    """Mark an endpoint that never writes (no audit event either): its session needs no transaction."""
    setattr(endpoint, READ_ONLY, True)
    return endpoint


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request: commit when the handler returns, roll back when it raises. Endpoints
    marked `read_only` read without a transaction (and have nothing to commit unless the caller's sign-in noted
    something: a service key's last use).

    Runs with `scope="function"`, so the commit happens before the response is sent: a client is never
    told a write succeeded that was not committed.
    """
    maker = base = request.app.state.sessionmaker
    if getattr(request.scope.get("endpoint"), READ_ONLY, False):
        maker = _read_sessionmaker(request.app.state)
    session = maker()
    try:
        try:
            yield session
        except AppError as exc:
            if exc.keep_changes:
                await session.commit()
            else:
                await session.rollback()
            raise
        except BaseException:
            await session.rollback()
            raise
        else:
            if maker is base or session.new or session.dirty or session.deleted:
                await session.commit()
            # else an autocommit session that holds nothing to flush: its statements are committed already and
            # closing it returns the connection as committing would
    finally:
        if not _untouched(session.sync_session):
            await session.__aexit__(None, None, None)  # closed as `async with maker() as session` closes it


def _untouched(session: Any) -> bool:
    """Whether a session never began a transaction (so holds no connection) and holds no objects: closing it would
    only empty its empty maps, yet costs a task and a switch into SQLAlchemy's greenlet (a read-only request whose
    statements ran on a borrowed connection, `read_rows`)."""
    return not session.in_transaction() and not session.new and not session.deleted and not session.identity_map


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    """For a response streamed after the request's session has committed: it reads in a session of its own."""
    return request.app.state.sessionmaker


SessionmakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]


def _keeps_none(process: Callable[[Any], Any]) -> bool:
    """Whether a result processor gives None for None (a NULL is then not handed to it: most columns of a page's
    rows that are processed at all are empty — the sealed phone, the closing time)."""
    try:
        return process(None) is None
    except Exception:  # a processor that refuses None is always called, as SQLAlchemy calls it
        return False


class _DriverRead:
    """A select compiled once for asyncpg: its SQL, its parameters in order with their bind processors, its result
    columns' keys and result processors (the types' own: a sealed phone opened, an instant made UTC-aware)."""

    def __init__(self, compiled: Compiled, dialect: Dialect) -> None:
        self.compiled = compiled
        self.sql = compiled.string
        processors = compiled._bind_processors  # type: ignore[attr-defined]
        self.binds = tuple((name, processors.get(name)) for name in compiled.positiontup or ())  # type: ignore[attr-defined]
        columns = compiled._result_columns  # type: ignore[attr-defined]
        self.keys = tuple(column.keyname for column in columns)
        processed = [
            (column.keyname, processor)
            for column in columns
            if (processor := column.type._cached_result_processor(dialect, None)) is not None
        ]
        self.results = tuple((key, process) for key, process in processed if not _keeps_none(process))
        self.results_unless_none = tuple((key, process) for key, process in processed if _keeps_none(process))

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        values = self.compiled.construct_params(params)
        return [values[name] if process is None else process(values[name]) for name, process in self.binds]

    def rows(self, records: Sequence[Any]) -> list[dict[str, Any]]:
        keys, results, unless_none = self.keys, self.results, self.results_unless_none
        out = []
        for record in records:
            row = dict(zip(keys, record, strict=True))
            for key, process in results:
                row[key] = process(row[key])
            for key, process in unless_none:
                if (value := row[key]) is not None:
                    row[key] = process(value)
            out.append(row)
        return out


_DRIVER_READS: dict[tuple[int, int], tuple[Select[Any], Dialect, _DriverRead | None]] = {}
MAX_DRIVER_READS = 1_000


def _driver_read(stmt: Select[Any], dialect: Dialect) -> _DriverRead | None:
    """The statement compiled for this engine's dialect, once; None when it cannot run as plain SQL."""
    key = (id(stmt), id(dialect))
    found = _DRIVER_READS.get(key)
    if found is not None and found[0] is stmt and found[1] is dialect:
        return found[2]
    compiled = stmt.compile(dialect=dialect)
    plain = not (compiled.literal_execute_params or compiled.post_compile_params)  # type: ignore[attr-defined]
    read = _DriverRead(compiled, dialect) if plain and compiled.positiontup is not None else None  # type: ignore[attr-defined]
    if len(_DRIVER_READS) >= MAX_DRIVER_READS:
        _DRIVER_READS.clear()
    _DRIVER_READS[key] = (stmt, dialect, read)  # both held, so their ids are not reused meanwhile
    return read


def _driver_read_of(session: AsyncSession, stmt: Select[Any]) -> "_DriverRead | None":
    """The statement compiled for the driver when the session's database is reached through asyncpg."""
    bind = session.bind
    if bind is None or bind.dialect.driver != "asyncpg":
        return None
    return _driver_read(stmt, bind.dialect)


def _autocommit_engine(bind: Any) -> bool:
    return isinstance(bind, AsyncEngine) and bind.get_execution_options().get("isolation_level") == "AUTOCOMMIT"


async def read_rows(session: AsyncSession, stmt: Select[Any], params: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The rows of a select that is built once (a module-level statement run with bound values), as mappings of
    its columns' keys to the values SQLAlchemy would give.

    On asyncpg the statement is compiled once and run on the driver connection, without SQLAlchemy's execution
    (which cost more than the statement itself on a one-row read): on the session's connection when it holds one or
    reads in a transaction, else — a read-only session (autocommit, every statement its own snapshot anyway) that
    has not connected — on a connection borrowed from the pool for this statement alone, so the session never
    connects. A failure is raised as SQLAlchemy's DBAPIError around asyncpg's, as an ordinary statement's would be
    (a database that went away is 503), and a broken borrowed connection is dropped from the pool. Other
    databases, and statements with expanding parameters, run through the session's connection as usual."""
    read = _driver_read_of(session, stmt)
    if read is None:
        connection = await session.connection()
        return list((await connection.execute(stmt, params)).mappings())
    return read.rows(await _driver_records(session, read, params))


async def read_tuples(session: AsyncSession, stmt: Select[Any], params: Mapping[str, Any]) -> Sequence[Sequence[Any]]:
    """As `read_rows`, the rows as the driver gives them: tuples of the select's columns in order, no mapping made
    per row (for many rows of a select whose columns need no result processing; one that needs it, and other
    databases, get SQLAlchemy's rows, which are tuples too)."""
    read = _driver_read_of(session, stmt)
    if read is None or read.results:
        connection = await session.connection()
        return (await connection.execute(stmt, params)).all()
    return await _driver_records(session, read, params)


async def _driver_records(session: AsyncSession, read: "_DriverRead", params: Mapping[str, Any]) -> list[Any]:
    bind = session.bind
    arguments = read.arguments(params)
    if session.in_transaction() or not _autocommit_engine(bind):
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        return await _fetch(raw.driver_connection, read.sql, arguments)
    assert isinstance(bind, AsyncEngine)
    raw = await bind.raw_connection()
    try:
        return await _fetch(raw.driver_connection, read.sql, arguments)
    except DBAPIError as exc:
        if database_unavailable(exc):
            await greenlet_spawn(raw.invalidate, exc)
        raise
    finally:  # in SQLAlchemy's greenlet, as AsyncConnection gives its own back: the reset or close awaits the driver
        await greenlet_spawn(raw.close)


async def _fetch(driver: Any, sql: str, arguments: list[Any]) -> list[Any]:
    try:
        return await driver.fetch(sql, *arguments)
    except Exception as exc:
        raise DBAPIError(sql, arguments, exc) from exc
