"""The change feed read end to end: `--events` outbox events (enterprise records of ~1 KB, spread over the
counties), paged through GET /api/v1/events at `--limit` by the prefecture admin and by a county admin (who sees
one county's share: the cursor skips the rest).

    .venv/bin/python bench/events/feed_read.py [--events 10000] [--limit 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "load"))
from _harness import (  # noqa: E402
    COUNTY_CODES,
    SHARED_PG,
    create_scratch_db,
    drop_scratch_db,
    log,
    login,
    migrate_and_seed,
    start_server,
    stop_server,
    wait_ready,
)


def record(i: int, county: str) -> dict:
    return {
        "id": str(uuid.uuid4()), "credit_code": f"91654201{i:010d}", "name": f"塔城地区第{i}号测试制造有限公司",
        "county_code": county, "county_name": "塔城市", "risk_class": "B", "risk_class_label": "B类（一般风险）",
        "status": "operating", "status_label": "在产", "address": "塔城市光明路1号工业园区",
        "legal_representative": "张三", "industry": "建材", "main_products": "水泥、混凝土外加剂",
        "contact_person": "李四", "contact_phone": "0901-6221234", "version": 3,
        "created_at": "2026-11-29T08:00:00+00:00", "updated_at": "2026-11-29T09:00:00+00:00",
    }  # fmt: skip


async def fill(db: str, n: int) -> None:
    conn = await asyncpg.connect(database=db, **SHARED_PG)
    try:
        rows = []
        for i in range(1, n + 1):
            county = COUNTY_CODES[i % len(COUNTY_CODES)]
            data = record(i, county)
            rows.append((i, uuid.uuid4(), "cn.zhijian.enterprise.updated", f"/api/v1/enterprises/{data['id']}",
                         county, json.dumps(data, ensure_ascii=False)))  # fmt: skip
        await conn.executemany(
            "INSERT INTO event (position, id, type, subject, time, county_code, data)"
            " VALUES ($1, $2, $3, $4, now(), $5, $6::json)",
            rows,
        )
    finally:
        await conn.close()


async def page_through(client: httpx.AsyncClient, headers: dict, limit: int) -> tuple[int, int, float]:
    url, pages, items = f"/api/v1/events?after=0&limit={limit}", 0, 0
    started = time.monotonic()
    while True:
        r = await client.get(url, headers=headers)
        r.raise_for_status()
        page = r.json()
        pages, items = pages + 1, items + len(page["items"])
        if not page["has_more"]:
            break
        url = page["next"]
    return items, pages, time.monotonic() - started


async def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--events", type=int, default=10_000)
    p.add_argument("--limit", type=int, default=500)
    args = p.parse_args()
    db, url = await create_scratch_db("zhijian_feed")
    server = None
    try:
        log(f"scratch database {db}: migrate + seed, {args.events} events")
        migrate_and_seed(url)
        await fill(db, args.events)
        server = start_server("app.main:create_app", database_url=url)
        await wait_ready(server)
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
            print("\n| reader | events | pages | seconds | events/s |\n|---|---|---|---|---|")
            for username in ("admin", "tcs_admin"):
                try:
                    headers = await login(client, username)
                except httpx.HTTPStatusError:
                    continue
                await page_through(client, headers, args.limit)  # warm
                items, pages, seconds = await page_through(client, headers, args.limit)
                print(f"| {username} | {items} | {pages} | {seconds:.2f} | {items / seconds:,.0f} |")
        return 0
    finally:
        if server is not None:
            stop_server(server)
        await drop_scratch_db(db)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
