"""Mixed workload at 1, 2 and 4 uvicorn workers, with a FastAPI hello-world as the ceiling.

    .venv/bin/python bench/load/mixed.py [--workers 1 2 4] [--users 24] [--seconds 30] [--enterprises 3000]

Creates a scratch database `zhijian_load_<hex>` on the shared PostgreSQL (127.0.0.1:5432), migrates it,
seeds the demo accounts (`app.cli migrate` + `seed-demo`) and a ledger of generated enterprises (through
POST /api/v1/enterprise-imports), then for each worker count:
  * runs bench/load/hello.py under uvicorn with that many workers and measures GET /hello;
  * runs the app (`app.main:app_factory --factory --workers N`) and measures the mix: list enterprises
    (a filtered page), read one, create a visit draft, submit a draft, import a 20-row JSON batch,
    the 附件3 summary — `--users` concurrent users on one httpx AsyncClient in this process.
Prints req/s, p50/p99 per operation and errors (any answer other than the operation's success status,
transport errors included; 5xx counted apart), then a table per worker count with the ratio to hello-world.
Drops the database at the end. Every loop is bounded by --seconds.
"""

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (  # noqa: E402
    EXPECTED,
    RECYCLE,
    MixedWorkload,
    Stats,
    cpu_seconds,
    create_scratch_db,
    drop_scratch_db,
    http_client,
    load_context,
    log,
    login,
    migrate_and_seed,
    pct,
    run_users,
    seed_ledger,
    start_server,
    stop_server,
    wait_ready,
)

HERE = Path(__file__).resolve().parent


def cpu_snapshot(pids: list[int]) -> list[float]:
    """CPU seconds of each server worker, and of this load-generating process last."""
    return [cpu_seconds(p) or 0.0 for p in pids] + [sum(os.times()[:2])]


def cpu_line(before: list[float], after: list[float], wall: float) -> str:
    workers = ", ".join(f"{b - a:.1f}" for a, b in zip(before[:-1], after[:-1], strict=True))
    return (
        f"  CPU seconds over {wall:.0f} s: per worker [{workers}], load generator {after[-1] - before[-1]:.1f} "
        f"(host: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})"
    )


async def measure_hello(workers: int, users: int, seconds: float, warmup: float) -> tuple[Stats, float, str]:
    server = start_server("hello:app", workers=workers, factory=False, app_dir=HERE)
    try:
        await wait_ready(server)
        stats = Stats(EXPECTED)
        clients = [http_client(server.base_url, 1) for _ in range(users)]  # one connection each (see README)
        try:

            def factory(i: int):
                client = clients[i]
                calls = 0

                async def step() -> None:
                    nonlocal calls
                    calls += 1
                    headers = {"Connection": "close"} if calls % RECYCLE == 0 else None
                    started = time.perf_counter()
                    try:
                        r = await client.get("/hello", headers=headers)
                        stats.record("hello", r.status_code, time.perf_counter() - started)
                    except Exception as exc:  # noqa: BLE001
                        stats.record("hello", type(exc).__name__, time.perf_counter() - started, str(exc))

                return step

            pids = server.worker_pids()
            before = cpu_snapshot(pids)
            wall = await run_users(factory, users, seconds, warmup, stats)
            cpu = cpu_line(before, cpu_snapshot(pids), wall + warmup)
        finally:
            for client in clients:
                await client.aclose()
        return stats, wall, cpu
    finally:
        stop_server(server)


async def measure_app(
    url: str, workers: int, users: int, seconds: float, warmup: float
) -> tuple[Stats, float, str, list]:
    server = start_server("app.main:app_factory", workers=workers, database_url=url)
    try:
        await wait_ready(server)
        stats = Stats(EXPECTED)
        async with http_client(server.base_url, 1) as client:
            ctx = await load_context(client)
        clients = [http_client(server.base_url, 1) for _ in range(users)]  # one connection each (see README)
        try:
            pids = server.worker_pids()
            before = cpu_snapshot(pids)
            wall = await run_users(
                lambda i: MixedWorkload(clients[i], ctx, stats, seed=1000 * workers + i).step,
                users,
                seconds,
                warmup,
                stats,
            )
            cpu = cpu_line(before, cpu_snapshot(pids), wall + warmup)
        finally:
            for client in clients:
                await client.aclose()
        return stats, wall, cpu, server.error_lines()
    finally:
        stop_server(server)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--users", type=int, default=24, help="concurrent virtual users")
    parser.add_argument("--seconds", type=float, default=30, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--enterprises", type=int, default=3000, help="ledger size seeded before the runs")
    args = parser.parse_args()

    name, url = await create_scratch_db()
    log(f"scratch database {name}")
    rows = []
    try:
        migrate_and_seed(url)
        seeder = start_server("app.main:app_factory", database_url=url)
        try:
            await wait_ready(seeder)
            async with http_client(seeder.base_url, 2) as client:
                job = await seed_ledger(client, await login(client, "admin"), args.enterprises)
            log(f"seeded {job['created_count']} enterprises through the import job")
        finally:
            stop_server(seeder)

        for workers in args.workers:
            hello, hello_wall, hello_cpu = await measure_hello(workers, args.users, args.seconds, args.warmup)
            hello_rps = hello.total() / hello_wall
            for line in hello.table(
                hello_wall, f"hello-world, {workers} worker(s), {args.users} users, {hello_wall:.0f} s"
            ):
                print(line)
            print(hello_cpu)
            stats, wall, cpu, errors = await measure_app(url, workers, args.users, args.seconds, args.warmup)
            for line in stats.table(wall, f"mixed workload, {workers} worker(s), {args.users} users, {wall:.0f} s"):
                print(line)
            print(cpu)
            print(
                f"  server log: {len(errors)} ERROR/traceback lines" + (f"; first: {errors[0][:300]}" if errors else "")
            )
            rps = stats.total() / wall
            p99 = {op: 1000 * pct(t, 99) for op, t in stats.times.items()}
            n_err = sum(map(stats.errors, stats.times))
            n_5xx = sum(map(stats.five_xx, stats.times))
            rows.append((workers, hello_rps, rps, p99, n_err, n_5xx))
            sys.stdout.flush()
    finally:
        await drop_scratch_db(name)
        log(f"dropped {name}")

    ops = ["list", "read", "create_visit", "submit", "import", "summary"]
    print()
    print("summary (p99 in ms)")
    print(
        f"  {'workers':>7}{'hello r/s':>11}{'mixed r/s':>11}{'ratio':>7}"
        + "".join(f"{o:>14}" for o in ops)
        + f"{'errors':>8}{'5xx':>5}"
    )
    for workers, hello_rps, rps, p99, n_err, n_5xx in rows:
        cells = "".join(f"{p99.get(o, float('nan')):>14.0f}" for o in ops)
        print(f"  {workers:>7}{hello_rps:>11.0f}{rps:>11.0f}{rps / hello_rps:>7.1%}{cells}{n_err:>8}{n_5xx:>5}")


if __name__ == "__main__":
    asyncio.run(main())
