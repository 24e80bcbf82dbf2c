"""Who files self-checks and who does not (GET /self-check-compliance): per operating enterprise of the caller's
jurisdiction, what it filed in one calendar month against what the month asks for, and the ledger signal of the
RuleSet's local rule — no monthly record for the last N months — with its reason. A signal to look at, never an
automatic escalation: it feeds no plan line."""

from collections import defaultdict
from datetime import date

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.paging import PageQuery, Window
from app.domain.ruleset import ruleset_for
from app.domain.self_checks import (
    SelfCheckKind,
    days_in_month,
    missing_monthly_reason,
    months_before,
    weeks_starting_in,
)
from app.domain.statuses import EnterpriseStatus
from app.models import Enterprise, SelfCheck
from app.schemas.portal import SelfCheckCompliance
from app.services.common.access import scope_enterprises
from app.services.common.paging import paginate


async def self_check_compliance(
    session: AsyncSession,
    actor: Actor,
    *,
    month: date,
    county_code: str | None,
    missing_only: bool,
    page: PageQuery,
) -> Window[SelfCheckCompliance]:
    """`month` is the first day of the month looked at; the signal looks at the months before it."""
    ruleset = ruleset_for(month.year)
    window = months_before(month, ruleset.self_check_missing_months)
    stmt = scope_enterprises(select(Enterprise), actor).where(Enterprise.status == EnterpriseStatus.operating.value)
    if county_code is not None:
        stmt = stmt.where(Enterprise.county_code == county_code)
    if missing_only:
        filed_in_window = select(SelfCheck.enterprise_id).where(
            SelfCheck.kind == SelfCheckKind.monthly.value, col(SelfCheck.period_start).in_(window)
        )
        stmt = stmt.where(col(Enterprise.id).not_in(filed_in_window))
    stmt = stmt.order_by(col(Enterprise.county_code), col(Enterprise.name), col(Enterprise.id))
    found = await paginate(session, stmt, page)
    enterprises = found.items
    ids = [e.id for e in enterprises]
    end = _next_month(month)
    counts: dict[tuple, int] = defaultdict(int)
    monthly_filed: dict = defaultdict(set)
    if ids:
        rows = await session.exec(
            select(SelfCheck.enterprise_id, SelfCheck.kind, func.count())
            .where(col(SelfCheck.enterprise_id).in_(ids), SelfCheck.period_start >= month, SelfCheck.period_start < end)
            .group_by(SelfCheck.enterprise_id, SelfCheck.kind)
        )
        for enterprise_id, kind, n in rows.all():
            counts[(enterprise_id, kind)] = n
        months = await session.exec(
            select(SelfCheck.enterprise_id, SelfCheck.period_start).where(
                col(SelfCheck.enterprise_id).in_(ids),
                SelfCheck.kind == SelfCheckKind.monthly.value,
                col(SelfCheck.period_start).in_(window),
            )
        )
        for enterprise_id, start in months.all():
            monthly_filed[enterprise_id].add(start)
    out = []
    for e in enterprises:
        daily, weekly = counts[(e.id, "daily")], counts[(e.id, "weekly")]
        monthly = counts[(e.id, "monthly")] > 0
        out.append(
            SelfCheckCompliance(
                enterprise_id=e.id,
                enterprise_name=e.name,
                credit_code=e.credit_code,
                county_code=e.county_code,
                daily_filed=daily,
                daily_expected=days_in_month(month),
                weekly_filed=weekly,
                weekly_expected=weeks_starting_in(month),
                monthly_filed=monthly,
                files=bool(daily or weekly or monthly),
                missing_monthly_reason=missing_monthly_reason(monthly_filed[e.id], today=month, ruleset=ruleset),
            )
        )
    return Window(out, found.has_more, found.total)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def first_day(month: str) -> date:
    """'YYYY-MM' (already matched by the route's pattern) → its first day."""
    year, number = month.split("-")
    return date(int(year), int(number), 1)
