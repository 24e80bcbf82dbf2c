"""按时复查回访 counted for the completion summary: findings whose first re-inspection was late, as of a day."""

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Integer, case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.findings import reinspection_late
from app.domain.ruleset import ruleset_for
from app.models import Finding


async def count_late_reinspections(
    session: AsyncSession, *, year: int, as_of: date, counties: Sequence[str] | None
) -> dict[str, int]:
    """Per county (every county when `counties` is None): findings of `year` found by `as_of` whose first
    re-inspection came after the deadline + the year's window, or that had none by `as_of` once that day had
    passed. A re-inspection after `as_of` is not known yet; the deadline is the current one (after extension).
    Findings closed without a recorded re-inspection (before the loop was kept) are not counted."""
    found = [
        col(Finding.found_on) >= date(year, 1, 1),
        col(Finding.found_on) <= as_of,
        col(Finding.deadline) < as_of,
        ~((col(Finding.status) == "closed") & col(Finding.reinspected_on).is_(None)),
    ]
    if counties is not None:
        found.append(col(Finding.county_code).in_(list(counties)))
    if session.bind.dialect.name == "postgresql":
        return await _count_in_sql(session, found, year=year, as_of=as_of)
    stmt = select(Finding.county_code, Finding.deadline, Finding.reinspected_on, Finding.found_on).where(*found)
    late: Counter[str] = Counter()
    for county, deadline, reinspected_on, found_on in (await session.exec(stmt)).all():
        known = reinspected_on if reinspected_on is not None and reinspected_on <= as_of else None
        if reinspection_late(deadline, known, ruleset_for(found_on.year), today=as_of):
            late[county] += 1
    return dict(late)


async def _count_in_sql(session: AsyncSession, found: list[Any], *, year: int, as_of: date) -> dict[str, int]:
    """The same count as one GROUP BY (PostgreSQL's date + days): `reinspection_late` written in SQL, its
    window (`reinspection_window_days`) taken from each found-on year's RuleSet."""
    years = range(year, as_of.year + 1)
    if not years:  # as of a day before the year began: nothing of the year is found yet (and CASE needs a WHEN)
        return {}
    window = case(
        {y: ruleset_for(y).reinspection_window_days for y in years},
        value=func.cast(func.extract("year", Finding.found_on), Integer),
        else_=ruleset_for(year).reinspection_window_days,
    )
    known = func.least(func.coalesce(Finding.reinspected_on, as_of), as_of)
    late = select(Finding.county_code, func.count()).where(*found, known > Finding.deadline + window)
    late = late.group_by(Finding.county_code)
    return {county: n for county, n in (await session.exec(late)).all()}
