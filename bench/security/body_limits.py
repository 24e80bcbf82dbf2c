"""Unauthenticated 200 MiB bodies to every write route: each must be answered 413 (or 401) at once, and the
server must not grow.

    .venv/bin/python bench/security/body_limits.py [--mib 200] [--postgres] [--only REGEX] [--root PATH]

Starts uvicorn (ENV=production, one worker) on a free port over a fresh SQLite file (or, with --postgres, a scratch
database on the shared PostgreSQL at 127.0.0.1:5432, dropped at the end), walks openapi/openapi.json for every
POST, PUT and PATCH, and sends each, without credentials, a body of --mib MiB twice: once declared by
Content-Length, once chunked without one. The client writes the body while it waits for the answer, over a raw
socket (an HTTP client library would send the whole body first), and stops writing once answered. Multipart routes
get a multipart body with one file part; every other route a JSON body.

Prints per route and mode the status and seconds to the status line and the server's VmRSS after the answer; then
the baseline (after a warm-up: every route once with a small body, and one 2 MiB refusal), the peak VmRSS (sampled
every 5 ms) and PASS/FAIL against: every answer 413 or 401 in < 0.2 s, RSS
growth (peak − baseline) < 10 MiB. --root serves another checkout's `app` (e.g. an older commit, for a before/after).
"""

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "load"))

from _harness import (  # noqa: E402
    PY,
    ROOT,
    SECRET,
    create_scratch_db,
    drop_scratch_db,
    log,
    rss_mb,
    start_server,
    stop_server,
    wait_ready,
)

MiB = 1024 * 1024
CHUNK = 64 * 1024
ANSWER_WITHIN = 0.2
RSS_GROWTH_MIB = 10
TIMEOUT = 30.0
BOUNDARY = "zhijianbenchboundary"


FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")


def write_routes(root: Path) -> list[tuple[str, str, str]]:
    """(method, concrete path, body type) for every POST/PUT/PATCH of the committed contract."""
    document = json.loads((root / "openapi" / "openapi.json").read_text())
    routes = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in ("post", "put", "patch"):
                continue
            content = (operation.get("requestBody") or {}).get("content", {})
            concrete = re.sub(r"\{[^}]+\}", lambda m, op=operation: _fill(m.group(0), op), path)
            kind = next((media for media in FORMS if media in content), "application/json")
            routes.append((method.upper(), concrete, kind))
    return routes


def _fill(placeholder: str, operation: dict) -> str:
    name = placeholder.strip("{}")
    schema = next((p.get("schema", {}) for p in operation.get("parameters", []) if p["name"] == name), {})
    if schema.get("type") == "integer":
        return "2026"
    if schema.get("format") == "uuid" or name.endswith("_id"):
        return str(uuid.uuid4())
    return "X1"


class Sampler:
    """The server's VmRSS every 5 ms, so a short-lived peak is seen."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0.0
        self._task: asyncio.Task | None = None

    async def _run(self) -> None:
        while True:
            self.peak = max(self.peak, rss_mb(self.pid) or 0.0)
            await asyncio.sleep(0.005)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


async def send(port: int, method: str, path: str, kind: str, size: int, chunked: bool) -> tuple[str, float]:
    """Send the head and the body while reading the answer; the status and the seconds to the status line."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    multipart = kind == "multipart/form-data"
    content_type = f"{kind}; boundary={BOUNDARY}" if multipart else kind
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n{framing}\r\n\r\n"
    first = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n\r\n%PDF-1.7\n'.encode()
        if multipart
        else b'{"name": "'
        if kind == "application/json"
        else b"username="
    )

    async def body() -> None:
        sent, piece = 0, first
        filler = b"a" * CHUNK
        with contextlib.suppress(ConnectionError):
            while sent < size:
                piece = piece[: size - sent]
                writer.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
                await writer.drain()
                sent += len(piece)
                piece = filler
            if chunked:
                writer.write(b"0\r\n\r\n")
                await writer.drain()

    started = time.perf_counter()
    writer.write(head.encode())
    sending = asyncio.create_task(body())
    try:
        status_line = await asyncio.wait_for(reader.readline(), TIMEOUT)
        seconds = time.perf_counter() - started
        status = status_line.split()[1].decode() if status_line else "closed"
    except TimeoutError:
        status, seconds = "timeout", TIMEOUT
    except ConnectionError:
        status, seconds = "reset", time.perf_counter() - started
    sending.cancel()
    with contextlib.suppress(asyncio.CancelledError, ConnectionError):
        await sending
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
    return status, seconds


