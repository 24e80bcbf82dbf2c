"""Summary and progress bench: the year's completion summary (附件3) and the plan's progress (prefecture-wide)
at 10k, 100k and 1M visits, each next to a hand-written SQL query computing the same figures (the ceiling,
measured in the same run), read from the kept figures ("after") and recounted from the visits ("before").

    .venv/bin/python bench/summary_bench.py [--visits 10000 100000 1000000] [--calls 20] [--parts]

Per size: a scratch PostgreSQL database (TEST_PG_HOST/PORT/USER, default 127.0.0.1:5432 postgres), migrated,
filled with COPY (triggers off) — enterprises = visits / 10, findings = visits × 0.3, one issued plan line per
operating enterprise — then the kept figures rebuilt (`rebuild_figures`, timed), VACUUM ANALYZE, and dropped at
the end. Prints p50/p99 over `--calls` calls and checks the service, the recount and the ceiling agree.
Goals (issue 19): summary p99 < 300 ms at 1M and ≤ 2× the hand SQL; progress p99 < 150 ms.
"""

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402
from sqlalchemy import event  # noqa: E402

from app.cli import migrate  # noqa: E402
from app.core.actor import SYSTEM  # noqa: E402
from app.core.db import make_engine, make_sessionmaker  # noqa: E402
from app.domain.credit_code import make_credit_code  # noqa: E402
from app.seed.jurisdictions import COUNTIES, seed_jurisdictions  # noqa: E402
from app.services.findings import count_late_reinspections  # noqa: E402
from app.services.plans import plan_progress, rebuild_figures  # noqa: E402
from app.services.reports import figures as summary_figures  # noqa: E402
from app.services.reports.kept import (  # noqa: E402
    kept_findings,
    kept_ledger,
    kept_plan_lines,
    kept_visits,
    plan_moved_after,
)
from app.services.reports.summary import completion_summary  # noqa: E402

HOST = os.environ.get("TEST_PG_HOST", "127.0.0.1")
PORT = int(os.environ.get("TEST_PG_PORT", "5432"))
USER = os.environ.get("TEST_PG_USER", "postgres")
YEAR = 2026
AS_OF = date(2026, 12, 31)
LINE_TAIL = ("[]", "[]", "generated", 1)  # reasons, due_dates, source, version

BASELINE = """
WITH w AS (SELECT DATE '2026-01-01' AS d0, $1::date AS d1, $2::timestamptz AS t1),
led AS (SELECT county_code, count(*) n,
          count(*) FILTER (WHERE risk_class='A') a, count(*) FILTER (WHERE risk_class='B') b,
          count(*) FILTER (WHERE risk_class='C') c, count(*) FILTER (WHERE risk_class='D') d
        FROM enterprise WHERE status='operating' GROUP BY county_code),
cv AS (SELECT enterprise_id, county_code, count(*) done FROM visit, w
       WHERE status='archived' AND visit_date BETWEEN w.d0 AND w.d1
         AND covers_full_checklist
       GROUP BY enterprise_id, county_code),
vis AS (SELECT county_code, sum(done) n FROM cv GROUP BY county_code),
pl AS (SELECT pi.county_code, count(*) lines, sum(pi.required_visits) req,
          sum(least(coalesce(cv.done,0), pi.required_visits)) done,
          count(*) FILTER (WHERE coalesce(cv.done,0) >= pi.required_visits) full_
       FROM plan_item pi JOIN plan p ON p.id=pi.plan_id AND p.year=2026 AND p.status='issued'
       LEFT JOIN cv ON cv.enterprise_id=pi.enterprise_id GROUP BY pi.county_code),
fi AS (SELECT county_code, count(*) n,
          count(*) FILTER (WHERE severity='general') g, count(*) FILTER (WHERE severity='serious_hazard') s,
          count(*) FILTER (WHERE severity='violation') v,
          count(*) FILTER (WHERE status='closed' AND closed_at < w.t1) r,
          count(*) FILTER (WHERE deadline < w.d1 AND NOT (status='closed' AND closed_at < w.t1)) o
       FROM finding, w WHERE found_on BETWEEN w.d0 AND w.d1 GROUP BY county_code),
ca AS (SELECT f.county_code, count(DISTINCT s.finding_id) n FROM finding_step s JOIN finding f ON f.id=s.finding_id, w
       WHERE s.kind='case' AND s.case_filed_on BETWEEN w.d0 AND w.d1 GROUP BY f.county_code),
rl AS (SELECT county_code, count(*) n FROM risk_list_entry, w
       WHERE created_at >= '2026-01-01 00:00+08' AND created_at < w.t1 GROUP BY county_code),
sa AS (SELECT e.county_code, count(*) n, count(*) FILTER (WHERE fu.status='closed' AND fu.closed_on <= w.d1) h
       FROM risk_signal s JOIN enterprise e ON e.id=s.enterprise_id
       LEFT JOIN sampling_follow_up fu ON fu.signal_id=s.id, w
       WHERE s.kind='sampling' AND s.qualified IS false AND s.occurred_on BETWEEN w.d0 AND w.d1 GROUP BY e.county_code),
pu AS (SELECT county_code, count(*) n,
          count(*) FILTER (WHERE media_adopted AND media_level IN ('national', 'province', 'prefecture')) m
       FROM publicity_activity, w
       WHERE held_on BETWEEN w.d0 AND w.d1 GROUP BY county_code)
SELECT j.code, led.n, led.a, led.b, led.c, led.d, pl.lines, pl.req, vis.n, pl.done, pl.full_,
       fi.n, fi.g, fi.s, fi.v, fi.r, fi.o, ca.n, rl.n, sa.n, sa.h, pu.n, pu.m
FROM jurisdiction j
LEFT JOIN led ON led.county_code=j.code LEFT JOIN pl ON pl.county_code=j.code LEFT JOIN vis ON vis.county_code=j.code
LEFT JOIN fi ON fi.county_code=j.code LEFT JOIN ca ON ca.county_code=j.code LEFT JOIN rl ON rl.county_code=j.code
LEFT JOIN sa ON sa.county_code=j.code LEFT JOIN pu ON pu.county_code=j.code
WHERE j.level='county' ORDER BY j.code
"""


