"""Region bench (issue 20): the list, summary and plan paths for one prefecture's caller and for the region's, on
one database holding the whole region, at two sizes; how each grows from a prefecture to the region.

    .venv/bin/python bench/region_bench.py [--prefectures 14] [--counties 100] [--sizes 20000:100000 100000:500000]
                                           [--calls 10] [--keep]

Per size (`ENTERPRISES:VISITS`): a scratch PostgreSQL database (TEST_PG_HOST/PORT/USER), migrated; the tree made
of the region 650000, the first `--prefectures` prefecture codes of the data file and `--counties` counties in
all spread over them (synthetic county codes under each prefecture's); enterprises and a year of visits spread
evenly over the counties with COPY (triggers off, then `rebuild_figures`), one issued plan per prefecture; VACUUM
ANALYZE. The callers are actors as the API builds them: a prefecture admin of the first prefecture and the region
viewer (node 650000). Each path is timed `--calls` times after one untimed call (p50 / p99 ms):

- list: the enterprise list's first 50-row page, operating and class C, by name (`ledger.query.list_enterprises`)
- summary: the 附件3 summary of the year (`reports.summary.completion_summary`, from the kept figures)
- plans: the plans the caller sees, with their totals (`plans.list_plans`)
- progress: the first prefecture's plan progress (`plans.plan_progress`; the region reads the same plan)

The ratio is region / prefecture. The database is dropped at the end unless `--keep`.
"""

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402
from summary_bench import HOST, LINE_TAIL, PORT, USER, pct, scratch_database, timed  # noqa: E402

from app.core.actor import Actor  # noqa: E402
from app.core.db import make_engine, make_sessionmaker  # noqa: E402
from app.domain.credit_code import make_credit_code  # noqa: E402
from app.domain.permissions import Role, permissions_for  # noqa: E402
from app.domain.risk import RiskClass  # noqa: E402
from app.domain.statuses import EnterpriseStatus  # noqa: E402
from app.schemas.enterprise import EnterpriseSort  # noqa: E402
from app.seed.jurisdictions import REGION, divisions  # noqa: E402
from app.services.ledger.query import EnterpriseFilter, list_enterprises  # noqa: E402
from app.services.plans import plan_progress, rebuild_figures  # noqa: E402
from app.services.plans.plans import list_plans  # noqa: E402
from app.services.reports.summary import completion_summary  # noqa: E402

YEAR = 2026
AS_OF = date(2026, 12, 31)


def tree(n_prefectures: int, n_counties: int) -> list[tuple[str, str, str, str | None, str]]:
    """(code, name, level, parent, path) rows: the region, its first prefectures, synthetic counties under them."""
    prefectures = [d for d in divisions().values() if d.level == "prefecture"][:n_prefectures]
    region = REGION[0]
    rows = [(region, REGION[1], "region", None, f"{region}/")]
    for i, p in enumerate(prefectures):
        rows.append((p.code, p.name, "prefecture", region, f"{region}/{p.code}/"))
        share = n_counties // n_prefectures + (1 if i < n_counties % n_prefectures else 0)
        for k in range(1, share + 1):
            code = f"{p.code[:4]}{k:02d}"
            rows.append((code, f"{p.name}县{k}", "county", p.code, f"{region}/{p.code}/{code}/"))
    return rows


async def fill(conn: asyncpg.Connection, rows: list[tuple], n_ent: int, n_vis: int) -> dict[str, uuid.UUID]:
    rng = random.Random(20)
    now = datetime.now(UTC)
    await conn.copy_records_to_table(
        "jurisdiction", records=rows, columns=["code", "name", "level", "parent_code", "path"]
    )
    parent = {code: p for code, _, level, p, _ in rows if level == "county"}
    counties = sorted(parent)
    ents = []
    for i in range(n_ent):
        county = counties[i % len(counties)]
        status = "operating" if rng.random() < 0.95 else "closed"
        ents.append(
            (uuid.uuid4(), make_credit_code(f"91{county}{i:09d}"), f"企业{i}", county, rng.choice("AABBBCCD"), status)
        )
    await conn.copy_records_to_table(
        "enterprise",
        records=[(*e, False, False, False, False, 1, now, now) for e in ents],
        columns=[
            "id", "credit_code", "name", "county_code", "risk_class", "status", "key_industry", "key_region",
            "key_enterprise", "key_product", "version", "created_at", "updated_at",
        ],
    )  # fmt: skip
    plans = {p: uuid.uuid4() for p in sorted(set(parent.values()))}
    for prefecture, plan_id in plans.items():
        await conn.execute(
            "INSERT INTO plan (id, prefecture_code, year, status, as_of, ruleset_year, created_at, refreshed_at,"
            " issued_at) VALUES ($1, $2, $3, 'issued', $4, 2022, $5, $5, $5)",
            plan_id, prefecture, YEAR, date(YEAR, 1, 1), now,
        )  # fmt: skip
    required = {"A": 1, "B": 2, "C": 3, "D": 4}
    await conn.copy_records_to_table(
        "plan_item",
        records=[
            (uuid.uuid4(), plans[parent[e[3]]], e[0], e[3], e[4], required[e[4]], required[e[4]], *LINE_TAIL, now, now)
            for e in ents
            if e[5] == "operating"
        ],
        columns=[
            "id", "plan_id", "enterprise_id", "county_code", "risk_class", "rule_minimum", "required_visits",
            "reasons", "due_dates", "source", "version", "created_at", "updated_at",
        ],
    )  # fmt: skip
    visits = []
    for _ in range(n_vis):
        e = rng.choice(ents)
        day = date(YEAR, 1, 1) + timedelta(days=rng.randrange(365))
        visits.append((uuid.uuid4(), e[0], e[3], "routine_patrol", day, "archived", True, "[]", "{}", 1, now, now))
    await conn.copy_records_to_table(
        "visit",
        records=visits,
        columns=[
            "id", "enterprise_id", "county_code", "visit_type", "visit_date", "status", "covers_full_checklist",
            "supervisory_functions", "checklist", "version", "created_at", "updated_at",
        ],
    )  # fmt: skip
    return plans