async def main(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve() if args.root else ROOT
    size = args.mib * MiB
    scratch = None
    workdir = Path(tempfile.mkdtemp(prefix="zj-body-limits-"))
    if args.postgres:
        scratch, url = await create_scratch_db("zhijian_bodylimits")
    else:
        url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    env = {"DATABASE_URL": url, "UPLOAD_DIR": str(workdir / "uploads"), "PYTHONPATH": str(root), "SECRET_KEY": SECRET}
    server = None
    try:
        migrated = subprocess.run([PY, "-m", "app.cli", "migrate"], cwd=root, env=os.environ | env, capture_output=True)
        if migrated.returncode:
            raise RuntimeError(migrated.stderr.decode()[-2000:])
        server = start_server("app.main:app_factory", extra_env=env, cwd=root)
        await wait_ready(server)
        pid = server.worker_pids()[0]
        routes = [r for r in write_routes(root) if re.search(args.only, f"{r[0]} {r[1]}")]
        log(f"{len(routes)} write routes; {args.mib} MiB bodies, declared and chunked; served from {root}")
        for method, path, kind in routes:  # warm up: every route once with a small body
            await send(server.port, method, path, kind, 64, chunked=False)
        for chunked in (False, True):  # and the refusal once, on a JSON route, with 2 MiB
            await send(server.port, "POST", "/api/v1/enterprises", "application/json", 2 * MiB, chunked)
        await asyncio.sleep(0.5)
        baseline = rss_mb(pid) or 0.0
        sampler = Sampler(pid)
        sampler.start()
        failures = []
        print(f"{'route':<70} {'mode':<9} {'status':>6} {'seconds':>8} {'RSS MiB':>8}")
        for method, path, kind in routes:
            for chunked in (False, True):
                status, seconds = await send(server.port, method, path, kind, size, chunked)
                mode = "chunked" if chunked else "declared"
                rss = rss_mb(pid) or 0.0
                ok = status in ("413", "401") and seconds < ANSWER_WITHIN
                verdict = "" if ok else "  FAIL"
                print(f"{method + ' ' + path:<70} {mode:<9} {status:>6} {seconds:>8.3f} {rss:>8.1f}{verdict}")
                if not ok:
                    failures.append(f"{method} {path} {mode}: {status} in {seconds:.3f} s")
        await asyncio.sleep(0.2)
        await sampler.stop()
        growth = sampler.peak - baseline
        after = rss_mb(pid) or 0.0
        print(f"\nRSS baseline {baseline:.1f} MiB, peak {sampler.peak:.1f} MiB (growth {growth:.1f}), now {after:.1f}")
        print(f"answers: {2 * len(routes) - len(failures)}/{2 * len(routes)} were 413 or 401 within {ANSWER_WITHIN} s")
        passed = not failures and growth < RSS_GROWTH_MIB
        for failure in failures:
            print(f"  FAIL {failure}")
        if growth >= RSS_GROWTH_MIB:
            print(f"  FAIL RSS grew {growth:.1f} MiB (limit {RSS_GROWTH_MIB})")
        print("PASS" if passed else "FAIL")
        return 0 if passed else 1
    finally:
        if server is not None:
            stop_server(server)
        if scratch:
            await drop_scratch_db(scratch)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=200, help="body size in MiB")
    parser.add_argument("--postgres", action="store_true", help="a scratch database on 127.0.0.1:5432, not SQLite")
    parser.add_argument("--only", default="", help="only the routes matching this regex, e.g. 'POST .*enterprises$'")
    parser.add_argument("--root", help="serve the app of another checkout (default: this one)")
    sys.exit(asyncio.run(main(parser.parse_args())))
