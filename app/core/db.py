"""Async engine and the request-scoped session that commits on success and rolls back on error."""

import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core import jobs
from app.core.errors import AppError


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
    engine = create_async_engine(database_url, pool_size=POOL_SIZE, max_overflow=10, pool_recycle=RECYCLE_SECONDS)
    _ping_when_idle(engine)
    return engine


POOL_SIZE = 20
"""Kept open: a burst of concurrent requests above it opens overflow connections that are closed again on return
(a new connection costs a TLS handshake and a fresh statement cache: the churn showed at 32 concurrent requests)."""
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
    async with maker() as session:
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


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    """For a response streamed after the request's session has committed: it reads in a session of its own."""
    return request.app.state.sessionmaker


SessionmakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]