PROGRESS_BASELINE = """
WITH cv AS (SELECT enterprise_id, count(*) done FROM visit
            WHERE status='archived' AND visit_date BETWEEN '2026-01-01' AND '2026-12-31' AND covers_full_checklist
            GROUP BY enterprise_id)
SELECT pi.county_code, pi.risk_class, count(*), sum(pi.required_visits), sum(coalesce(cv.done, 0)),
       sum(least(coalesce(cv.done, 0), pi.required_visits)),
       count(*) FILTER (WHERE coalesce(cv.done, 0) < pi.required_visits)
FROM plan_item pi LEFT JOIN cv ON cv.enterprise_id = pi.enterprise_id
WHERE pi.plan_id = $1 GROUP BY pi.county_code, pi.risk_class
"""
SUMMARY_FIGURES = (
    "enterprises", "enterprises_a", "enterprises_b", "enterprises_c", "enterprises_d", "plan_lines",
    "required_visits", "visits_done", "plan_visits_done", "fully_inspected", "findings", "findings_general",
    "findings_serious_hazard", "findings_violation", "rectified", "overdue", "cases_filed", "risk_list_entries",
    "failed_samplings", "samplings_handled", "publicity_activities", "media_adoptions",
)  # fmt: skip


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


async def fill(conn: asyncpg.Connection, n_ent: int, n_vis: int, n_find: int) -> None:
    rng = random.Random(7)
    now = datetime.now(UTC)
    counties = [c for c, _ in COUNTIES]
    ents = []
    for i in range(n_ent):
        county = rng.choices(counties, weights=(18, 26, 24, 12, 8, 6, 6))[0]
        status = "operating" if rng.random() < 0.95 else rng.choice(["suspended", "closed"])
        code = make_credit_code(f"91{county}{i:09d}")  # a structurally valid code, as the ledger holds
        ents.append((uuid.uuid4(), code, f"企业{i}", county, rng.choice("AABBBCCD"), status))
    await conn.copy_records_to_table(
        "enterprise",
        records=[(e[0], e[1], e[2], e[3], e[4], e[5], False, False, False, False, 1, now, now) for e in ents],
        columns=[
            "id", "credit_code", "name", "county_code", "risk_class", "status", "key_industry", "key_region",
            "key_enterprise", "key_product", "version", "created_at", "updated_at",
        ],
    )  # fmt: skip
    plan_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO plan (id, prefecture_code, year, status, as_of, ruleset_year, created_at, refreshed_at, issued_at)"
        " VALUES ($1, '654200', $2, 'issued', $3, 2022, $4, $4, $4)",
        plan_id, YEAR, date(YEAR, 1, 1), now,
    )  # fmt: skip
    operating = [e for e in ents if e[5] == "operating"]
    required = {"A": 1, "B": 2, "C": 3, "D": 4}
    await conn.copy_records_to_table(
        "plan_item",
        records=[
            (uuid.uuid4(), plan_id, e[0], e[3], e[4], required[e[4]], required[e[4]], *LINE_TAIL, now, now)
            for e in operating
        ],
        columns=[
            "id", "plan_id", "enterprise_id", "county_code", "risk_class", "rule_minimum", "required_visits",
            "reasons", "due_dates", "source", "version", "created_at", "updated_at",
        ],
    )  # fmt: skip
    types = ["routine_patrol"] * 6 + ["cross_inspection", "double_random", "flight_inspection", "reinspection"]
    visits = []
    for _ in range(n_vis):
        e = rng.choice(ents)
        day = date(rng.choice([2025, 2026, 2026, 2026]), 1, 1) + timedelta(days=rng.randrange(365))
        visits.append((uuid.uuid4(), e[0], e[3], rng.choice(types), day, "archived" if rng.random() < 0.9 else "draft"))
    await conn.copy_records_to_table(
        "visit",
        records=[(*v, rng.random() < 0.5, "[]", "{}", 1, now, now) for v in visits],
        columns=[
            "id", "enterprise_id", "county_code", "visit_type", "visit_date", "status", "covers_full_checklist",
            "supervisory_functions", "checklist", "version", "created_at", "updated_at",
        ],
    )  # fmt: skip
    findings = []
    for _ in range(n_find):
        v = rng.choice(visits)
        deadline = v[4] + timedelta(days=30)
        closed = rng.random() < 0.6
        closed_at = datetime(v[4].year, v[4].month, v[4].day, tzinfo=UTC) + timedelta(days=20) if closed else None
        findings.append(
            (uuid.uuid4(), v[0], v[1], v[2], "问题", rng.choice(["general"] * 8 + ["serious_hazard", "violation"]),
             v[4], deadline, deadline, "closed" if closed else "open", 0, 0, closed, False, now, now, closed_at)
        )  # fmt: skip
    await conn.copy_records_to_table(
        "finding",
        records=findings,
        columns=[
            "id", "visit_id", "enterprise_id", "county_code", "description", "severity", "found_on",
            "original_deadline", "deadline", "status", "extensions_used", "failed_reinspections",
            "reinspection_passed", "case_filed", "created_at", "updated_at", "closed_at",
        ],
    )  # fmt: skip
    violations = [f for f in findings if f[5] == "violation"]
    await conn.copy_records_to_table(
        "finding_step",
        records=[(uuid.uuid4(), f[0], "case", now, "bench", "[]", f[6] + timedelta(days=5)) for f in violations],
        columns=["id", "finding_id", "kind", "at", "actor_name", "attachment_ids", "case_filed_on"],
    )
    signals = [
        (uuid.uuid4(), rng.choice(ents), date(2026, 1, 1) + timedelta(days=rng.randrange(300))) for _ in range(5000)
    ]
    await conn.copy_records_to_table(
        "risk_signal",
        records=[(s[0], s[1][0], "sampling", s[2], "水泥", rng.random() < 0.5, True, now) for s in signals],
        columns=["id", "enterprise_id", "kind", "occurred_on", "product", "qualified", "is_open", "created_at"],
    )
    failed = await conn.fetch("SELECT id, enterprise_id, occurred_on FROM risk_signal WHERE qualified IS false")
    county_of = {e[0]: e[3] for e in ents}
    await conn.copy_records_to_table(
        "sampling_follow_up",
        records=[
            (uuid.uuid4(), r["id"], r["enterprise_id"], county_of[r["enterprise_id"]], r["occurred_on"],
             "closed" if i % 2 else "open", r["occurred_on"] + timedelta(days=40) if i % 2 else None, 1, now, now,
             "local")
            for i, r in enumerate(failed)
        ],
        columns=[
            "id", "signal_id", "enterprise_id", "county_code", "failed_on", "status", "closed_on", "version",
            "created_at", "updated_at", "origin",
        ],
    )  # fmt: skip
    await conn.copy_records_to_table(
        "risk_list_entry",
        records=[
            (uuid.uuid4(), f[3], f[2], f[0], "serious_hazard", "p", now, now)
            for f in findings
            if f[5] == "serious_hazard"
        ],
        columns=["id", "county_code", "enterprise_id", "finding_id", "source", "problem", "created_at", "updated_at"],
    )
    await conn.copy_records_to_table(
        "publicity_activity",
        records=[
            (uuid.uuid4(), rng.choice(counties), "quality_month", "质量月", date(2026, 9, 1) + timedelta(days=i % 30),
             i % 3 == 0, "[]", "bench", now, ("county", "prefecture", "province")[i % 3])
            for i in range(500)
        ],
        columns=["id", "county_code", "campaign", "title", "held_on", "media_adopted", "screenshot_refs",
                 "created_by_name", "created_at", "media_level"],
    )  # fmt: skip


