"""Writing plan lines in bulk: COPY on PostgreSQL, chunked executemany elsewhere (SQLite)."""

import asyncio
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.ruleset import RuleSet
from app.models import PlanItem
from app.services.plans.risk_facts import EnterpriseRisk, fact_tuples, risks_of
from app.services.plans.rules import reasons_json, rule_part, rule_parts

CHUNK = 5_000
_COLUMNS = (
    "id",
    "plan_id",
    "enterprise_id",
    "county_code",
    "risk_class",
    "rule_minimum",
    "rule_maximum",
    "reasons",
    "required_visits",
    "issued_visits",
    "due_dates",
    "source",
    "version",
    "created_at",
    "updated_at",
)
_TABLE = PlanItem.__table__
_TEXT_KEYS = ("reasons_text", "due_dates_text")
COPY_BATCH = 20_000
FIRST_BATCH = 2_000  # still a plan-sized statement for the kept figures' trigger (≥ 1,000 lines: migration 0017p)
# a generated line by COPY: the id is the server's default (migration 0017p), the rule's part is shared
_RULE_PART_COLUMNS = (
    "risk_class",
    "rule_minimum",
    "rule_maximum",
    "reasons_text",
    "required_visits",
    "issued_visits",
    "due_dates_text",
)
_GENERATED_COLUMNS = tuple(name for name in _COLUMNS if name != "id")


async def insert_generated_lines(
    session: AsyncSession,
    plan_id: uuid.UUID,
    fact_rows: Sequence[Sequence[Any]],
    now: datetime,
    *,
    year: int,
    as_of: date,
    ruleset: RuleSet,
) -> None:
    """One generated line per enterprise of `risk_facts.fact_rows` (its facts made by `risks_of`, its line's rule
    part by `rules.rule_parts`). On PostgreSQL, COPY in batches whose records are the enterprise's two fields and
    its rule part's values (made once per distinct class and facts, no object per line); the next batch — its
    facts, rules and records — is worked out in a thread while the server writes the last one (its indexes, keys'
    triggers and kept figures), so the Python work and the writing share the two cores instead of taking turns."""
    if not fact_rows:
        return
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        lines = [{"enterprise_id": r.enterprise_id, "county_code": r.county_code, **part}
                 for r, part in rule_parts(risks_of(fact_rows), year, as_of, ruleset)]  # fmt: skip
        await insert_lines(session, plan_id, lines, now)
        return
    tails: dict[tuple[Any, ...], tuple[Any, ...]] = {}  # the record's rule part, per distinct (class, facts)

    def records_of(batch: Sequence[Sequence[Any]]) -> list[tuple[Any, ...]]:
        records = []
        append = records.append
        for enterprise_id, county, risk_class, facts in fact_tuples(batch):
            tail = tails.get((risk_class, facts))
            if tail is None:
                part = rule_part(EnterpriseRisk(enterprise_id, county, risk_class, facts), year, as_of, ruleset)
                tail = (*(part[name] for name in _RULE_PART_COLUMNS), "generated", 1, now, now)
                tails[(risk_class, facts)] = tail
            append((plan_id, enterprise_id, county, *tail))
        return records

    # a small first batch, so the server starts writing soon, then even batches of at most COPY_BATCH
    first, rest = fact_rows[:FIRST_BATCH], fact_rows[FIRST_BATCH:]
    size = -(-len(rest) // -(-len(rest) // COPY_BATCH)) if rest else 1
    batches = [first, *(rest[start : start + size] for start in range(0, len(rest), size))]
    raw = (await connection.get_raw_connection()).driver_connection
    records = records_of(batches[0])
    for following in (*batches[1:], None):
        # one batch at a time in the thread, so `tails` is never written by two at once
        pending = asyncio.ensure_future(asyncio.to_thread(records_of, following)) if following else None
        try:
            await raw.copy_records_to_table("plan_item", records=records, columns=_GENERATED_COLUMNS)
        finally:
            records = await pending if pending else []


async def insert_lines(session: AsyncSession, plan_id: uuid.UUID, lines: list[dict[str, Any]], now: datetime) -> None:
    """Insert lines made by `rules.lines_for` (reasons as Reason tuples, and also as JSON text for COPY)."""
    if not lines:
        return
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        records = [
            (
                uuid.uuid4(),
                plan_id,
                line["enterprise_id"],
                line["county_code"],
                line["risk_class"],
                line["rule_minimum"],
                line["rule_maximum"],
                line["reasons_text"],
                line["required_visits"],
                line.get("issued_visits"),
                line["due_dates_text"],
                line.get("source", "generated"),
                1,
                now,
                now,
            )
            for line in lines
        ]
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table("plan_item", records=records, columns=_COLUMNS)
        return
    rows = [
        {
            "id": uuid.uuid4(),
            "plan_id": plan_id,
            **{k: v for k, v in line.items() if k not in _TEXT_KEYS},
            "reasons": reasons_json(line["reasons"]),
            "due_dates": list(line["due_dates"]),
            "source": line.get("source", "generated"),
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for line in lines
    ]
    for start in range(0, len(rows), CHUNK):
        await connection.execute(insert(_TABLE), rows[start : start + CHUNK])


async def update_lines(session: AsyncSession, changes: list[dict[str, Any]], now: datetime) -> None:
    """Rewrite the rule's part of existing lines (each change carries `id` and the `line_values` fields)."""
    if not changes:
        return
    stmt = (
        update(_TABLE)
        .where(_TABLE.c.id == bindparam("_id"))
        .values(
            county_code=bindparam("_county_code"),
            risk_class=bindparam("_risk_class"),
            rule_minimum=bindparam("_rule_minimum"),
            rule_maximum=bindparam("_rule_maximum"),
            reasons=bindparam("_reasons"),
            required_visits=bindparam("_required_visits"),
            issued_visits=bindparam("_issued_visits"),
            due_dates=bindparam("_due_dates"),
            version=_TABLE.c.version + 1,
            updated_at=now,
        )
    )
    params = [
        {
            "_id": c["id"],
            "_county_code": c["county_code"],
            "_risk_class": c["risk_class"],
            "_rule_minimum": c["rule_minimum"],
            "_rule_maximum": c["rule_maximum"],
            "_reasons": reasons_json(c["reasons"]),
            "_required_visits": c["required_visits"],
            "_issued_visits": c["issued_visits"],
            "_due_dates": list(c["due_dates"]),
        }
        for c in changes
    ]
    connection = await session.connection()
    for start in range(0, len(params), CHUNK):
        await connection.execute(stmt, params[start : start + CHUNK])


async def delete_lines(session: AsyncSession, ids: list[uuid.UUID]) -> None:
    connection = await session.connection()
    for start in range(0, len(ids), CHUNK):
        await connection.execute(delete(_TABLE).where(col(PlanItem.id).in_(ids[start : start + CHUNK])))
