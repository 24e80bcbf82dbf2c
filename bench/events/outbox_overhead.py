"""What the outbox costs a write: the same PATCH /api/v1/enterprises/{id} load in one process, in alternating
blocks with events emitted (as shipped) and with `emit` replaced by a no-op (nothing else differs), `--users`
concurrent writers against the app in-process (httpx ASGI transport) on a scratch PostgreSQL database; then the
same with `--subscriptions` active webhook subscriptions (each event also becomes a delivery and a queued job).

    .venv/bin/python bench/events/outbox_overhead.py [--blocks 6] [--per-block 150] [--users 4]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "load"))
from _harness import SECRET, create_scratch_db, drop_scratch_db, log, migrate_and_seed, pct  # noqa: E402

from app.core.config import Settings  # noqa: E402
from app.main import create_app  # noqa: E402
from app.services.events import outbox  # noqa: E402


async def _noop(*args, **kwargs) -> None:  # noqa: ANN002, ANN003
    return None


async def block(client: httpx.AsyncClient, headers: dict, ids: list[str], n: int, users: int) -> tuple[list, float]:
    latencies: list[float] = []
    rng = random.Random(n)

    async def user(k: int) -> None:
        for _ in range(n // users):
            started = time.perf_counter()
            r = await client.patch(f"/api/v1/enterprises/{rng.choice(ids)}", json={"name": f"开销{rng.random():.10f}"},
                                   headers=headers)  # fmt: skip
            assert r.status_code == 200, r.text[:200]
            latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(user(k) for k in range(users)))
    return latencies, len(latencies) / (time.perf_counter() - started)


async def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--blocks", type=int, default=6)
    p.add_argument("--per-block", type=int, default=150)
    p.add_argument("--users", type=int, default=4)
    p.add_argument("--subscriptions", type=int, default=3)
    args = p.parse_args()
    db, url = await create_scratch_db("zhijian_outbox")
    try:
        log(f"scratch database {db}: migrate + seed")
        migrate_and_seed(url)
        settings = Settings(env="test", database_url=url, secret_key=SECRET, webhook_allowed_hosts=["127.0.0.1"])
        app = create_app(settings)
        real_emit = outbox.emit
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            r = await client.post("/api/v1/auth/token", data={"username": "admin", "password": "Zhijian@2026"})
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            from generate_enterprises import generate

            await client.post("/api/v1/enterprise-imports", json=generate(200, seed=3)[0], headers=headers)
            ids = [e["id"] for e in (await client.get("/api/v1/enterprises", params={"limit": 200},
                                                      headers=headers)).json()["items"]]  # fmt: skip
            results: dict[str, tuple[list[float], list[float]]] = {}

            async def arm(name: str, emitting: bool) -> None:
                import app.services.events as events_pkg

                events_pkg.emit = real_emit if emitting else _noop
                lat, rate = await block(client, headers, ids, args.per_block, args.users)
                events_pkg.emit = real_emit
                entry = results.setdefault(name, ([], []))
                entry[0].extend(lat)
                entry[1].append(rate)

            await block(client, headers, ids, 40, args.users)  # warm-up
            for i in range(args.blocks):
                order = [("without events", False), ("with events", True)]
                for name, emitting in order if i % 2 else reversed(order):
                    await arm(name, emitting)
            scopes = ["enterprises:read", "webhooks:manage"]
            for k in range(args.subscriptions):
                acct = (await client.post("/api/v1/service-accounts", headers=headers,
                                          json={"name": f"bench_{k}", "scopes": scopes})).json()  # fmt: skip
                created = await client.post(
                    "/api/v1/webhook-subscriptions", headers={"X-API-Key": acct["api_key"]},
                    json={"url": "http://127.0.0.1:9/hooks", "event_types": ["cn.zhijian.enterprise.updated"]},
                )  # fmt: skip
                assert created.status_code == 201, created.text
            for _ in range(args.blocks // 2):
                await arm(f"with events + {args.subscriptions} subscriptions", True)
        await app.state.engine.dispose()
        print("\n| arm | writes | req/s (mean of blocks) | p50 ms | p99 ms |\n|---|---|---|---|---|")
        for name, (lat, rates) in results.items():
            print(f"| {name} | {len(lat)} | {sum(rates) / len(rates):.1f} | {pct(lat, 50):.1f} | {pct(lat, 99):.1f} |")
        return 0
    finally:
        await drop_scratch_db(db)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
