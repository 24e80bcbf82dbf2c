"""Issue #19's table in one command: each row next to its ceiling measured in the same run, 3 runs each.

    .venv/bin/python bench/speed_table.py [--quick] [--runs 3] [--only http import plan summary]

Rows and their ceilings:
  * HTTP (wrk -t2 -c32 --latency, one uvicorn worker each): FastAPI hello-world (bench/load/hello.py) is the
    ceiling of `GET /healthz`, signed-in `GET /enterprises/{id}` and the filtered 50-row list page
    (`county_code=…&risk_class=B&limit=50`) over `--rows` enterprises; the list and hello also at one
    connection (wrk -t1 -c1) for p50. Runs interleave (hello, healthz, get, list; ×3) so noise hits all alike.
  * summary (附件3) over `--summary-visits` visits vs the hand-written SQL of bench/summary_bench.py;
  * plan progress at prefecture scope vs one county's, over `--plan-enterprises` lines and `--plan-visits` visits;
  * import of `--rows` enterprises end to end over HTTP (xlsx upload → job succeeded) vs calamine + COPY;
  * generate + issue a plan of `--plan-enterprises` lines vs the pure-Python rules alone.
Every figure is printed as min–median–max over the runs; ratios are computed run by run against the ceiling
of the same run. Scratch databases on 127.0.0.1:5432 are created and dropped; servers listen on loopback only.
`wrk` is a Debian package (apt-get install -y wrk); without it the HTTP rows are skipped with a note.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "bench" / "load")]
os.environ.setdefault("ENV", "development")

import _harness as h  # noqa: E402
import asyncpg  # noqa: E402
import httpx  # noqa: E402

QUICK = {"rows": 10_000, "summary_visits": 100_000, "summary_findings": 30_000, "plan_enterprises": 10_000,
         "plan_visits": 30_000, "seconds": 5, "calls": 10}  # fmt: skip
FULL = {"rows": 100_000, "summary_visits": 1_000_000, "summary_findings": 300_000, "plan_enterprises": 100_000,
        "plan_visits": 300_000, "seconds": 10, "calls": 20}  # fmt: skip


# --- figures ----------------------------------------------------------------------------------------------------


@dataclass
class Row:
    what: str
    unit: str  # "req/s" or "ms" or "s"
    values: list[float] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)  # per run, e.g. "p99 12 ms"
    ceiling: str = ""
    ceiling_values: list[float] = field(default_factory=list)
    higher_is_better: bool = True
    goal: str = ""


def spread(values: list[float], fmt: str = "{:,.0f}") -> str:
    if not values:
        return "—"
    lo, mid, hi = min(values), statistics.median(values), max(values)
    return f"{fmt.format(lo)} / {fmt.format(mid)} / {fmt.format(hi)}"


def ratios(row: Row) -> list[float]:
    pairs = zip(row.values, row.ceiling_values, strict=False)
    if row.higher_is_better:
        return [v / c for v, c in pairs if c]
    return [v / c for v, c in pairs if c]


def fmt_for(unit: str) -> str:
    return {"req/s": "{:,.0f}", "ms": "{:,.1f}", "s": "{:,.2f}"}[unit]


def print_table(rows: list[Row], title: str) -> None:
    print()
    print(title)
    print("| what | measured (min / median / max) | ceiling in the same run | ratio (min / median / max) | goal |")
    print("|---|---|---|---|---|")
    for r in rows:
        f = fmt_for(r.unit)
        measured = f"{spread(r.values, f)} {r.unit}"
        if r.extra:
            measured += f"; {', '.join(r.extra)}"
        ceiling = f"{r.ceiling}: {spread(r.ceiling_values, f)} {r.unit}" if r.ceiling_values else r.ceiling or "—"
        rs = ratios(r)
        if not rs:
            ratio = "—"
        elif r.higher_is_better:
            ratio = spread([100 * x for x in rs], "{:.1f}") + " %"
        else:
            ratio = spread(rs, "{:.2f}") + " ×"
        print(f"| {r.what} | {measured} | {ceiling} | {ratio} | {r.goal} |")
    print(flush=True)


# --- wrk ----------------------------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not m:
        raise ValueError(f"wrk latency {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


@dataclass
class WrkResult:
    rps: float
    p50: float
    p99: float
    non_2xx: int
    errors: int


def wrk(url: str, *, seconds: int, threads: int = 2, connections: int = 32, headers: dict | None = None,
        script: Path | None = None) -> WrkResult:  # fmt: skip
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    non = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return WrkResult(rps, p50, p99, int(non.group(1)) if non else 0, sum(map(int, errs.groups())) if errs else 0)


GET_SCRIPT = """
ids = {%s}
math.randomseed(7)
request = function()
  return wrk.format(nil, "/api/v1/enterprises/" .. ids[math.random(#ids)])
end
"""


# --- HTTP rows ------------------------------------------------------------------------------------------------------


async def http_rows(n_rows: int, runs: int, seconds: int) -> list[Row]:
    from request_cpu import prepare

    if shutil.which("wrk") is None:
        print("!! wrk is not installed (Debian: apt-get install -y wrk): the HTTP rows are skipped", flush=True)
        return []

    name, url, ids = await prepare(n_rows, prefix="zhijian_speed")
    servers: list[h.Server] = []
    try:
        hello = h.start_server("hello:app", factory=False, app_dir=ROOT / "bench" / "load")
        app = h.start_server("app.main:app_factory", database_url=url, extra_env={"LOG_LEVEL": "WARNING"})
        servers += [hello, app]
        await h.wait_ready(hello)
        await h.wait_ready(app)
        async with httpx.AsyncClient(base_url=app.base_url, timeout=30) as client:
            auth = await h.login(client, "leader")
            county = "654202"
            r = await client.get(f"/api/v1/enterprises/{ids[0]}", headers=auth)
            assert r.status_code == 200, r.text
            list_path = f"/api/v1/enterprises?county_code={county}&risk_class=B&limit=50"
            r = await client.get(list_path, headers=auth)
            assert r.status_code == 200 and len(r.json()["items"]) == 50, r.text[:300]
        script = Path(tempfile.mkstemp(prefix="zj-wrk-", suffix=".lua")[1])
        script.write_text(GET_SCRIPT % ", ".join(f'"{i}"' for i in ids))

        results: dict[str, list[WrkResult]] = {k: [] for k in ("hello", "healthz", "get", "list", "hello1", "list1")}
        for run in range(runs):
            h.log(f"HTTP run {run + 1}/{runs}")
            results["hello"].append(wrk(f"{hello.base_url}/hello", seconds=seconds))
            results["healthz"].append(wrk(f"{app.base_url}/healthz", seconds=seconds))
            results["get"].append(wrk(app.base_url, seconds=seconds, headers=auth, script=script))
            results["list"].append(wrk(app.base_url + list_path, seconds=seconds, headers=auth))
            results["hello1"].append(wrk(f"{hello.base_url}/hello", seconds=max(2, seconds // 2), threads=1,
                                         connections=1))  # fmt: skip
            results["list1"].append(wrk(app.base_url + list_path, seconds=max(2, seconds // 2), threads=1,
                                        connections=1, headers=auth))  # fmt: skip
        script.unlink(missing_ok=True)
        errors = {k: sum(x.non_2xx + x.errors for x in v) for k, v in results.items()}
        if any(errors.values()):
            print(f"!! non-2xx or socket errors: {errors}", flush=True)
        hello_rps = [x.rps for x in results["hello"]]

        def row(key: str, what: str, goal: str = "") -> Row:
            rs = results[key]
            p = [f"p50 {spread([x.p50 for x in rs], '{:.1f}')} ms", f"p99 {spread([x.p99 for x in rs], '{:.1f}')} ms"]
            p.append(f"p99/p50 {spread([x.p99 / x.p50 for x in rs], '{:.1f}')}")
            return Row(what, "req/s", [x.rps for x in rs], p, "hello", hello_rps, goal=goal)

        hello_row = Row("FastAPI hello-world", "req/s", hello_rps,
                        [f"p50 {spread([x.p50 for x in results['hello']], '{:.2f}')} ms"])  # fmt: skip
        single = Row(
            "same list, one connection (p50)", "ms", [x.p50 for x in results["list1"]], [],
            "hello p50, one connection", [x.p50 for x in results["hello1"]], higher_is_better=False,
        )  # fmt: skip
        return [
            hello_row,
            row("healthz", "`GET /healthz`"),
            row("get", "`GET /enterprises/{id}` (signed in)", "≥ 35 %, p99 ≤ 3× p50"),
            row(
                "list",
                f"`GET /enterprises?county_code=…&risk_class=B&limit=50`, {n_rows:,} rows",
                "≥ 20 %, p99 ≤ 3× p50",
            ),  # fmt: skip
            single,
        ]
    finally:
        for s in servers:
            h.stop_server(s)
        await h.drop_scratch_db(name)


# --- import -----------------------------------------------------------------------------------------------------


def start_worker(url: str) -> h.Server:
    """`python -m app.cli worker` against `url`, in a session of its own (stopped like a server)."""
    log_path = Path(tempfile.mkstemp(prefix="zj-worker-", suffix=".log")[1])
    env = os.environ | {"DATABASE_URL": url, "ENV": "production", "SECRET_KEY": h.SECRET, "LOG_LEVEL": "WARNING",
                        "AUDIT_KEY": h.AUDIT_KEY, "PII_KEYS": h.PII_KEYS,  # the server's: one chain, one PII key
                        "UPLOAD_DIR": str(Path(tempfile.gettempdir()) / "zj-load-uploads")}  # fmt: skip
    out = log_path.open("ab")
    proc = subprocess.Popen([h.PY, "-m", "app.cli", "worker"], cwd=ROOT, env=env, stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    return h.Server(proc, 0, log_path)


async def import_row(n_rows: int, runs: int) -> list[Row]:
    from datetime import datetime

    from generate_enterprises import generate, write_xlsx
    from ledger_import import NO_TWO_FACTOR, PASSWORD, _baseline, _prepare, _upload

    path = ROOT / "var" / "bench" / f"enterprises_{n_rows}.xlsx"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        h.log(f"import: generating {n_rows:,} enterprises → {path}")
        write_xlsx(generate(n_rows)[0], path)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    content = path.read_bytes()
    e2e, base = [], []
    for run in range(runs):
        name, url = await h.create_scratch_db("zhijian_speed_import")
        server = worker = None
        try:
            await _prepare(url)
            b, n = await _baseline(path, h.SHARED_PG | {"database": name})
            server = h.start_server(
                "app.main:app_factory",
                database_url=url,
                extra_env={"LOG_LEVEL": "WARNING", "MAX_UPLOAD_BYTES": str(64 * 2**20), **NO_TWO_FACTOR},
            )
            worker = start_worker(url)  # an upload above 2,000 rows is a job on the job engine
            await h.wait_ready(server)
            async with httpx.AsyncClient(base_url=server.base_url, timeout=600) as client:
                token = await client.post("/api/v1/auth/token", data={"username": "bench", "password": PASSWORD})
                headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
                seconds, job = await _upload(client, headers, files={"file": (path.name, content, xlsx)})
            if job["status"] != "succeeded" or job["created_count"] != n:
                raise RuntimeError(f"import: {job['status']} created {job.get('created_count')} of {n}")
            at = {k: datetime.fromisoformat(job[k]) for k in ("created_at", "started_at", "finished_at")}
            waited, ran = (at["started_at"] - at["created_at"]).total_seconds(), (at["finished_at"] - at["started_at"])
            h.log(f"import run {run + 1}/{runs}: {seconds:.2f} s (baseline {b:.2f} s); job created → started "
                  f"{waited:.2f} s, started → finished {ran.total_seconds():.2f} s")  # fmt: skip
            e2e.append(seconds)
            base.append(b)
        finally:
            for process in (server, worker):
                if process is not None:
                    h.stop_server(process)
            await h.drop_scratch_db(name)
    r = Row(f"import {n_rows:,} rows end to end (xlsx)", "s", e2e, [], "calamine + COPY", base, higher_is_better=False,
            goal="≤ 2× (≥ 50 % of the baseline's rows/s), < 10 s")  # fmt: skip
    return [r]


# --- plan generate + issue, plan progress ------------------------------------------------------------------------


async def plan_rows(n_ent: int, n_visits: int, runs: int, calls: int) -> list[Row]:
    import random
    import uuid

    from plan_bench import TODAY, YEAR, baseline, copy_ledger, copy_visits, fake_ledger, fake_visits
    from sqlalchemy import text

    from app.cli import migrate
    from app.core.actor import SYSTEM, Actor
    from app.core.db import make_engine, make_sessionmaker
    from app.domain.permissions import Role, permissions_for
    from app.seed.jurisdictions import COUNTIES, seed_jurisdictions
    from app.services.common import audit
    from app.services.plans.plans import create_plan, issue_plan
    from app.services.plans.progress import plan_progress

    audit.install()
    name, url = await h.create_scratch_db("zhijian_speed_plan")
    engine = None
    try:
        await asyncio.to_thread(migrate, url)
        engine = make_engine(url)
        sessionmaker = make_sessionmaker(engine)
        async with sessionmaker() as session:
            await seed_jurisdictions(session)
            await session.commit()
        rng = random.Random(2026)
        enterprises, licences, signals = fake_ledger(n_ent, rng)
        await copy_ledger(name, enterprises, licences, signals)
        gen, base = [], []
        plan = None
        for run in range(runs):
            base.append(baseline(enterprises, licences, signals))
            async with sessionmaker() as session:
                if plan is not None:  # plan_item names its plan by triggers (0021p): CASCADE does not reach it
                    await session.exec(text("TRUNCATE plan, plan_item CASCADE"))
                    await session.commit()
                started = time.perf_counter()
                plan = await create_plan(session, SYSTEM, YEAR, today=TODAY)
                await session.commit()
                await issue_plan(session, SYSTEM, plan.id)
                await session.commit()
                gen.append(time.perf_counter() - started)
            h.log(f"plan run {run + 1}/{runs}: generate + issue {gen[-1]:.2f} s, rules alone {base[-1]:.2f} s")
        async with sessionmaker() as session:
            await session.exec(text("ANALYZE plan_item"))
            await session.commit()
        await copy_visits(name, fake_visits(enterprises, n_visits, rng))
        county = Actor("user", uuid.uuid4(), "bench", Role.COUNTY_ADMIN, COUNTIES[0][0],
                       permissions_for(Role.COUNTY_ADMIN))  # fmt: skip
        pref_p50, pref_p99, county_p50 = [], [], []
        for _ in range(runs):
            for actor, p50s, p99s in ((SYSTEM, pref_p50, pref_p99), (county, county_p50, None)):
                samples = []
                async with sessionmaker() as session:
                    await plan_progress(session, actor, plan.id, today=TODAY)
                    for _ in range(calls):
                        started = time.perf_counter()
                        await plan_progress(session, actor, plan.id, today=TODAY)
                        samples.append(1000 * (time.perf_counter() - started))
                p50s.append(statistics.median(samples))
                if p99s is not None:
                    p99s.append(h.pct(samples, 99))
        return [
            Row(f"plan progress, prefecture, {n_ent:,} lines / {n_visits:,} visits (p50)", "ms", pref_p50,
                [f"p99 {spread(pref_p99, '{:.0f}')} ms"], "one county p50", county_p50, higher_is_better=False,
                goal="p99 < 150 ms (figures branch)"),
            Row(f"generate + issue plan, {n_ent:,}", "s", gen, [], "pure-Python rules", base,
                higher_is_better=False, goal="≤ 2×"),
        ]  # fmt: skip
    finally:
        if engine is not None:
            await engine.dispose()
        await h.drop_scratch_db(name)


# --- summary ------------------------------------------------------------------------------------------------------


async def summary_rows(n_ent: int, n_visits: int, n_findings: int, runs: int, calls: int) -> list[Row]:
    from datetime import UTC, datetime, timedelta

    from summary_bench import AS_OF, BASELINE, YEAR, fill

    from app.cli import migrate
    from app.core.actor import SYSTEM
    from app.core.db import make_engine, make_sessionmaker
    from app.seed.jurisdictions import seed_jurisdictions
    from app.services.reports.summary import completion_summary

    name, url = await h.create_scratch_db("zhijian_speed_summary")
    engine = None
    try:
        await asyncio.to_thread(migrate, url)
        engine = make_engine(url)
        sessionmaker = make_sessionmaker(engine)
        async with sessionmaker() as session:
            await seed_jurisdictions(session)
            await session.commit()
        conn = await asyncpg.connect(database=name, **h.SHARED_PG)
        h.log(f"summary: filling {n_ent:,} enterprises, {n_visits:,} visits, {n_findings:,} findings")
        await fill(conn, n_ent, n_visits, n_findings)
        t1 = datetime(YEAR + 1, 1, 1, tzinfo=UTC) - timedelta(hours=8)
        app_p50, app_p99, base_p50 = [], [], []
        for _ in range(runs):
            samples = []
            for _ in range(calls):
                started = time.perf_counter()
                await conn.fetch(BASELINE, AS_OF, t1)
                samples.append(1000 * (time.perf_counter() - started))
            base_p50.append(statistics.median(samples))
            samples = []
            for _ in range(calls):
                async with sessionmaker() as session:
                    started = time.perf_counter()
                    await completion_summary(session, SYSTEM, year=YEAR, as_of=AS_OF)
                    samples.append(1000 * (time.perf_counter() - started))
            app_p50.append(statistics.median(samples))
            app_p99.append(h.pct(samples, 99))
        await conn.close()
        return [
            Row(f"summary (附件3) over {n_visits:,} visits (p50)", "ms", app_p50,
                [f"p99 {spread(app_p99, '{:.0f}')} ms"], "hand SQL p50", base_p50, higher_is_better=False,
                goal="p99 < 300 ms, ≤ 2× (figures branch)"),
        ]  # fmt: skip
    finally:
        if engine is not None:
            await engine.dispose()
        await h.drop_scratch_db(name)


# --- main ---------------------------------------------------------------------------------------------------------

SECTIONS = ("http", "summary", "plan", "import")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller data sets and shorter runs (a few minutes)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    for key in FULL:
        parser.add_argument(
            f"--{key.replace('_', '-')}", type=int, help=f"default {FULL[key]:,} (quick {QUICK[key]:,})"
        )
    args = parser.parse_args()
    sizes = {k: getattr(args, k) or (QUICK if args.quick else FULL)[k] for k in FULL}
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; sizes {sizes}; runs {args.runs}", flush=True)
    rows: list[Row] = []
    started = time.monotonic()
    sections = {
        "http": lambda: http_rows(sizes["rows"], args.runs, sizes["seconds"]),
        "summary": lambda: summary_rows(
            min(sizes["rows"], 100_000), sizes["summary_visits"], sizes["summary_findings"], args.runs, sizes["calls"]
        ),
        "plan": lambda: plan_rows(sizes["plan_enterprises"], sizes["plan_visits"], args.runs, sizes["calls"]),
        "import": lambda: import_row(sizes["rows"], args.runs),
    }
    for name in SECTIONS:
        if name not in args.only:
            continue
        try:
            rows += await sections[name]()
        except Exception as exc:  # noqa: BLE001  (one broken section does not lose the others' figures)
            traceback.print_exc()
            print(f"!! section {name} failed: {type(exc).__name__}: {exc}", flush=True)
        print_table(rows, f"so far ({name} done):")
    print_table(rows, f"issue #19 table ({time.monotonic() - started:.0f} s, load average {os.getloadavg()[0]:.1f}):")


if __name__ == "__main__":
    asyncio.run(main())
