"""Queued jobs in the transactional test world (every test runs inside one rolled-back transaction, which a worker's
own connections cannot see): on PostgreSQL the queued import jobs are read from the engine's table and run through
the same task function a worker calls; on SQLite the app's own runner is awaited. tests/api/test_job_engine.py
runs real workers against a committed database."""

from fastapi import FastAPI
from sqlalchemy import text

from app.services.imports import RUN_IMPORT, run_queued_import
from app.worker import embedded
from tests.api.conftest import BACKEND


async def run_queued_jobs(app: FastAPI, session) -> int:  # noqa: ANN001
    """Run the queued import jobs; returns how many ran."""
    if BACKEND != "postgres":
        await embedded.drain()
        return -1
    stmt = text("SELECT id, args FROM procrastinate_jobs WHERE task_name = :task AND status = 'todo' ORDER BY id")
    queued = (await (await session.connection()).execute(stmt, {"task": RUN_IMPORT})).all()
    for _, args in queued:
        await run_queued_import(app.state.sessionmaker, app.state.settings, args)
    return len(queued)