async def statements_per_call(engine) -> int:  # noqa: ANN001
    """The SQL statements one summary call sends (each a round trip), counted by a cursor event."""
    sent = []

    def count(*_: object) -> None:
        sent.append(1)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with make_sessionmaker(engine)() as session:
            await completion_summary(session, SYSTEM, year=YEAR, as_of=AS_OF)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    return len(sent)


async def parts_of_one_call(engine, plan_id: uuid.UUID) -> str:  # noqa: ANN001
    """Where one summary call's time goes: each query of `county_figures` timed alone (median of 3 after a warm
    call), the recounted parts (before) beside the kept ones (after)."""
    f, w = summary_figures, summary_figures._Window(YEAR, AS_OF)
    counted = {
        "ledger (recount)": f._ledger(w, None), "findings (recount)": f._findings(w, None),
        "cases filed (recount)": f._cases(w, None), "risk list": f._risk_list(w, None),
        "failed samplings": f._samplings(w, None), "publicity": f._publicity(w, None),
        "visits + plan (recount)": f._visits_and_plan(plan_id, w, None),
    }  # fmt: skip
    calls = {name: partial(f._grouped, stmt=stmt, names=names) for name, (stmt, names) in counted.items()}
    kept_plan = [
        kept_visits(w.start, AS_OF, None), kept_plan_lines(plan_id, AS_OF, None),
        plan_moved_after(plan_id, AS_OF, w.end_at, w.year_end, None),
    ]  # fmt: skip
    calls |= {
        "late re-inspections (recount)": partial(count_late_reinspections, year=YEAR, as_of=AS_OF, counties=None),
        "visits + plan (kept)": partial(f._each, queries=kept_plan),
    }
    kept = {"ledger (kept)": kept_ledger(AS_OF, None), "findings, cases, late (kept)": kept_findings(YEAR, AS_OF, None)}
    calls |= {name: partial(f._grouped, stmt=stmt, names=names) for name, (stmt, names) in kept.items()}
    queries = [counted[name] for name in ("risk list", "failed samplings", "publicity")] + list(kept.values())
    calls["all of them but the counties and plans: the call's one round trip of figures"] = partial(
        f._each, queries=queries + kept_plan
    )
    out = []
    for name, call in calls.items():
        times = []
        for _ in range(4):
            async with make_sessionmaker(engine)() as session:
                t = time.perf_counter()
                await call(session)
                times.append((time.perf_counter() - t) * 1000)
        out.append(f"{name} {statistics.median(times[1:]):.0f}")
    return ", ".join(out)


