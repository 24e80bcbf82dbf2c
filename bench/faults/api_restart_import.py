"""Fault: the API is SIGKILLed and restarted while a 100k-row import runs on a job-engine worker. The import lives
in the database and on the worker, not in the API process: it must complete with every row, exactly once.

    .venv/bin/python bench/faults/api_restart_import.py [--rows 100000]

Scratch database on the shared PostgreSQL (dropped at the end); one uvicorn API and one `app.cli worker`. POSTs a
generated JSON array (202, a job), SIGKILLs the API as soon as the worker has started on it, starts a new API,
polls the import through it until it is finished, and prints the time line, the job, the ledger count and
PASS/FAIL (exit 1 on FAIL).
"""

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "load"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg  # noqa: E402
from _harness import (  # noqa: E402
    PII_KEYS,
    PY,
    ROOT,
    SECRET,
    SHARED_PG,
    create_scratch_db,
    drop_scratch_db,
    http_client,
    log,
    login,
    migrate_and_seed,
    start_server,
    stop_server,
    wait_ready,
)
from generate_enterprises import generate  # noqa: E402

ENV = {"MAX_UPLOAD_BYTES": str(256 * 2**20), "IMPORT_HEARTBEAT_SECONDS": "1"}


async def on_ledger(db: str, codes: list[str]) -> int:
    conn = await asyncpg.connect(database=db, **SHARED_PG)
    try:
        return await conn.fetchval("SELECT count(*) FROM enterprise WHERE credit_code = ANY($1::text[])", codes)
    finally:
        await conn.close()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    db, url = await create_scratch_db("zhijian_api_restart")
    server = worker = None
    try:
        migrate_and_seed(url)
        rows = generate(args.rows, seed=29)[0]
        codes = [r["credit_code"] for r in rows]
        body = json.dumps(rows, ensure_ascii=False).encode()
        env = (
            os.environ
            | ENV
            | {"DATABASE_URL": url, "ENV": "production", "SECRET_KEY": SECRET, "LOG_LEVEL": "WARNING"}
            | {"AUDIT_KEY": "bench-audit-key-" + "0" * 32, "PII_KEYS": PII_KEYS}
        )
        worker = subprocess.Popen(
            [PY, "-m", "app.cli", "worker"], cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL
        )
        server = start_server("app.main:app_factory", database_url=url, extra_env=ENV)
        await wait_ready(server)
        async with http_client(server.base_url, 1, timeout=300) as client:
            admin = await login(client, "admin")
            started = time.monotonic()
            answer = await client.post(
                "/api/v1/enterprise-imports", content=body, headers=admin | {"Content-Type": "application/json"}
            )
            size = f"{len(rows)} rows ({len(body) / 2**20:.1f} MB)"
            log(f"POST {size} answered {answer.status_code} in {time.monotonic() - started:.1f}s")
            if answer.status_code != 202:
                print(answer.text[:400])
                return 1
            job_id = answer.json()["id"]
            while True:
                job = (await client.get(f"/api/v1/enterprise-imports/{job_id}", headers=admin)).json()
                if job["status"] != "pending":
                    break
                await asyncio.sleep(0.2)
        stop_server(server, signal.SIGKILL)
        server = None
        log(
            f"API SIGKILLed at {time.monotonic() - started:.1f}s: the job read {job['status']}, "
            f"{job['rows_processed']} rows"
        )
        server = start_server("app.main:app_factory", database_url=url, extra_env=ENV)
        await wait_ready(server)
        log(f"a new API answers at {time.monotonic() - started:.1f}s")
        async with http_client(server.base_url, 1, timeout=300) as client:
            admin = await login(client, "admin")
            deadline = time.monotonic() + args.timeout
            while time.monotonic() < deadline:
                job = (await client.get(f"/api/v1/enterprise-imports/{job_id}", headers=admin)).json()
                if job["status"] not in ("pending", "running"):
                    break
                await asyncio.sleep(1)
        total = time.monotonic() - started
        ledger = await on_ledger(db, codes)
        log(
            f"finished at {total:.1f}s: status {job['status']}, created {job['created_count']}, "
            f"ledger {ledger}/{len(codes)}"
        )
        ok = job["status"] == "succeeded" and job["created_count"] == len(codes) == ledger
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        if server is not None:
            stop_server(server)
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=60)
        await drop_scratch_db(db)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
