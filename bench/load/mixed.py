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
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (  # noqa: E402
    EXPECTED,
    MixedWorkload,
    Stats,
    create_scratch_db,
    drop_scratch_db,
    http_client,
    load_context,
    log,
    login,
    migrate_and_seed,
    run_users,
    seed_ledger,
    start_server,
    stop_server,
    wait_ready,
)

HERE = Path(__file__).resolve().parent


async def measure_hello(workers: int, users: int, seconds: float, warmup: float) -> tuple[Stats, float]:
    server = start_server("hello:app", workers=workers, factory=False, app_dir=HERE)
    try:
        await wait_ready(server)
        stats = Stats(EXPECTED)
        clients = [http_client(server.base_url, 1) for _ in range(users)]  # one connection each (see README)
        try:

            def factory(i: int):
                client = clients[i]

                async def step() -> None:
                    import time

                    started = time.perf_counter()
                    try:
                        r = await client.get("/hello")
                        stats.record("hello", r.status_code, time.perf_counter() - started)
                    except Exception as exc:  # noqa: BLE001
                        stats.record("hello", type(exc).__name__, time.perf_counter() - started, str(exc))

                return step

            wall = await run_users(factory, users, seconds, warmup, stats)
        finally:
            for client in clients:
                await client.aclose()
        return stats, wall
    finally:
        stop_server(server)


async def measure_app(url: str, workers: int, users: int, seconds: float, warmup: float) -> tuple[Stats, float, list]:
    server = start_server("app.main:app_factory", workers=workers, database_url=url)
    try:
        await wait_ready(server)
        stats = Stats(EXPECTED)
        async with http_client(server.base_url, 1) as client:
            ctx = await load_context(client)
        clients = [http_client(server.base_url, 1) for _ in range(users)]  # one connection each (see README)
        try:
            wall = await run_users(
                lambda i: MixedWorkload(clients[i], ctx, stats, seed=1000 * workers + i).step,
                users,
                seconds,
                warmup,
                stats,
            )
        finally:
            for client in clients:
                await client.aclose()
        return stats, wall, server.error_lines()
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
            hello, hello_wall = await measure_hello(workers, args.users, args.seconds, args.warmup)
            hello_rps = hello.total() / hello_wall
            for line in hello.table(
                hello_wall, f"hello-world, {workers} worker(s), {args.users} users, {hello_wall:.0f} s"
            ):
                print(line)
            stats, wall, errors = await measure_app(url, workers, args.users, args.seconds, args.warmup)
            for line in stats.table(wall, f"mixed workload, {workers} worker(s), {args.users} users, {wall:.0f} s"):
                print(line)
            print(
                f"  server log: {len(errors)} ERROR/traceback lines" + (f"; first: {errors[0][:300]}" if errors else "")
            )
            rps = stats.total() / wall
            p99 = {op: 1000 * __import__("_harness").pct(t, 99) for op, t in stats.times.items()}
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