async def timed(calls: int, work) -> tuple[list[float], object]:  # noqa: ANN001
    """`calls` timed calls after one untimed (statement caches, connection warm for every contender alike)."""
    times, result = [], await work()
    for _ in range(calls):
        t = time.perf_counter()
        result = await work()
        times.append((time.perf_counter() - t) * 1000)
    return times, result


def line(size: int, what: str, times: list[float], ceiling: list[float]) -> str:
    p50, p99 = statistics.median(times), pct(times, 0.99)
    c50, c99 = statistics.median(ceiling), pct(ceiling, 0.99)
    return (
        f"| {size:>9,} | {what:<30} | {p50:7.1f} | {p99:7.1f} | {c50:7.1f} | {c99:7.1f} | {p50 / c50:5.2f}× "
        f"| {p99 / c99:5.2f}× |"
    )


@asynccontextmanager
async def scratch_database(prefix: str, keep: bool) -> AsyncIterator[tuple[str, str]]:
    """A new database (name, URL), migrated; dropped at the end unless `keep`."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(host=HOST, port=PORT, user=USER, database="postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://{USER}@{HOST}:{PORT}/{name}"
    try:
        await asyncio.to_thread(migrate, url)
        yield name, url
    finally:
        if keep:
            print(f"  kept database {name}")
        else:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def one_size(n_vis: int, calls: int, keep: bool = False, parts: bool = False) -> list[str]:
    n_ent, n_find = max(100, n_vis // 10), int(n_vis * 0.3)
    async with scratch_database("zhijian_bench_summary", keep) as (name, url):
        engine = make_engine(url)
        async with make_sessionmaker(engine)() as session:
            await seed_jurisdictions(session)
            await session.commit()
        conn = await asyncpg.connect(host=HOST, port=PORT, user=USER, database=name)
        started = time.perf_counter()
        await conn.execute("SET session_replication_role = replica")  # COPY without triggers; rebuilt below
        await fill(conn, n_ent, n_vis, n_find)
        await conn.execute("SET session_replication_role = origin")
        filled = time.perf_counter()
        async with make_sessionmaker(engine)() as session:
            rows = await rebuild_figures(session)
            await session.commit()
        rebuilt = time.perf_counter()
        await conn.execute("VACUUM ANALYZE")  # the steady state autovacuum keeps: visibility map set
        print(
            f"{n_vis:,} visits: generated {n_ent:,} enterprises, {n_vis:,} visits, {n_find:,} findings in "
            f"{filled - started:.1f} s; kept figures rebuilt in {rebuilt - filled:.1f} s ({rows})"
        )
        plan_id = await conn.fetchval("SELECT id FROM plan WHERE year = $1", YEAR)
        t1 = datetime(2027, 1, 1, tzinfo=UTC) - timedelta(hours=8)

        async def service(**kwargs):  # noqa: ANN003, ANN202
            async with make_sessionmaker(engine)() as session:
                return await completion_summary(session, SYSTEM, year=YEAR, as_of=AS_OF, **kwargs)

        async def progress(**kwargs):  # noqa: ANN003, ANN202
            async with make_sessionmaker(engine)() as session:
                return await plan_progress(session, SYSTEM, plan_id, today=AS_OF, **kwargs)

        summary_ceiling, baseline = await timed(calls, lambda: conn.fetch(BASELINE, AS_OF, t1))
        summary_after, summary = await timed(calls, service)
        summary_before, recounted = await timed(calls, lambda: service(recount=True))
        progress_ceiling, by_hand = await timed(calls, lambda: conn.fetch(PROGRESS_BASELINE, plan_id))
        progress_after, kept = await timed(calls, progress)
        progress_before, progress_recounted = await timed(calls, lambda: progress(recount=True))

        rows_of = {r.county_code: r for r in summary.rows}
        mismatches = [
            (r["code"], n, r[i + 1] or 0, getattr(rows_of[r["code"]], n))
            for r in baseline
            for i, n in enumerate(SUMMARY_FIGURES)
            if (r[i + 1] or 0) != getattr(rows_of[r["code"]], n)
        ]
        hand_total = [sum(int(r[i] or 0) for r in by_hand) for i in (2, 3, 4, 5)]
        kept_total = [kept["total"][k] for k in ("lines", "required_visits", "visits_done")]
        print(
            f"  summary kept = recount: {summary == recounted}; = hand SQL: {not mismatches}; "
            f"progress kept = recount: {kept == progress_recounted}; lines/required/done = hand SQL: "
            f"{kept_total == hand_total[:3]}"
        )
        for m in mismatches[:10]:
            print("  mismatch", m)
        if parts:
            print(f"  statements sent by one summary call: {await statements_per_call(engine)}")
            print(f"  parts of one call, ms (median of 3): {await parts_of_one_call(engine, plan_id)}")
        await conn.close()
        await engine.dispose()
        return [
            line(n_vis, "summary, kept figures (after)", summary_after, summary_ceiling),
            line(n_vis, "summary, recount (before)", summary_before, summary_ceiling),
            line(n_vis, "progress, kept figures (after)", progress_after, progress_ceiling),
            line(n_vis, "progress, recount (before)", progress_before, progress_ceiling),
        ]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--visits", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases (drop them yourself)")
    parser.add_argument("--parts", action="store_true", help="also time each query of one summary call")
    args = parser.parse_args()
    table = [
        "| visits | what (prefecture-wide) | p50 ms | p99 ms | hand SQL p50 | hand SQL p99 | p50 ratio | p99 ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n in args.visits:
        table += await one_size(n, args.calls, args.keep, args.parts)
    print("\n".join(table))


if __name__ == "__main__":
    asyncio.run(main())
