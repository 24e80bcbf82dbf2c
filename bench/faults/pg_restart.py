"""Fault: restart PostgreSQL while a write load runs; no acknowledged write may be lost.

    .venv/bin/python bench/faults/pg_restart.py [--users 8] [--seconds 30] [--down-at 8] [--down-seconds 5]
                                                [--workers 1] [--mode fast]

Starts a PRIVATE PostgreSQL 15 cluster (initdb into a temp dir as the `postgres` OS user, a free port on
127.0.0.1), migrates and seeds it, runs uvicorn on it, and has --users inspectors create visit drafts
(POST /api/v1/visits → 201 + id) for --seconds. At --down-at it stops PostgreSQL (`pg_ctl stop -m MODE`),
keeps it down --down-seconds, starts it again; the load never pauses. Then it prints:
  * responses by status and phase (before / down / after), and transport errors;
  * whether every answer while the database was down was 503 application/problem+json with Retry-After
    (500s are a failure);
  * when the API answered 201 again after the database came back (recovery without a server restart);
  * writes lost: ids the clients were told were created (201) that are not in the database (must be 0),
    and writes the clients were NOT told about that are in the database anyway (informational).
Cleans the cluster up at the end. Exit status 1 when a check fails.
"""

import argparse
import asyncio
import collections
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "load"))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
from _harness import (  # noqa: E402
    PrivateCluster,
    admin_sql,
    http_client,
    load_context,
    log,
    migrate_and_seed,
    seed_ledger,
    start_server,
    stop_server,
    visit_body,
    wait_ready,
)


class Outcome:
    def __init__(self) -> None:
        self.events: list[tuple[float, str, object, str, str | None]] = []  # (t, op, status, ctype, retry-after)
        self.acked: list[str] = []
        self.bad_bodies: list[str] = []


