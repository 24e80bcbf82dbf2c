"""CPU per request of the signed-in read and the filtered list page: the steady figure behind issue #19's req/s.

    .venv/bin/python bench/request_cpu.py [--rows 10000] [--requests 400] [--profile get|list] [--server]

In process (default): the app served through httpx.ASGITransport, N sequential requests per path, and
`time.process_time()` over them: client and server in one process, no sockets, no other load counted, so the
figure barely moves when the machine is busy. `--profile get` prints cProfile's top functions of that path.
`--server`: one uvicorn worker, wrk -t2 -c32 for `--seconds`, and the worker's own CPU seconds (from /proc) per
request answered, next to hello-world's under the same wrk.
A scratch database (migrated, demo-seeded, `--rows` enterprises by COPY) is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(os.environ.get("ZJ_ROOT") or Path(__file__).resolve().parent.parent)  # ZJ_ROOT: measure another tree
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "bench" / "load")]
os.environ.setdefault("ENV", "development")

import _harness as h  # noqa: E402
import asyncpg  # noqa: E402
import httpx  # noqa: E402

COUNTY = "654202"
LIST_PATH = f"/api/v1/enterprises?county_code={COUNTY}&risk_class=B&limit=50"


async def prepare(n_rows: int, prefix: str = "zhijian_cpu") -> tuple[str, str, list[str]]:
    """A migrated, seeded scratch database with `n_rows` fake enterprises by COPY, vacuumed and analysed: its name,
    URL and the ids of 2,000 of its enterprises (also the HTTP rows' database in speed_table.py)."""
    from plan_bench import copy_ledger, fake_ledger

    name, url = await h.create_scratch_db(prefix)
    try:
        h.log(f"migrating + seeding {name}, {n_rows:,} enterprises by COPY")
        await asyncio.to_thread(h.migrate_and_seed, url)
        enterprises, licences, signals = fake_ledger(n_rows, random.Random(19))
        await copy_ledger(name, enterprises, licences, signals)
        conn = await asyncpg.connect(database=name, **h.SHARED_PG)
        await conn.execute("VACUUM ANALYZE")
        await conn.close()
    except BaseException:
        await h.drop_scratch_db(name)
        raise
    return name, url, [str(e[0]) for e in enterprises[:2000]]


def asgi_get(app, path: str, headers: dict[str, str]):  # noqa: ANN001, ANN201
    """One GET straight through the ASGI app, as uvicorn would call it: no client, no sockets."""
    raw_path, _, query = path.partition("?")
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "method": "GET", "scheme": "http", "path": raw_path, "raw_path": raw_path.encode(),
        "query_string": query.encode(), "root_path": "", "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 40000),
        "headers": [(b"host", b"bench"), *((k.lower().encode(), v.encode()) for k, v in headers.items())],
    }  # fmt: skip
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    async def call() -> tuple[int, bytes]:
        await app(dict(scope), receive, send)
        body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        status = next(m["status"] for m in sent if m["type"] == "http.response.start")
        sent.clear()
        return status, body

    return call


async def timed(call, n: int, profile: bool = False, rounds: int = 3) -> float:  # noqa: ANN001
    """CPU milliseconds per call over `n` sequential calls (after a warm-up), the least of `rounds` rounds: other
    work on the machine only ever adds (caches, frequency), so the least is the steadiest figure."""
    if not profile and rounds > 1:
        return min([await timed(call, n, rounds=1) for _ in range(rounds)])
    for _ in range(50):  # warm: statement caches, the pool, the actor cache
        status, body = await call()
        assert status == 200, body[:300]
    profiler = cProfile.Profile(time.process_time) if profile else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    for _ in range(n):
        await call()
    if profiler:
        profiler.disable()
        profiler.dump_stats(os.environ.get("ZJ_PROFILE_DUMP", "/tmp/zj-request.prof"))
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(70)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
    return 1000 * (time.process_time() - started) / n


