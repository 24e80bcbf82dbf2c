"""Ledger bench: upload 100,000 enterprises end to end over HTTP and time a filtered list page.

    .venv/bin/python bench/ledger_import.py [--rows 100000] [--file var/bench/enterprises_100000.xlsx]

Creates a scratch PostgreSQL database, migrates it, runs uvicorn against it in a subprocess on 127.0.0.1,
and drops it at the end. Prints:
  * baseline: read the same xlsx with python-calamine + COPY the same rows into a scratch table (asyncpg);
  * end to end: POST the file to /api/v1/enterprise-imports, poll the job until it is done;
  * p50/p99 of GET /api/v1/enterprises with filters over the 100,000 enterprises;
  * two overlapping uploads at the same time (both must succeed, the union must be on the ledger).
Goals (issue #19): end to end ≥ 50% of the baseline's rows/s; 100k rows < 10 s.
"""

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
from python_calamine import CalamineWorkbook

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
os.environ.setdefault("ENV", "development")

from generate_enterprises import COUNTIES, generate, write_xlsx  # noqa: E402

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
PASSWORD = "Bench-Pass-2026!"
SECRET = "bench-secret-key-" + "x" * 40
PII_KEYS = '{"bench": "YmVuY2gtb25seS1waWkta2V5LTAxMjM0NTY3ODlhYmM="}'  # a published key: bench data only
NO_TWO_FACTOR = {"TWO_FACTOR_ROLES": "[]"}
"""The bench's prefecture admin signs in with its password alone (administrators need a TOTP code by default)."""


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(database="postgres", **PG)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _prepare(url: str) -> None:
    from app.cli import migrate
    from app.core.db import make_engine, make_sessionmaker
    from app.core.security import hash_password
    from app.domain.permissions import Role
    from app.models import User
    from app.seed.jurisdictions import seed_jurisdictions

    await asyncio.to_thread(migrate, url)
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        await seed_jurisdictions(session)
        session.add(
            User(
                username="bench",
                full_name="压测",
                role=Role.PREFECTURE_ADMIN.value,
                password_hash=hash_password(PASSWORD),
            )
        )
        await session.commit()
    await engine.dispose()


async def _baseline(path: Path, dsn: dict) -> tuple[float, int]:
    """The floor: read the workbook and COPY its rows as they are, no checking, no upsert."""
    started = time.perf_counter()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()[1:]
    records = [tuple(v if v != "" else None for v in r) for r in rows]
    conn = await asyncpg.connect(**dsn)
    try:
        columns = ", ".join(f"c{i} text" for i in range(15))
        await conn.execute(f"CREATE TABLE baseline_copy ({columns})")
        await conn.copy_records_to_table("baseline_copy", records=[tuple(map(_str, r)) for r in records])
    finally:
        await conn.close()
    return time.perf_counter() - started, len(records)


def _str(v: object) -> str | None:
    return None if v is None else str(v)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _wait_ready(client: httpx.AsyncClient) -> None:
    for _ in range(600):  # a minute: start-up on a loaded machine
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("server did not start")


async def _upload(client: httpx.AsyncClient, headers: dict, **kwargs) -> tuple[float, dict]:
    started = time.perf_counter()
    response = await client.post("/api/v1/enterprise-imports", headers=headers, **kwargs)
    if response.status_code not in (200, 201, 202):
        raise RuntimeError(f"upload failed: {response.status_code} {response.text[:500]}")
    job = response.json()
    while job["status"] in ("pending", "running"):
        await asyncio.sleep(0.1)
        job = (await client.get(f"/api/v1/enterprise-imports/{job['id']}", headers=headers)).json()
    return time.perf_counter() - started, job


