"""The domain rules of the plan, turned into line values and into SQL expressions for set-based queries.

The SQL is *built from* the domain functions (which visit types count, how many visits are due by today),
so the database and the pure rules cannot drift apart.
"""

import json
from collections.abc import Iterable, Iterator
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import and_, case, func, or_, text
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.frequency import Requirement, RiskFacts, active_factors, required_visits
from app.domain.reasons import Reason
from app.domain.risk import RiskClass
from app.domain.ruleset import RuleSet
from app.domain.schedule import due_dates, visits_due_by
from app.domain.visit_types import VisitType, counts_toward_frequency
from app.models import Visit
from app.schemas.plan import MAX_REQUIRED_VISITS
from app.services.plans.risk_facts import EnterpriseRisk


def requirement_for(risk: EnterpriseRisk, today: date, ruleset: RuleSet) -> Requirement:
    return required_visits(risk.risk_class, active_factors(today, risk.facts, ruleset), ruleset)


def reasons_json(reasons: tuple[Reason, ...]) -> list[dict[str, str]]:
    return [{"code": r.code, "label": r.label} for r in reasons]


@lru_cache(maxsize=4096)
def reasons_text(reasons: tuple[Reason, ...]) -> str:
    return json.dumps(reasons_json(reasons), ensure_ascii=False)


@lru_cache(maxsize=256)
def due_dates_json(year: int, n: int) -> tuple[str, ...]:
    return tuple(d.isoformat() for d in due_dates(year, n))


def line_values(risk: EnterpriseRisk, year: int, as_of: date, ruleset: RuleSet) -> dict[str, Any]:
    """The rule's part of a plan line for one enterprise: required (and, until issued, issued) visits start at
    the rule's minimum. A draft is never adjusted, so issuing it needs no rewrite of its lines."""
    return lines_for([risk], year, as_of, ruleset)[0]


def rule_part(risk: EnterpriseRisk, year: int, as_of: date, ruleset: RuleSet) -> dict[str, Any]:
    """The rule's part of an enterprise's line: what its class and facts require, whatever the enterprise."""
    requirement = requirement_for(risk, as_of, ruleset)
    return {
        "risk_class": risk.risk_class.value,
        "rule_minimum": requirement.minimum,
        "rule_maximum": requirement.maximum,
        "reasons": requirement.reasons,
        "required_visits": requirement.minimum,
        "issued_visits": requirement.minimum,
        "due_dates": due_dates_json(year, requirement.minimum),
        "reasons_text": reasons_text(requirement.reasons),
        "due_dates_text": json.dumps(due_dates_json(year, requirement.minimum)),
    }


def rule_parts(
    risks: Iterable[EnterpriseRisk], year: int, as_of: date, ruleset: RuleSet
) -> Iterator[tuple[EnterpriseRisk, dict[str, Any]]]:
    """Each enterprise with the rule's part of its line. Most share their facts (none at all, say), so each
    distinct (class, facts) is worked out by the domain rule once and its part is shared, not copied."""
    parts: dict[tuple[RiskClass, RiskFacts], dict[str, Any]] = {}
    for risk in risks:
        key = (risk.risk_class, risk.facts)
        part = parts.get(key)
        if part is None:
            part = parts[key] = rule_part(risk, year, as_of, ruleset)
        yield risk, part


def lines_for(risks: list[EnterpriseRisk], year: int, as_of: date, ruleset: RuleSet) -> list[dict[str, Any]]:
    """`line_values` for many enterprises, one dict each (`rule_parts` gives the same without them)."""
    return [
        {"enterprise_id": risk.enterprise_id, "county_code": risk.county_code, **rule_part}
        for risk, rule_part in rule_parts(risks, year, as_of, ruleset)
    ]


def counting_visit() -> Any:
    """WHERE for a visit that counts toward the frequency (`counts_toward_frequency`), archived or not."""
    always = [t.value for t in VisitType if counts_toward_frequency(t, False)]
    with_checklist = [
        t.value for t in VisitType if not counts_toward_frequency(t, False) and counts_toward_frequency(t, True)
    ]
    return or_(
        col(Visit.visit_type).in_(always),
        and_(col(Visit.visit_type).in_(with_checklist), col(Visit.covers_full_checklist).is_(True)),
    )


def counted_visits(year: int, county_code: str | None = None) -> Any:
    """Subquery (enterprise_id, done): archived visits in the plan year that count toward the frequency."""
    stmt = (
        select(Visit.enterprise_id, func.count().label("done"))
        .where(
            Visit.status == "archived",
            col(Visit.visit_date) >= date(year, 1, 1),
            col(Visit.visit_date) <= date(year, 12, 31),
            counting_visit(),
        )
        .group_by(Visit.enterprise_id)
    )
    if county_code is not None:
        stmt = stmt.where(Visit.county_code == county_code)
    return stmt.subquery("counted")


def due_by(required: Any, *, today: date, year: int) -> Any:
    """SQL: how many of `required` visits were due before today (`visits_due_by`), for every line at once."""
    whens = {n: visits_due_by(today, year, n) for n in range(MAX_REQUIRED_VISITS + 1)}
    return case(whens, value=required, else_=required)


def done_of(counted: Any) -> Any:
    return func.coalesce(counted.c.done, 0)


async def room_to_aggregate(session: AsyncSession) -> None:
    """Counting a year's visits per enterprise hashes ~100,000 groups: give this transaction the memory to do
    it without spilling to disk, in one process (parallel workers would each build the same hash table).
    PostgreSQL only; a no-op elsewhere."""
    if session.bind.dialect.name == "postgresql":
        await session.exec(text("SET LOCAL work_mem = '32MB'"))
        await session.exec(text("SET LOCAL max_parallel_workers_per_gather = 0"))
