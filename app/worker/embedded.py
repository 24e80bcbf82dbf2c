"""The embedded default (SQLite, `make run`) has no job engine: the app runs the same functions itself.

- Queued work (a large import) runs as a task of the app's event loop once its request has committed.
- The calendar's entries run on their schedule while the app is up (checked every minute; a day missed while
  the app was down is not caught up — on SQLite the demo is the point, PostgreSQL with workers is production).
Nothing here survives a restart: work that must, runs on PostgreSQL with `python -m app.cli worker`.
"""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from croniter import croniter
from fastapi import FastAPI

from app.core import jobs
from app.core.clock import today_in_china
from app.services.events import DELIVER
from app.services.imports import RUN_IMPORT, run_queued_import
from app.services.webhooks import DeliveryFailed, run_delivery
from app.worker.calendar import CALENDAR, run_committed

log = logging.getLogger("app.worker")
_tasks: set[asyncio.Task[None]] = set()


def install(app: FastAPI) -> None:
    """Let `app.core.jobs.enqueue` hand queued work to this app after commit."""

    async def runner(request: jobs.JobRequest) -> None:
        if request.task == DELIVER:  # one attempt: no backoff without the engine; POST …/retry sends it again
            with contextlib.suppress(DeliveryFailed):
                await run_delivery(app.state.sessionmaker, app.state.settings, request.args["delivery_id"], final=False)
            return
        if request.task != RUN_IMPORT:
            log.error("no embedded runner for task %s", request.task)
            return
        await run_queued_import(app.state.sessionmaker, app.state.settings, request.args)

    def start(request: jobs.JobRequest) -> None:
        task = asyncio.get_running_loop().create_task(runner(request))
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)

    jobs.set_embedded_runner(start)


async def drain() -> None:
    """Wait for the queued work started so far (tests; a graceful stop)."""
    while _tasks:
        await asyncio.gather(*list(_tasks), return_exceptions=True)


async def run_calendar(app: FastAPI, *, every_seconds: float = 60.0) -> None:
    """Run each calendar entry when its cron time passes, for as long as the app runs."""
    last = datetime.now(UTC)
    while True:
        await asyncio.sleep(every_seconds)
        now = datetime.now(UTC)
        for entry in CALENDAR:
            if croniter(entry.cron, last).get_next(datetime) <= now:
                try:
                    await run_committed(app.state.sessionmaker, entry, today_in_china())
                except Exception:  # one failed entry must not stop the calendar
                    log.exception("calendar entry %s failed", entry.name)
        last = now
