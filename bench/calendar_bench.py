"""The plan's calendar at scale: each daily job over 100k open findings and 100k plan lines, and its second run.

    .venv/bin/python bench/calendar_bench.py [--enterprises 100000] [--findings 100000] [--runs 3]

A scratch database on the shared PostgreSQL (dropped at the end), filled with Core inserts: N enterprises over the
seven counties of 塔城地区, an issued plan for this year with one line each, 10 % of them holding a licence that
enters its renewal window today, and F open findings (one archived visit each) with deadlines spread over the 60
days around today. Then, per run, each calendar entry (`app/worker/calendar.py`) for today, in one transaction, as
a worker runs it: the first run does the day's work, the next runs find it done (idempotent). Prints seconds
(min / median / max over --runs fresh databases would cost too much: the first run is measured once, the
idempotent re-runs --runs times).
"""

import argparse
import asyncio
import random
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "load"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _harness import COUNTY_CODES, create_scratch_db, drop_scratch_db, log, migrate_and_seed  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from app.core.clock import today_in_china  # noqa: E402
from app.core.db import make_engine, make_sessionmaker  # noqa: E402
from app.domain.credit_code import make_credit_code  # noqa: E402
from app.domain.licence import licence_lookup_key  # noqa: E402
from app.models import Enterprise, Finding, Licence, Plan, PlanItem, Visit  # noqa: E402
from app.services.common import audit  # noqa: E402
from app.worker.calendar import CALENDAR, run_entry  # noqa: E402

CHUNK = 5_000


def _credit_code(i: int, county: str) -> str:
    return make_credit_code(f"92{county}CB{i:07d}")  # 个体工商户 codes: apart from the demo ledger's


async def fill(url: str, n: int, n_findings: int, today: date) -> None:
    rng = random.Random(11)
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    plan_id = uuid.uuid4()
    enterprises, licences, lines, visits, findings = [], [], [], [], []
    for i in range(n):
        county = COUNTY_CODES[i % len(COUNTY_CODES)]
        eid = uuid.uuid4()
        enterprises.append({"id": eid, "credit_code": _credit_code(i, county), "name": f"日历企业{i:06d}",
                            "county_code": county, "risk_class": "B"})  # fmt: skip
        lines.append({"plan_id": plan_id, "enterprise_id": eid, "county_code": county, "risk_class": "B",
                      "rule_minimum": 1, "rule_maximum": 2, "reasons": [], "required_visits": 1,
                      "due_dates": [f"{today.year}-12-31"]})  # fmt: skip
        if i % 10 == 0:
            number = f"新XK16-{i // 100000:03d}-{i % 100000:05d}"
            licences.append({"enterprise_id": eid, "licence_no": number, "lookup_key": licence_lookup_key(number),
                             "product_category": "水泥", "issued_on": today - timedelta(days=1700),
                             "expires_on": today + timedelta(days=90)})  # fmt: skip
        if i < n_findings:
            vid = uuid.uuid4()
            found = today - timedelta(days=30 + rng.randint(-30, 30))
            visits.append({"id": vid, "enterprise_id": eid, "county_code": county, "visit_type": "routine_patrol",
                           "visit_date": found, "status": "archived", "supervisory_functions": [],
                           "checklist": {}})  # fmt: skip
            findings.append({"visit_id": vid, "enterprise_id": eid, "county_code": county, "description": "标识不全",
                             "severity": "general", "found_on": found, "original_deadline": found + timedelta(days=30),
                             "deadline": found + timedelta(days=30)})  # fmt: skip
    async with sessionmaker() as session:
        session.add(
            Plan(id=plan_id, prefecture_code="654200", year=today.year, status="issued", as_of=today, ruleset_year=2022)
        )
        await session.flush()
        for model, rows in ((Enterprise, enterprises), (PlanItem, lines), (Licence, licences), (Visit, visits),
                            (Finding, findings)):  # fmt: skip
            for start in range(0, len(rows), CHUNK):
                await session.execute(insert(model), rows[start : start + CHUNK])
        await session.commit()
    await engine.dispose()


async def run_calendar(url: str, today: date, runs: int) -> None:
    audit.install()
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    try:
        for entry in CALENDAR:
            timings = []
            for run in range(runs + 1):
                started = time.perf_counter()
                async with sessionmaker() as session:
                    summary = await run_entry(session, entry, today)
                    await session.commit()
                timings.append(time.perf_counter() - started)
                if run == 0:
                    log(f"{entry.name}: first run {timings[0]:.2f}s — {summary}")
            again = timings[1:]
            log(f"{entry.name}: idempotent re-run min {min(again):.2f} / median {statistics.median(again):.2f} / "
                f"max {max(again):.2f}s — {summary}")  # fmt: skip
    finally:
        await engine.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    today = today_in_china()
    db, url = await create_scratch_db("zhijian_calendar")
    try:
        migrate_and_seed(url)
        started = time.perf_counter()
        await fill(url, args.enterprises, args.findings, today)
        log(f"filled {args.enterprises} enterprises / plan lines, {args.findings} findings in "
            f"{time.perf_counter() - started:.1f}s")  # fmt: skip
        await run_calendar(url, today, args.runs)
    finally:
        await drop_scratch_db(db)


if __name__ == "__main__":
    asyncio.run(main())