def actor(role: Role, node: str) -> Actor:
    return Actor("user", uuid.uuid4(), "bench", role, None, permissions_for(role), None, node)


async def one_size(args: argparse.Namespace, n_ent: int, n_vis: int) -> list[str]:
    async with scratch_database("zhijian_bench_region", args.keep) as (name, url):
        engine = make_engine(url)
        conn = await asyncpg.connect(host=HOST, port=PORT, user=USER, database=name)
        started = time.perf_counter()
        rows = tree(args.prefectures, args.counties)
        await conn.execute("SET session_replication_role = replica")
        plans = await fill(conn, rows, n_ent, n_vis)
        await conn.execute("SET session_replication_role = origin")
        async with make_sessionmaker(engine)() as session:
            await rebuild_figures(session)
            await session.commit()
        await conn.execute("VACUUM ANALYZE")
        first = sorted(plans)[0]
        print(
            f"{n_ent:,} enterprises, {n_vis:,} visits, {len(plans)} prefectures, {args.counties} counties: "
            f"filled in {time.perf_counter() - started:.1f} s"
        )
        callers = {"prefecture": actor(Role.PREFECTURE_ADMIN, first), "region": actor(Role.REGION_VIEWER, REGION[0])}
        page = EnterpriseFilter(status=EnterpriseStatus.operating, risk_class=RiskClass.C)

        def paths(who: Actor):  # noqa: ANN202
            async def run(work):  # noqa: ANN001, ANN202
                async with make_sessionmaker(engine)() as session:
                    return await work(session)

            return {
                "list (first page)": lambda: run(
                    lambda s: list_enterprises(s, who, page, sort=EnterpriseSort.name, limit=50, offset=0)
                ),
                "summary (附件3)": lambda: run(lambda s: completion_summary(s, who, year=YEAR, as_of=AS_OF)),
                "plans (with totals)": lambda: run(lambda s: list_plans(s, who)),
                "progress (first prefecture)": lambda: run(lambda s: plan_progress(s, who, plans[first], today=AS_OF)),
            }

        table = []
        measured = {who: {} for who in callers}
        for who, caller in callers.items():
            for what, work in paths(caller).items():
                measured[who][what], _ = await timed(args.calls, work)
        for what in measured["prefecture"]:
            p, r = measured["prefecture"][what], measured["region"][what]
            p50, r50 = statistics.median(p), statistics.median(r)
            table.append(
                f"| {n_ent:,} / {n_vis:,} | {what} | {p50:.1f} / {pct(p, 0.99):.1f} | {r50:.1f} / {pct(r, 0.99):.1f} "
                f"| {r50 / p50:.2f}× |"
            )
        await conn.close()
        await engine.dispose()
        return table


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prefectures", type=int, default=14)
    parser.add_argument("--counties", type=int, default=100, help="counties in all, spread over the prefectures")
    parser.add_argument("--sizes", nargs="+", default=["20000:100000", "100000:500000"], help="ENTERPRISES:VISITS")
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    table = [
        "| enterprises / visits | path | prefecture p50 / p99 ms | region p50 / p99 ms | region / prefecture (p50) |",
        "|---|---|---|---|---|",
    ]
    for size in args.sizes:
        n_ent, n_vis = (int(x) for x in size.split(":"))
        table += await one_size(args, n_ent, n_vis)
        print("\n".join(table))


if __name__ == "__main__":
    asyncio.run(main())
