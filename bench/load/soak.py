"""Soak: the mixed workload for --minutes at 2 uvicorn workers, resident memory sampled every 10 s.

    .venv/bin/python bench/load/soak.py [--minutes 10] [--users 16] [--workers 2] [--interval 10]

Creates a scratch database `zhijian_load_<hex>` on the shared PostgreSQL (127.0.0.1:5432), migrates and
seeds it (demo accounts + a generated ledger through the import endpoint), runs
`uvicorn app.main:app_factory --factory --workers 2` on 127.0.0.1, and drives the same mix as
bench/load/mixed.py. Every --interval seconds it reads VmRSS of each worker process from /proc/PID/status.
Prints the samples, first vs last, the least-squares slope (MB/min, over the whole run and over its second
half, after warm-up), requests and errors (any answer other than the operation's success status; 5xx apart),
and the per-operation table. Drops the database at the end. Exit status 1 when there were errors.
"""

import argparse
import asyncio
import sys
import time
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
    rss_mb,
    run_users,
    seed_ledger,
    start_server,
    stop_server,
    wait_ready,
)


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB), in MB per minute."""
    if len(points) < 2:
        return float("nan")
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return 60 * sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else float("nan")


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interval", type=float, default=10, help="seconds between memory samples")
    parser.add_argument("--enterprises", type=int, default=3000)
    args = parser.parse_args()
    seconds = args.minutes * 60

    name, url = await create_scratch_db()
    log(f"scratch database {name}")
    server = None
    try:
        migrate_and_seed(url)
        server = start_server("app.main:app_factory", workers=args.workers, database_url=url)
        await wait_ready(server)
        async with http_client(server.base_url, 2) as client:
            job = await seed_ledger(client, await login(client, "admin"), args.enterprises)
            ctx = await load_context(client)
        log(f"seeded {job['created_count']} enterprises; soaking {args.minutes:g} min at {args.workers} workers")
        pids = server.worker_pids()
        stats = Stats(EXPECTED)
        samples: list[tuple[float, list[float | None]]] = []
        t0 = time.monotonic()
        done = asyncio.Event()

        async def sampler() -> None:
            while True:
                t = time.monotonic() - t0
                rss = [rss_mb(pid) for pid in pids]
                samples.append((t, rss))
                errors = sum(map(stats.errors, list(stats.times)))
                cells = " ".join(f"{r:7.1f}" if r is not None else "   gone" for r in rss)
                print(
                    f"  t={t:6.0f} s  RSS MB per worker: {cells}  total {sum(r or 0 for r in rss):7.1f}  "
                    f"requests {stats.total():7d}  errors {errors}",
                    flush=True,
                )
                try:
                    await asyncio.wait_for(done.wait(), timeout=args.interval)
                    return
                except TimeoutError:
                    pass

        clients = [http_client(server.base_url, 1) for _ in range(args.users)]
        sampling = asyncio.create_task(sampler())
        try:
            wall = await run_users(
                lambda i: MixedWorkload(clients[i], ctx, stats, seed=7000 + i).step, args.users, seconds, 0, stats
            )
        finally:
            for client in clients:
                await client.aclose()
            done.set()
            await sampling
        error_lines = server.error_lines()
        stop_server(server)
        server = None

        totals = [(t, sum(r or 0 for r in rss)) for t, rss in samples]
        half = [p for p in totals if p[0] >= seconds / 2]
        first, last = totals[0], totals[-1]
        n_err = sum(map(stats.errors, stats.times))
        n_5xx = sum(map(stats.five_xx, stats.times))
        print()
        print(f"soak: {args.minutes:g} min, {args.workers} workers, {args.users} users, {len(samples)} samples")
        print(f"  worker pids {pids}; still alive at the end: {all(r is not None for r in samples[-1][1])}")
        print(
            f"  RSS total first {first[1]:.1f} MB (t={first[0]:.0f} s), last {last[1]:.1f} MB (t={last[0]:.0f} s), "
            f"max {max(v for _, v in totals):.1f} MB"
        )
        per_worker = [f"{(samples[-1][1][i] or 0) - (samples[0][1][i] or 0):+.1f}" for i in range(len(pids))]
        print(f"  change per worker (MB): {', '.join(per_worker)}")
        print(f"  slope: {slope(totals):+.2f} MB/min over the run, {slope(half):+.2f} MB/min over the second half")
        print(f"  requests {stats.total()} ({stats.total() / wall:.1f}/s), errors {n_err}, 5xx {n_5xx}")
        for line in stats.table(wall, "  per operation"):
            print(line)
        print(f"  server log: {len(error_lines)} ERROR/traceback lines")
        for line in error_lines[:3]:
            print(f"    {line[:300]}")
        return 1 if n_err else 0
    finally:
        if server is not None:
            stop_server(server)
        await drop_scratch_db(name)
        log(f"dropped {name}")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
