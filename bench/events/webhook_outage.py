"""A webhook receiver down for a while under steady writes: afterwards every event is delivered, each verified
with `standardwebhooks`, none twice (by webhook-id), in position order per record.

Scratch database on the shared PostgreSQL; the API (uvicorn) and one `app.cli worker` as subprocesses; the
receiver is a uvicorn server in this process on 127.0.0.1 that is stopped (connection refused) for `--down`
seconds and started again on the same port. Writers PATCH enterprise names all along. Then it waits (≤ `--drain`
seconds) for the engine's backoff to bring every delivery home and checks the receiver's log against the outbox.

    .venv/bin/python bench/events/webhook_outage.py [--down 300] [--writers 4] [--rate 10] [--enterprises 40]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "load"))
import httpx  # noqa: E402
from _harness import (  # noqa: E402
    PY,
    ROOT,
    SHARED_PG,
    create_scratch_db,
    drop_scratch_db,
    log,
    login,
    migrate_and_seed,
    pct,
    start_server,
    stop_server,
    wait_ready,
)
from standardwebhooks import Webhook  # noqa: E402

ALLOW = json.dumps(["127.0.0.1"])
ENV = {"ENV": "test", "WEBHOOK_ALLOWED_HOSTS": ALLOW, "WEBHOOK_TIMEOUT_SECONDS": "3"}


class Receiver:
    """Verifies each message on arrival; keeps (webhook-id, subject, position, name)."""

    def __init__(self) -> None:
        self.secret = ""
        self.got: list[tuple[str, str, int, str]] = []
        self.bad = 0
        self.port = 0
        self.server: uvicorn.Server | None = None
        self.task: asyncio.Task | None = None

    async def app(self, scope, receive, send) -> None:  # noqa: ANN001
        body, more = b"", True
        while more:
            message = await receive()
            body, more = body + message.get("body", b""), message.get("more_body", False)
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        try:
            event = Webhook(self.secret).verify(body, headers)
            self.got.append((headers["webhook-id"], event["subject"], event["position"], event["data"].get("name", "")))
        except Exception:  # noqa: BLE001
            self.bad += 1
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def up(self) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, lifespan="off", log_level="warning", access_log=False, interface="asgi3")
        self.server = uvicorn.Server(config)
        self.task = asyncio.create_task(self.server.serve(sockets=[sock]))
        while not self.server.started:
            await asyncio.sleep(0.01)

    async def down(self) -> None:
        if self.server and self.task:
            self.server.should_exit = True
            await self.task
            self.server = self.task = None


def start_worker(url: str) -> subprocess.Popen:
    env = os.environ | ENV | {"DATABASE_URL": url, "LOG_LEVEL": "WARNING", "SECRET_KEY": "x" * 40}
    cmd = [PY, "-m", "app.cli", "worker", "--concurrency", "4"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip


async def writer(client: httpx.AsyncClient, headers: dict, ids: list[str], rate: float, stop: float,
                 latencies: list[float], errors: list[int], rng: random.Random) -> None:  # fmt: skip
    n = 0
    while time.monotonic() < stop:
        enterprise = rng.choice(ids)
        n += 1
        started = time.monotonic()
        r = await client.patch(f"/api/v1/enterprises/{enterprise}", json={"name": f"压测企业{rng.random():.12f}"},
                               headers=headers)  # fmt: skip
        latencies.append((time.monotonic() - started) * 1000)
        if r.status_code != 200:
            errors.append(r.status_code)
        await asyncio.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))


async def outbox(db: str) -> tuple[list[tuple[int, str]], collections.Counter]:
    conn = await asyncpg.connect(database=db, **SHARED_PG)
    try:
        events = await conn.fetch("SELECT position, subject FROM event WHERE type = 'cn.zhijian.enterprise.updated'")
        statuses = collections.Counter(r[0] for r in await conn.fetch("SELECT status FROM webhook_delivery"))
    finally:
        await conn.close()
    return [(r[0], r[1]) for r in events], statuses


async def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--down", type=float, default=300, help="seconds the receiver is down (the issue: 300)")
    p.add_argument("--before", type=float, default=10, help="seconds of writes before it goes down")
    p.add_argument("--after", type=float, default=10, help="seconds of writes after it returns")
    p.add_argument("--writers", type=int, default=4)
    p.add_argument("--rate", type=float, default=5, help="writes per second per writer")
    p.add_argument("--enterprises", type=int, default=40)
    p.add_argument("--drain", type=float, default=900, help="at most this long to wait for every delivery")
    args = p.parse_args()

    db, url = await create_scratch_db("zhijian_events")
    receiver, server, worker = Receiver(), None, None
    try:
        log(f"scratch database {db}: migrate + seed")
        migrate_and_seed(url)
        server = start_server("app.main:create_app", database_url=url, extra_env=ENV)
        await wait_ready(server)
        worker = start_worker(url)
        await receiver.up()
        async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
            admin = await login(client, "admin")
            from generate_enterprises import generate

            rows = generate(args.enterprises, seed=11)[0]
            r = await client.post("/api/v1/enterprise-imports", json=rows, headers=admin)
            assert r.status_code in (200, 201), r.text[:300]
            listed = (await client.get("/api/v1/enterprises", params={"limit": 200}, headers=admin)).json()
            ids = [e["id"] for e in listed["items"]][: args.enterprises]
            scopes = ["enterprises:read", "webhooks:manage"]
            account = await client.post("/api/v1/service-accounts", headers=admin,
                                        json={"name": "bench_hooks", "scopes": scopes})  # fmt: skip
            key = {"X-API-Key": account.json()["api_key"]}
            sub = (await client.post("/api/v1/webhook-subscriptions", headers=key,
                                     json={"url": f"http://127.0.0.1:{receiver.port}/hooks",
                                           "event_types": ["cn.zhijian.enterprise.updated"]})).json()  # fmt: skip
            receiver.secret = sub["secret"]
            log(f"{len(ids)} enterprises, subscription {sub['id']}; writers start")

            latencies: list[float] = []
            errors: list[int] = []
            total = args.before + args.down + args.after
            stop = time.monotonic() + total
            rng = random.Random(5)
            tasks = [asyncio.create_task(writer(client, admin, ids, args.rate, stop, latencies, errors, rng))
                     for _ in range(args.writers)]  # fmt: skip
            await asyncio.sleep(args.before)
            await receiver.down()
            down_at = time.monotonic()
            log(f"receiver DOWN for {args.down:.0f} s ({len(receiver.got)} received so far)")
            await asyncio.sleep(args.down)
            await receiver.up()
            up_at = time.monotonic()
            log(f"receiver UP again after {up_at - down_at:.1f} s")
            await asyncio.gather(*tasks)
            writes_end = time.monotonic()
            log(f"writes done: {len(latencies)} PATCHes, {len(errors)} errors")

            events, statuses = await outbox(db)
            deadline = time.monotonic() + args.drain
            while time.monotonic() < deadline:
                events, statuses = await outbox(db)
                if len(receiver.got) >= len(events) and statuses.get("pending", 0) == 0:
                    break
                await asyncio.sleep(1)
            drained = time.monotonic()

        got_ids = [g[0] for g in receiver.got]
        by_subject: dict[str, list[int]] = collections.defaultdict(list)
        for _, subject, position, _ in receiver.got:
            by_subject[subject].append(position)
        in_order = all(ps == sorted(ps) for ps in by_subject.values())
        expected = {pos for pos, _ in events}
        received = {g[2] for g in receiver.got}
        missing, extra = expected - received, received - expected
        dupes = len(got_ids) - len(set(got_ids))
        print()
        print("| figure | value |")
        print("|---|---|")
        print(f"| receiver down | {args.down:.0f} s, writes {args.writers}×{args.rate}/s for {total:.0f} s |")
        print(f"| writes | {len(latencies)} PATCH, {len(errors)} errors, p50 {pct(latencies, 50):.0f} / p99 "
              f"{pct(latencies, 99):.0f} ms |")  # fmt: skip
        print(f"| events in the outbox | {len(events)} |")
        print(f"| received, verified (standardwebhooks) | {len(receiver.got)}, {receiver.bad} failed verification |")
        print(f"| missing / not in outbox / duplicate webhook-ids | {len(missing)} / {len(extra)} / {dupes} |")
        print(f"| position order per record | {'yes' if in_order else 'NO'} ({len(by_subject)} records) |")
        print(f"| deliveries by status | {dict(statuses)} |")
        print(f"| all delivered after the receiver returned | {drained - up_at:.1f} s (writes ended "
              f"{writes_end - up_at:.1f} s after it returned) |")  # fmt: skip
        ok = not missing and not extra and not dupes and in_order and receiver.bad == 0 and not errors
        print(f"\n{'PASS' if ok else 'FAIL'}")
        return 0 if ok else 1
    finally:
        await receiver.down()
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=30)
        if server is not None:
            stop_server(server)
        await drop_scratch_db(db)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
