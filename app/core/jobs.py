"""The job engine: procrastinate on the system-of-record PostgreSQL.

A job is enqueued **in the caller's transaction**: `enqueue` calls procrastinate's own defer function
(`procrastinate_defer_jobs_v1`, the one every procrastinate connector calls) through the SQLAlchemy session, so
the job row is written, or rolled back, with the change that asked for it — a write that rolled back never
leaves a job behind, and a committed write always has its job. Workers (`python -m app.cli worker`, any number,
on any machine) take jobs from the same database through procrastinate's psycopg connector.

On the embedded SQLite default there is no procrastinate: `enqueue` keeps the request on the session and, once
the transaction commits, hands it to the in-process runner the app installed (`set_embedded_runner`), so
`make run` needs nothing else. Work that must survive a restart runs on PostgreSQL.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session
from sqlmodel.ext.asyncio.session import AsyncSession

DEFAULT_QUEUE = "default"
_PENDING = "embedded_jobs"

_DEFER = text(
    "SELECT unnest(procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, :priority, :lock, :queueing_lock,"
    " CAST(:args AS jsonb), NULL)::procrastinate_job_to_defer_v1])) AS id"
)


@dataclass(frozen=True)
class JobRequest:
    task: str
    args: dict[str, Any]


EmbeddedRunner = Callable[[JobRequest], None]
"""Starts the work on the running event loop and returns at once."""
_embedded_runner: EmbeddedRunner | None = None


def set_embedded_runner(runner: EmbeddedRunner | None) -> None:
    """The in-process runner for the SQLite default (installed by the app at start-up)."""
    global _embedded_runner
    _embedded_runner = runner


def procrastinate_conninfo(database_url: str) -> str:
    """postgresql+asyncpg://user@host/db → postgresql://user@host/db (libpq form for psycopg)."""
    scheme, _, rest = database_url.partition("://")
    return f"{scheme.split('+')[0]}://{rest}"


async def enqueue(
    session: AsyncSession,
    task: str,
    args: dict[str, Any],
    *,
    queue: str = DEFAULT_QUEUE,
    lock: str | None = None,
    queueing_lock: str | None = None,
    priority: int = 0,
) -> int | None:
    """Enqueue `task(**args)` in the session's transaction; returns procrastinate's job id (None on SQLite).

    `lock`: jobs sharing it never run at the same time; `queueing_lock`: at most one such job waits in the queue.
    """
    if session.get_bind().dialect.name != "postgresql":
        session.sync_session.info.setdefault(_PENDING, []).append(JobRequest(task, args))
        return None
    connection = await session.connection()  # the session's transaction: the job commits or rolls back with it
    row = await connection.execute(
        _DEFER,
        {
            "queue": queue,
            "task": task,
            "priority": priority,
            "lock": lock,
            "queueing_lock": queueing_lock,
            "args": json.dumps(args, ensure_ascii=False),
        },
    )
    return int(row.scalar_one())


def enqueue_at_commit(
    session: Session, task: str, args: dict[str, Any], *, queue: str = DEFAULT_QUEUE, lock: str | None = None
) -> None:
    """`enqueue` from inside a commit hook (a before-commit callback: the sync session, its transaction still
    open), for work that must be ordered the way the commit numbered it."""
    if session.get_bind().dialect.name != "postgresql":
        session.info.setdefault(_PENDING, []).append(JobRequest(task, args))
        return
    params = {"queue": queue, "task": task, "priority": 0, "lock": lock, "queueing_lock": None}
    session.execute(_DEFER, params | {"args": json.dumps(args, ensure_ascii=False)})


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def run_waiting_now(session: AsyncSession, task: str, lock_prefix: str) -> int:
    """Jobs of `task` waiting out a retry backoff, whose lock starts with `lock_prefix`, run now (in the caller's
    transaction; nothing on SQLite, which has no engine). Returns how many were brought forward."""
    if session.get_bind().dialect.name != "postgresql":
        return 0
    connection = await session.connection()
    result = await connection.execute(
        text(
            "UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo' AND task_name = :task"
            " AND lock LIKE :prefix AND scheduled_at > now()"
        ),
        {"task": task, "prefix": _like_prefix(lock_prefix)},
    )
    return int(result.rowcount or 0)


def install() -> None:
    """Register the session hooks that hand SQLite jobs over after commit (idempotent; done by make_sessionmaker)."""
    if not event.contains(Session, "after_commit", _hand_to_embedded_runner):
        event.listen(Session, "after_commit", _hand_to_embedded_runner)
        event.listen(Session, "after_rollback", _forget_rolled_back)


def _hand_to_embedded_runner(session: Session) -> None:
    pending: list[JobRequest] = session.info.pop(_PENDING, [])
    if not pending or _embedded_runner is None:
        return
    for request in pending:
        _embedded_runner(request)


def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)
