"""Ledger completeness (台账 100% complete): per county, the share of enterprises with every required field."""

from typing import Any

from sqlalchemy import Integer, case, cast, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.domain.statuses import EnterpriseStatus
from app.models import Enterprise, Jurisdiction
from app.schemas.enterprise_ledger import CompletenessReport, CountyCompleteness, RequiredField
from app.services.common.access import in_scope, scope_enterprises
from app.xlsx.enterprise_columns import BY_KEY

REQUIRED_FIELDS = (
    "address",
    "legal_representative",
    "industry",
    "main_products",
    "contact_person",
    "contact_phone",
)
"""Besides code, name, county, class and status (which the database already requires)."""


def _blank(name: str) -> Any:
    if name == "contact_phone":  # stored encrypted: its digest is NULL exactly when it is blank
        return col(Enterprise.contact_phone_digest).is_(None)
    column = getattr(Enterprise, name)
    return or_(column.is_(None), func.trim(column) == "")


async def completeness(session: AsyncSession, actor: Actor) -> CompletenessReport:
    blanks = [_blank(name) for name in REQUIRED_FIELDS]
    incomplete = or_(*blanks)
    stmt = select(
        Enterprise.county_code,
        func.count(),
        func.sum(cast(case((incomplete, 0), else_=1), Integer)),
        *(func.sum(cast(case((blank, 1), else_=0), Integer)) for blank in blanks),
    ).where(Enterprise.status != EnterpriseStatus.closed.value)
    stmt = scope_enterprises(stmt, actor).group_by(Enterprise.county_code)
    by_county = {row[0]: row[1:] for row in (await session.exec(stmt)).all()}
    counties_stmt = in_scope(
        select(Jurisdiction).where(Jurisdiction.level == "county"), Jurisdiction.code, actor
    ).order_by(Jurisdiction.code)
    counties = []
    for county in (await session.exec(counties_stmt)).all():
        counts = by_county.get(county.code) or (0, 0, *(0 for _ in REQUIRED_FIELDS))
        counties.append(_line(county.code, county.name, counts))
    totals = [sum(int(c[i] or 0) for c in by_county.values()) for i in range(2 + len(REQUIRED_FIELDS))]
    return CompletenessReport(
        required_fields=[RequiredField(field=name, label=BY_KEY[name].header) for name in REQUIRED_FIELDS],
        counties=counties,
        total=_line("", "合计", totals),
    )


def _line(code: str, name: str, counts: Any) -> CountyCompleteness:
    enterprises, complete, *missing = (int(c or 0) for c in counts)
    return CountyCompleteness(
        county_code=code,
        county_name=name,
        enterprises=enterprises,
        complete=complete,
        complete_share=round(complete / enterprises, 4) if enterprises else 1.0,
        missing={name: n for name, n in zip(REQUIRED_FIELDS, missing, strict=True) if n},
    )