async def writer(client: httpx.AsyncClient, ctx, rng_seed: int, stop_at: float, out: Outcome, t0: float) -> None:
    import random

    rng = random.Random(rng_seed)
    while time.monotonic() < stop_at:
        body = visit_body(rng.choice(ctx.tacheng_ids), ctx.inspector_ids)
        # A marker we can find the row by even when the client never heard back.
        body["notes"] = f"fault-bench {uuid.uuid4().hex}"
        t = time.monotonic() - t0
        try:
            r = await client.post("/api/v1/visits", json=body, headers=ctx.inspector)
        except httpx.HTTPError as exc:
            out.events.append((t, "create", type(exc).__name__, "", None))
            await asyncio.sleep(0.05)
            continue
        ctype = r.headers.get("content-type", "")
        out.events.append((t, "create", r.status_code, ctype, r.headers.get("retry-after")))
        if r.status_code == 201:
            out.acked.append(r.json()["id"])
        else:
            if len(out.bad_bodies) < 5 and r.status_code != 503:
                out.bad_bodies.append(f"{r.status_code} {ctype} {r.text[:300]}")
            await asyncio.sleep(0.05)  # a client backing off a little, as Retry-After asks (but shorter)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--down-at", type=float, default=8)
    parser.add_argument("--down-seconds", type=float, default=5)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--mode", default="fast", choices=["smart", "fast", "immediate"], help="pg_ctl stop mode")
    args = parser.parse_args()

    cluster = PrivateCluster()
    server = None
    failed = False
    try:
        cluster.init()
        cluster.start()
        log(f"private cluster on 127.0.0.1:{cluster.port} in {cluster.dir}")
        await admin_sql('CREATE DATABASE "zhijian"', **cluster.dsn)
        url = cluster.url("zhijian")
        migrate_and_seed(url)
        server = start_server("app.main:app_factory", workers=args.workers, database_url=url)
        await wait_ready(server)
        async with http_client(server.base_url, 2) as client:
            from _harness import login

            await seed_ledger(client, await login(client, "admin"), 500)
            ctx = await load_context(client)
        log(f"uvicorn ({args.workers} worker(s)) on {server.base_url}; {len(ctx.tacheng_ids)} enterprises to visit")

        out = Outcome()
        t0 = time.monotonic()
        stop_at = t0 + args.seconds
        clients = [http_client(server.base_url, 1, timeout=15) for _ in range(args.users)]
        marks: dict[str, float] = {}

        async def fault() -> None:
            await asyncio.sleep(args.down_at)
            marks["stop_called"] = time.monotonic() - t0
            await asyncio.to_thread(cluster.stop, args.mode)
            marks["down"] = time.monotonic() - t0
            log(f"PostgreSQL stopped (-m {args.mode}) at t={marks['down']:.1f} s")
            await asyncio.sleep(args.down_seconds)
            marks["start_called"] = time.monotonic() - t0
            await asyncio.to_thread(cluster.start)
            marks["up"] = time.monotonic() - t0
            log(f"PostgreSQL started again at t={marks['up']:.1f} s")

        try:
            await asyncio.gather(fault(), *(writer(c, ctx, i, stop_at, out, t0) for i, c in enumerate(clients)))
        finally:
            for c in clients:
                await c.aclose()
        error_lines = server.error_lines()
        stop_server(server)
        server = None

        # --- the figures ---
        def phase(t: float) -> str:
            if t < marks["stop_called"]:
                return "before"
            if t < marks["up"]:
                return "down"
            return "after"

        by_phase: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        for t, _, status, _, _ in out.events:
            by_phase[phase(t)][status] += 1
        print()
        print(
            f"write load: {args.users} users creating visit drafts for {args.seconds:.0f} s, {args.workers} worker(s)"
        )
        print(
            f"PostgreSQL stop called at {marks['stop_called']:.1f} s, down at {marks['down']:.1f} s, "
            f"start called at {marks['start_called']:.1f} s, up at {marks['up']:.1f} s"
        )
        for name in ("before", "down", "after"):
            counts = ", ".join(f"{k}: {v}" for k, v in sorted(by_phase[name].items(), key=str))
            print(f"  {name:<7} {counts}")
        strictly_down = [e for e in out.events if marks["down"] <= e[0] < marks["start_called"]]
        down_5xx = [e for e in out.events if phase(e[0]) == "down" and isinstance(e[2], int) and e[2] >= 500]
        not_problem = [e for e in down_5xx if e[2] != 503 or "application/problem+json" not in e[3] or not e[4]]
        five_hundreds = [e for e in out.events if e[2] == 500]
        print(
            f"while down: {len(strictly_down)} answers; 503 problem+json with Retry-After: "
            f"{sum(1 for e in down_5xx if e not in not_problem)}; other 5xx/shape: {len(not_problem)}"
        )
        print(
            f"500 answers in the whole run: {len(five_hundreds)} "
            f"(at t = {[round(e[0], 1) for e in five_hundreds][:10]})"
        )
        recovered = [e for e in out.events if e[0] >= marks["up"] and e[2] == 201]
        first_ok = min((e[0] for e in recovered), default=None)
        after_non_201 = [e for e in out.events if e[0] >= marks["up"] + 2 and e[2] != 201]
        if first_ok is None:
            print("recovery: NO 201 after PostgreSQL came back")
        else:
            print(
                f"recovery: first 201 {first_ok - marks['up']:.2f} s after PostgreSQL was up; "
                f"non-201 answers from 2 s after: {len(after_non_201)}"
            )
        for body in out.bad_bodies:
            print(f"  ! {body}")

        conn = await asyncpg.connect(database="zhijian", **cluster.dsn)
        try:
            found = await conn.fetch("SELECT id::text FROM visit WHERE id = ANY($1::uuid[])", out.acked)
            in_db = await conn.fetchval("SELECT count(*) FROM visit WHERE notes LIKE 'fault-bench %'")
        finally:
            await conn.close()
        lost = set(out.acked) - {r["id"] for r in found}
        print(f"acknowledged writes (201 + id): {len(out.acked)}; in the database: {len(found)}; LOST: {len(lost)}")
        print(f"rows in the database from this run: {in_db} (unacknowledged but committed: {in_db - len(found)})")
        print(f"server log: {len(error_lines)} ERROR/traceback lines")
        for line in error_lines[:3]:
            print(f"  {line[:400]}")
        failed = bool(lost or five_hundreds or not_problem or first_ok is None or after_non_201)
        print("RESULT:", "FAIL" if failed else "PASS")
    finally:
        if server is not None:
            stop_server(server)
        cluster.destroy()
        log("private cluster removed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