async def python_calls(call, n: int) -> float:  # noqa: ANN001
    """Python function calls per call: deterministic where CPU time is not (a busy machine moves it by 2×)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        await call()
    profiler.disable()
    return pstats.Stats(profiler).total_calls / n


async def in_process(url: str, ids: list[str], n: int, profile: str | None, rounds: int) -> None:
    from hello import app as hello_app

    from app.core.config import Settings
    from app.main import create_app

    settings = Settings(
        env="development", database_url=url, log_level="WARNING", actor_cache_seconds=5, pii_keys=json.loads(h.PII_KEYS)
    )
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        auth = await h.login(client, "leader")
    figures = {"hello-world": await timed(asgi_get(hello_app, "/hello", {}), n, rounds=rounds)}
    for what, paths in (
        ("healthz", ["/healthz"]),
        ("get", [f"/api/v1/enterprises/{i}" for i in ids]),
        ("list", [LIST_PATH]),
    ):
        calls = [asgi_get(app, path, auth) for path in paths[:200]]
        turn = iter(range(10**9))

        async def call(calls=calls, turn=turn):  # noqa: ANN001, ANN202
            return await calls[next(turn) % len(calls)]()

        figures[what] = await timed(call, n, profile == what, rounds)
        figures[f"{what} calls"] = await python_calls(call, 100)
    await app.state.engine.dispose()
    print(" · ".join(f"{what} {ms:,.0f}" if "calls" in what else f"{what} {ms:.3f} ms" for what, ms in figures.items()),
          "per request (CPU ms server side in process; Python function calls)")  # fmt: skip


def wrk_count(url: str, seconds: int, headers: dict[str, str], script: Path | None = None) -> tuple[int, float, str]:
    cmd = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    done = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"\s50%\s+(\S+)", out).group(1)
    p99 = re.search(r"\s99%\s+(\S+)", out).group(1)
    return done, rps, f"p50 {p50} p99 {p99}"


async def served(url: str, ids: list[str], seconds: int) -> None:
    from speed_table import GET_SCRIPT

    hello = h.start_server("hello:app", factory=False, app_dir=ROOT / "bench" / "load")
    app = h.start_server("app.main:app_factory", database_url=url, extra_env={"LOG_LEVEL": "WARNING"})
    script = Path(tempfile.mkstemp(prefix="zj-wrk-", suffix=".lua")[1])
    try:
        await h.wait_ready(hello)
        await h.wait_ready(app)
        async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as client:
            auth = await h.login(client, "leader")
        script.write_text(GET_SCRIPT % ", ".join(f'"{i}"' for i in ids))
        runs = (
            ("hello", hello, f"{hello.base_url}/hello", {}, None),
            ("get", app, app.base_url, auth, script),
            ("list", app, app.base_url + LIST_PATH, auth, None),
        )
        for what, server, target, headers, lua in runs:
            pid = server.worker_pids()[0]
            before = h.cpu_seconds(pid)
            done, rps, latency = wrk_count(target, seconds, headers, lua)
            cpu = h.cpu_seconds(pid) - before
            print(f"{what}: {rps:,.0f} req/s, {latency}, server CPU {1000 * cpu / done:.2f} ms per request")
    finally:
        script.unlink(missing_ok=True)
        h.stop_server(hello)
        h.stop_server(app)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--profile", choices=("healthz", "get", "list"))
    parser.add_argument("--server", action="store_true", help="uvicorn + wrk instead of in process")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="report the least of this many rounds")
    parser.add_argument("--keep", metavar="DB", help="reuse this scratch database (and keep it)")
    parser.add_argument("--make-db", action="store_true", help="only prepare a scratch database and print its name")
    args = parser.parse_args()
    if args.make_db:
        print((await prepare(args.rows))[0])
        return
    if args.keep:
        name, url = args.keep, f"postgresql+asyncpg://postgres@127.0.0.1:5432/{args.keep}"
        conn = await asyncpg.connect(database=name, **h.SHARED_PG)
        ids = [str(r[0]) for r in await conn.fetch("SELECT id FROM enterprise ORDER BY id LIMIT 2000")]
        await conn.close()
    else:
        name, url, ids = await prepare(args.rows)
    try:
        if args.server:
            await served(url, ids, args.seconds)
        else:
            await in_process(url, ids, args.requests, args.profile, args.rounds)
    finally:
        if not args.keep:
            await h.drop_scratch_db(name)


if __name__ == "__main__":
    asyncio.run(main())
