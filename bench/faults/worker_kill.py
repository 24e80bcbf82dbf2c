"""Fault: two job-engine workers share 1,000 queued import jobs; one is SIGKILLed mid-run. Every import must be
applied exactly once: the survivor drains the queue, the killed worker's in-flight jobs are put back by the
stalled-job retry (the hourly `retry-stalled-jobs` task, called here once the dead worker's heartbeat is stale)
and run again — their transactions died with the worker, so nothing of them was written before.

    .venv/bin/python bench/faults/worker_kill.py [--jobs 1000] [--rows 2] [--kill-at 0.3] [--concurrency 2]

Uses a scratch database on the shared PostgreSQL (127.0.0.1:5432), dropped at the end. Prints the timeline, the
engine's job states, imports by status, enterprises written vs expected, and PASS/FAIL (exit 1 on FAIL).
Also prints the engine's throughput on no-op jobs (`engine.ping`) with one worker, as a reference.
"""

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "load"))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import asyncpg  # noqa: E402
from _harness import PY, ROOT, SHARED_PG, create_scratch_db, drop_scratch_db, log, migrate_and_seed  # noqa: E402

from app.core import personal_data  # noqa: E402
from app.core.actor import SYSTEM  # noqa: E402
from app.core.audit_keys import AuditKeys  # noqa: E402
from app.core.config import Settings  # noqa: E402
from app.core.db import make_engine, make_sessionmaker  # noqa: E402
from app.services.common import audit  # noqa: E402
from app.services.imports import submit  # noqa: E402
from app.services.imports.service import Upload  # noqa: E402
from app.worker.engine import PING, STALLED_AFTER_SECONDS, build  # noqa: E402
from bench.generate_enterprises import generate  # noqa: E402

PREFIX = "停机演练企业"


async def enqueue_imports(settings: Settings, n_jobs: int, rows: int) -> list[str]:
    audit.install(AuditKeys.from_settings(settings))
    personal_data.install(settings)  # a kept upload is sealed with the personal-data key, as the API seals it
    engine = make_engine(settings.database_url)
    sessionmaker = make_sessionmaker(engine)
    submit.SYNC_ROW_LIMIT = 0  # every upload becomes a job
    limits = submit.Limits(settings.max_upload_bytes, settings.upload_dir, settings.import_stale_seconds)
    ids = []
    import json
    from datetime import date

    batch = generate(n_jobs * rows)[0]
    try:
        for i in range(n_jobs):
            body = [row | {"name": f"{PREFIX}{i}-{k}"} for k, row in enumerate(batch[i * rows : (i + 1) * rows])]
            upload = Upload("json", None, json.dumps(body, ensure_ascii=False).encode())
            async with sessionmaker() as session:
                outcome = await submit.submit(
                    session, SYSTEM, upload, dry_run=False, all_or_nothing=True, idempotency_key=None,
                    limits=limits, today=date.today(),
                )  # fmt: skip
                await session.commit()
                ids.append(str(outcome.job.id))
    finally:
        await engine.dispose()
    return ids


async def counts(db: str) -> dict:
    conn = await asyncpg.connect(database=db, **SHARED_PG)
    try:
        jobs = dict(await conn.fetch("SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY 1"))
        imports = dict(await conn.fetch("SELECT status, count(*) FROM enterprise_import GROUP BY 1"))
        written = await conn.fetchval("SELECT count(*) FROM enterprise WHERE name LIKE $1", f"{PREFIX}%")
        created = await conn.fetchval("SELECT coalesce(sum(created_count), 0) FROM enterprise_import")
        return {"jobs": jobs, "imports": imports, "written": written, "created": created}
    finally:
        await conn.close()


def start_worker(url: str, name: str, concurrency: int) -> subprocess.Popen:
    env = os.environ | {"DATABASE_URL": url, "ENV": "development", "LOG_LEVEL": "WARNING", "SECRET_KEY": "x" * 40}
    cmd = [PY, "-m", "app.cli", "worker", "--concurrency", str(concurrency)]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL)


async def retry_stalled(settings: Settings) -> int:
    app, database = build(settings)
    async with app.open_async():
        stalled = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS))
        for job in stalled:
            await app.job_manager.retry_job(job)
    await database.dispose()
    return len(stalled)


async def ping_throughput(settings: Settings, url: str, n: int) -> float:
    app, database = build(settings)
    async with app.open_async():
        await app.configure_task(PING).batch_defer_async(*[{"sent_at": time.time()} for _ in range(n)])
    await database.dispose()
    started = time.monotonic()
    worker = start_worker(url, "ping", 1)
    db = url.rsplit("/", 1)[1]
    while (await counts(db))["jobs"].get("todo", 0) + (await counts(db))["jobs"].get("doing", 0) > 0:
        await asyncio.sleep(0.2)
    elapsed = time.monotonic() - started
    os.killpg(worker.pid, signal.SIGTERM)
    worker.wait(timeout=30)
    return n / elapsed


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=2)
    parser.add_argument("--kill-at", type=float, default=0.3)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--pings", type=int, default=2000)
    args = parser.parse_args()
    db, url = await create_scratch_db("zhijian_worker_kill")
    settings = Settings(env="development", database_url=url, secret_key="x" * 40, upload_dir=Path("/tmp/zj-drill"))
    try:
        migrate_and_seed(url)
        t0 = time.monotonic()
        ids = await enqueue_imports(settings, args.jobs, args.rows)
        log(f"enqueued {len(ids)} import jobs of {args.rows} rows in {time.monotonic() - t0:.1f}s")
        t0 = time.monotonic()
        victim, survivor = start_worker(url, "w1", args.concurrency), start_worker(url, "w2", args.concurrency)
        while (await counts(db))["imports"].get("succeeded", 0) < args.kill_at * args.jobs:
            await asyncio.sleep(0.1)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        at_kill = await counts(db)
        log(f"SIGKILL worker 1 at {time.monotonic() - t0:.1f}s: {at_kill}")
        while (await counts(db))["jobs"].get("todo", 0) > 0:
            await asyncio.sleep(0.5)
        log(f"queue drained by worker 2 at {time.monotonic() - t0:.1f}s; the dead worker's heartbeat goes stale")
        await asyncio.sleep(STALLED_AFTER_SECONDS + 5)
        retried = await retry_stalled(settings)
        log(f"retry-stalled-jobs put back {retried} job(s) of the dead worker")
        while (await counts(db))["jobs"].get("todo", 0) + (await counts(db))["jobs"].get("doing", 0) > 0:
            await asyncio.sleep(0.5)
        total = time.monotonic() - t0
        os.killpg(survivor.pid, signal.SIGTERM)
        survivor.wait(timeout=30)
        final = await counts(db)
        log(f"final after {total:.1f}s: {final}")
        expected = args.jobs * args.rows
        ok = (
            final["imports"].get("succeeded", 0) == args.jobs
            and final["written"] == expected
            and final["created"] == expected
            and final["jobs"].get("succeeded", 0) == args.jobs
        )
        succeeded = final["imports"].get("succeeded", 0)
        log(f"imports succeeded {succeeded}/{args.jobs}; enterprises {final['written']}/{expected}")
        rate = await ping_throughput(settings, url, args.pings)
        log(f"no-op jobs (engine.ping), one worker, concurrency 1: {rate:.0f} jobs/s over {args.pings}")
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        await drop_scratch_db(db)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
