"""Fault: SIGKILL the server in the middle of a 100k-row enterprise import; the import must be wholly there or
wholly absent afterwards, and the job record should say which.

    .venv/bin/python bench/faults/kill_import.py [--rows 100000] [--kill-at 0.5] [--workers 1]

Starts a PRIVATE PostgreSQL 15 cluster (temp dir, free port on 127.0.0.1), migrates and seeds it, runs
uvicorn on it, POSTs a generated JSON array of --rows enterprises (bench/generate_enterprises.py) to
/api/v1/enterprise-imports with an Idempotency-Key (202: a job), polls the job until rows_processed reaches
--kill-at of the total, then SIGKILLs the server's whole process group. It then prints:
  * how many of the file's credit codes are on the ledger (0 or all = atomic; anything between = torn);
  * the job row as the database has it, and as the API reports it after a restart (polled up to --wait s,
    as it should turn `interrupted` once its heartbeat is older than IMPORT_STALE_SECONDS, default 60);
  * what a client retrying the same upload with the same Idempotency-Key is answered;
  * whether PostgreSQL kept any session of the dead server open.
Cleans the cluster up at the end. Exit status 1 when the import was torn.
"""

import argparse
import asyncio
import json
import signal
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "load"))

import asyncpg  # noqa: E402
from _harness import (  # noqa: E402
    PrivateCluster,
    admin_sql,
    http_client,
    log,
    login,
    migrate_and_seed,
    start_server,
    stop_server,
    wait_ready,
)
from generate_enterprises import generate  # noqa: E402

ENV = {"MAX_UPLOAD_BYTES": str(256 * 2**20)}


async def ledger_count(dsn: dict, codes: list[str]) -> int:
    conn = await asyncpg.connect(database="zhijian", **dsn)
    try:
        return await conn.fetchval("SELECT count(*) FROM enterprise WHERE credit_code = ANY($1::text[])", codes)
    finally:
        await conn.close()


async def job_row(dsn: dict, job_id: str) -> dict:
    conn = await asyncpg.connect(database="zhijian", **dsn)
    try:
        row = await conn.fetchrow(
            "SELECT status, http_status, rows_total, rows_processed, created_count, started_at, finished_at, detail "
            "FROM enterprise_import WHERE id = $1::uuid",
            job_id,
        )
        return dict(row) if row else {}
    finally:
        await conn.close()


