"""procrastinate wired to Zhijian: the calendar's periodic tasks, the queued tasks, and running a worker.

Any number of workers on any number of machines share the jobs of one database:
- a periodic task is deferred once per tick for all workers (procrastinate's periodic defers are unique per
  task and timestamp), and its `queueing_lock` keeps at most one waiting;
- a queued task is taken by exactly one worker; a worker that dies leaves its job `doing`, and the hourly
  `retry-stalled-jobs` task puts jobs of workers whose heartbeat stopped back in the queue — the tasks are
  written so that running again is safe (an import holds its row lock for its whole transaction);
- failures raised out of a task (the database away, say) are retried with exponential backoff.
"""

import logging
from typing import Any

import procrastinate
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core import personal_data
from app.core.audit_keys import AuditKeys
from app.core.clock import today_in_china
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.core.jobs import procrastinate_conninfo
from app.services.common import audit
from app.services.events import DELIVER
from app.services.imports import RUN_IMPORT, run_queued_import
from app.services.webhooks import RETRY as WEBHOOK_RETRY
from app.services.webhooks import run_delivery
from app.worker.calendar import CALENDAR, Periodic, run_committed

log = logging.getLogger("app.worker")

RETRY = procrastinate.RetryStrategy(max_attempts=8, exponential_wait=2)
"""2, 4, 8 … 256 s between attempts of a task that raised (about 8 minutes in all)."""
STALLED_AFTER_SECONDS = 60
RETRY_STALLED = "engine.retry-stalled-jobs"
PING = "engine.ping"
"""A job that does nothing but finish: proves a worker takes jobs (monitoring) and measures the engine's own cost."""


class _Database:
    """The worker process's own engine, made on first use inside the worker's event loop."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engine: AsyncEngine | None = None
        self._sessionmaker: async_sessionmaker[AsyncSession] | None = None

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]:
        if self._sessionmaker is None:
            self._engine = make_engine(self.settings.database_url)
            self._sessionmaker = make_sessionmaker(self._engine)
        return self._sessionmaker

    async def dispose(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()


def build(settings: Settings) -> tuple[procrastinate.App, _Database]:
    """The procrastinate app with every task of Zhijian registered."""
    audit.install(AuditKeys.from_settings(settings))
    personal_data.install(settings)
    connector = procrastinate.PsycopgConnector(conninfo=procrastinate_conninfo(settings.database_url))
    app = procrastinate.App(connector=connector)
    database = _Database(settings)
    for entry in CALENDAR:
        _register_periodic(app, database, entry)

    @app.task(name=RUN_IMPORT, retry=RETRY, queue="imports")
    async def run_enterprise_import(import_id: str, actor: dict[str, Any], today: str) -> str:
        args = {"import_id": import_id, "actor": actor, "today": today}
        return await run_queued_import(database.sessionmaker, settings, args)

    @app.task(name=DELIVER, retry=WEBHOOK_RETRY, queue="webhooks", pass_context=True)
    async def deliver_webhook(context: procrastinate.JobContext, delivery_id: str) -> str:
        assert context.job is not None
        final = context.job.attempts >= (WEBHOOK_RETRY.max_attempts or 0)
        return await run_delivery(database.sessionmaker, settings, delivery_id, final=final)

    @app.periodic(cron="5 * * * *", periodic_id=RETRY_STALLED)
    @app.task(name=RETRY_STALLED, queueing_lock=RETRY_STALLED)
    async def retry_stalled_jobs(timestamp: int) -> int:
        stalled = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS))
        for job in stalled:
            log.warning("retrying job %s (%s) left by a stopped worker", job.id, job.task_name)
            await app.job_manager.retry_job(job)
        return len(stalled)

    @app.task(name=PING)
    async def ping(sent_at: float) -> float:
        return sent_at

    return app, database


def _register_periodic(app: procrastinate.App, database: _Database, entry: Periodic) -> None:
    name = f"calendar.{entry.name}"

    async def run(timestamp: int) -> str:
        return await run_committed(database.sessionmaker, entry, today_in_china())

    run.__name__ = run.__qualname__ = name.replace(".", "_").replace("-", "_")
    app.periodic(cron=entry.cron, periodic_id=name)(app.task(name=name, queueing_lock=name, retry=RETRY)(run))


async def run_worker(settings: Settings, *, concurrency: int = 1, wait: bool = True, name: str | None = None) -> None:
    """Run a worker until stopped (SIGINT/SIGTERM), or with `wait=False` until the queues are empty."""
    app, database = build(settings)
    try:
        async with app.open_async():
            await app.run_worker_async(
                concurrency=concurrency,
                wait=wait,
                name=name,
                install_signal_handlers=wait,
                listen_notify=wait,
                update_heartbeat_interval=10,
                stalled_worker_timeout=STALLED_AFTER_SECONDS,
            )
    finally:
        await database.dispose()