async def _list_latency(client: httpx.AsyncClient, headers: dict, n: int = 200) -> list[float]:
    rng = random.Random(3)
    times = []
    for _ in range(n):
        params = {"limit": 50, "sort": rng.choice(["name", "-updated_at", "risk_class"])}
        if rng.random() < 0.7:
            params["county_code"] = rng.choice(list(COUNTIES))
        if rng.random() < 0.5:
            params["risk_class"] = rng.choice("ABCD")
        if rng.random() < 0.4:
            params["q"] = rng.choice(["水泥", "恒通", "电线电缆", "化工有限", "91654202"])
        if rng.random() < 0.2:
            params["status"] = "operating"
        started = time.perf_counter()
        response = await client.get("/api/v1/enterprises", params=params, headers=headers)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return times


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--file", type=Path)
    args = parser.parse_args()
    path = args.file or ROOT / "var" / "bench" / f"enterprises_{args.rows}.xlsx"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        print(f"generating {args.rows} enterprises → {path}")
        write_xlsx(generate(args.rows)[0], path)
    size = path.stat().st_size

    name = f"zhijian_bench_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
    server = worker = None
    try:
        await _prepare(url)
        baseline_s, n = await _baseline(path, PG | {"database": name})

        port = _free_port()
        env = os.environ | {
            "ENV": "production",
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "AUDIT_KEY": "bench-audit-key-" + "0" * 32,
            "PII_KEYS": PII_KEYS,
            "MAX_UPLOAD_BYTES": str(64 * 2**20),
            "UPLOAD_DIR": tempfile.mkdtemp(prefix="zj-bench-"),
            "LOG_LEVEL": "WARNING",
        }
        # an upload above 2,000 rows is a job: one worker on the job engine runs it, with the server's keys
        worker = subprocess.Popen([sys.executable, "-m", "app.cli", "worker"], cwd=ROOT, env=env | NO_TWO_FACTOR)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:app_factory",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env | NO_TWO_FACTOR,
        )
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=300) as client:
            await _wait_ready(client)
            token = await client.post("/api/v1/auth/token", data={"username": "bench", "password": PASSWORD})
            headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
            xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            e2e_s, job = await _upload(client, headers, files={"file": (path.name, path.read_bytes(), xlsx)})
            if job["status"] != "succeeded":
                raise RuntimeError(f"import did not succeed: {job['status']} {job.get('detail')} {job['errors'][:3]}")
            counted = {"limit": 1, "total": "true"}  # the ledger counts only when asked
            total = (await client.get("/api/v1/enterprises", params=counted, headers=headers)).json()["total"]
            latencies = await _list_latency(client, headers)

            rng = random.Random(5)
            base = generate(6_000, seed=11)[0]
            a, b = base[:4_000], [dict(r) for r in base[2_000:]]
            for row in b:
                row["contact_person"] = "并发" + row["contact_person"]
            rng.shuffle(b)
            started = time.perf_counter()
            (ta, ja), (tb, jb) = await asyncio.gather(
                _upload(client, headers, json=a), _upload(client, headers, json=b)
            )
            both_s = time.perf_counter() - started
            after = (await client.get("/api/v1/enterprises", params=counted, headers=headers)).json()["total"]

        base_rate, e2e_rate = n / baseline_s, n / e2e_s
        print(f"file: {path.name}, {n} rows, {size / 2**20:.1f} MB")
        print(f"baseline (calamine read + asyncpg COPY): {baseline_s:6.2f} s  {base_rate:9,.0f} rows/s")
        print(
            f"end to end over HTTP (upload → job done): {e2e_s:6.2f} s  {e2e_rate:9,.0f} rows/s  "
            f"= {100 * e2e_rate / base_rate:.0f}% of baseline (goal ≥ 50%, < 10 s)"
        )
        print(
            f"  job: created {job['created_count']}, updated {job['updated_count']}, errors {job['error_count']}; "
            f"ledger total {total}"
        )
        print(
            f"list page (limit 50, filters, 200 calls over {total} enterprises): "
            f"p50 {1000 * statistics.median(latencies):.1f} ms, p99 {1000 * _pct(latencies, 99):.1f} ms"
        )
        print(
            f"two overlapping uploads at once (4,000 rows each, 2,000 shared): {both_s:.2f} s; "
            f"{ja['status']}/{jb['status']}, created {ja['created_count']}+{jb['created_count']}, "
            f"updated {ja['updated_count']}+{jb['updated_count']}; ledger {total} → {after} (expected +6000)"
        )
    finally:
        for process in (server, worker):
            if process is not None:
                process.terminate()
                process.wait(timeout=10)
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    asyncio.run(main())