async def app_sessions(dsn: dict) -> list[dict]:
    conn = await asyncpg.connect(database="postgres", **dsn)
    try:
        rows = await conn.fetch(
            "SELECT pid, state, xact_start, left(query, 80) AS query FROM pg_stat_activity "
            "WHERE datname = 'zhijian' AND pid <> pg_backend_pid()"
        )
        return [dict(r) for r in rows]
    finally:
        await conn.close()


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--kill-at", type=float, default=0.5, help="fraction of rows processed when killed")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument(
        "--wait", type=float, default=90, help="seconds to poll the job after the restart (stale after 60 s)"
    )
    args = parser.parse_args()

    cluster = PrivateCluster()
    server = None
    torn = False
    try:
        cluster.init()
        cluster.start()
        log(f"private cluster on 127.0.0.1:{cluster.port} in {cluster.dir}")
        await admin_sql('CREATE DATABASE "zhijian"', **cluster.dsn)
        url = cluster.url("zhijian")
        migrate_and_seed(url)
        rows = generate(args.rows, seed=args.seed)[0]
        codes = [r["credit_code"] for r in rows]
        body = json.dumps(rows, ensure_ascii=False).encode()
        log(f"generated {len(rows)} rows, {len(body) / 2**20:.1f} MB of JSON")

        server = start_server("app.main:app_factory", workers=args.workers, database_url=url, extra_env=ENV)
        await wait_ready(server)
        key = f"kill-import-{uuid.uuid4().hex}"
        async with http_client(server.base_url, 2, timeout=300) as client:
            admin = await login(client, "admin")
            headers = admin | {"Content-Type": "application/json", "Idempotency-Key": key}
            started = time.monotonic()
            r = await client.post("/api/v1/enterprise-imports", content=body, headers=headers)
            log(f"POST answered {r.status_code} in {time.monotonic() - started:.1f} s")
            if r.status_code != 202:
                print(r.text[:500])
                return 1
            job = r.json()
            job_id = job["id"]
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                job = (await client.get(f"/api/v1/enterprise-imports/{job_id}", headers=admin)).json()
                if (
                    job["status"] not in ("pending", "running")
                    or job["rows_processed"] >= args.kill_at * job["rows_total"]
                ):
                    break
                await asyncio.sleep(0.05)
        before_kill = job
        sessions_before = await app_sessions(cluster.dsn)
        stop_server(server, signal.SIGKILL)
        killed_at = time.monotonic() - started
        log(
            f"SIGKILL at {killed_at:.1f} s: job {before_kill['status']}, "
            f"{before_kill['rows_processed']}/{before_kill['rows_total']} rows processed"
        )
        server = None

        for _ in range(50):  # PostgreSQL notices the dead client's sockets and aborts its transaction
            left = await app_sessions(cluster.dsn)
            if not left:
                break
            await asyncio.sleep(0.2)
        on_ledger = await ledger_count(cluster.dsn, codes)
        row_after_kill = await job_row(cluster.dsn, job_id)

        server = start_server("app.main:app_factory", workers=args.workers, database_url=url, extra_env=ENV)
        await wait_ready(server)
        async with http_client(server.base_url, 2, timeout=300) as client:
            admin = await login(client, "admin")
            restarted = time.monotonic()
            api_job = (await client.get(f"/api/v1/enterprise-imports/{job_id}", headers=admin)).json()
            api_job_later = api_job
            while api_job_later.get("status") in ("pending", "running") and time.monotonic() - restarted < args.wait:
                await asyncio.sleep(2)
                api_job_later = (await client.get(f"/api/v1/enterprise-imports/{job_id}", headers=admin)).json()
            settled = time.monotonic() - started
            retry = await client.post("/api/v1/enterprise-imports", content=body, headers=headers | admin)
        on_ledger_end = await ledger_count(cluster.dsn, codes)

        torn = on_ledger not in (0, len(codes))
        print()
        print(f"import of {len(codes)} rows (JSON, {len(body) / 2**20:.1f} MB), server SIGKILLed at {killed_at:.1f} s")
        print(
            f"  at the kill: job {before_kill['status']}, rows_processed {before_kill['rows_processed']}"
            f"/{before_kill['rows_total']}; PostgreSQL sessions of the app: "
            + ", ".join(f"{s['state']}{' in tx' if s['xact_start'] else ''}" for s in sessions_before)
        )
        print(f"  sessions of the dead server left in PostgreSQL: {len(left)}")
        verdict = "WHOLLY ABSENT" if on_ledger == 0 else "WHOLLY THERE" if on_ledger == len(codes) else "TORN"
        print(f"  file's credit codes on the ledger after the kill: {on_ledger} of {len(codes)} → {verdict}")
        print(
            f"  job row in the database: status={row_after_kill.get('status')} http_status="
            f"{row_after_kill.get('http_status')} rows_processed={row_after_kill.get('rows_processed')} "
            f"finished_at={row_after_kill.get('finished_at')}"
        )
        print(
            f"  GET /api/v1/enterprise-imports/{{id}} after restart: status={api_job.get('status')}, "
            f"rows_processed={api_job.get('rows_processed')}; polled until {settled:.0f} s after the upload: "
            f"status={api_job_later.get('status')}, detail={api_job_later.get('detail')!r}"
        )
        retry_status = retry.json().get("status") if retry.headers.get("content-type", "").endswith("json") else "?"
        print(
            f"  retry with the same Idempotency-Key: {retry.status_code}, job "
            f"{retry.json().get('id') == job_id and 'the same (dead) job' or retry.json().get('id')}, "
            f"status={retry_status}; ledger afterwards: {on_ledger_end} of {len(codes)}"
        )
        if api_job_later.get("status") in ("pending", "running"):
            print("  FINDING: the job still reads 'running' after the process died (nothing marks it failed).")
        if retry.status_code == 202 and retry.json().get("id") == job_id:
            print(
                "  FINDING: an idempotent retry is answered 202 with the dead job instead of running the upload again."
            )
        print("RESULT:", "FAIL (torn import)" if torn else "PASS (atomic)")
    finally:
        if server is not None:
            stop_server(server)
        cluster.destroy()
        log("private cluster removed")
    return 1 if torn else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
