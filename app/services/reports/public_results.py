"""The public page of inspection results: published, non-withdrawn entries only, public fields only."""

from datetime import date

from sqlalchemy import and_, case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.paging import PageQuery, Window
from app.domain.checklist import Conclusion
from app.domain.reporting import rectification_status
from app.domain.visit_types import VisitType
from app.models import DisclosureEntry, Finding, Jurisdiction
from app.schemas.disclosure import PublicInspectionResult
from app.services.common.paging import paginate


async def public_results(
    session: AsyncSession,
    *,
    today: date,
    county_code: str | None,
    prefecture_code: str | None,
    year: int | None,
    q: str | None,
    page: PageQuery,
) -> Window[PublicInspectionResult]:
    stmt = select(DisclosureEntry).where(col(DisclosureEntry.withdrawn_at).is_(None))
    if county_code:
        stmt = stmt.where(DisclosureEntry.county_code == county_code)
    if prefecture_code:
        counties = select(Jurisdiction.code).where(Jurisdiction.parent_code == prefecture_code)
        stmt = stmt.where(col(DisclosureEntry.county_code).in_(counties))
    if year:
        stmt = stmt.where(
            col(DisclosureEntry.visit_date) >= date(year, 1, 1), col(DisclosureEntry.visit_date) <= date(year, 12, 31)
        )
    if q:
        stmt = stmt.where(col(DisclosureEntry.enterprise_name).contains(q) | (DisclosureEntry.credit_code == q.upper()))
    stmt = stmt.order_by(col(DisclosureEntry.visit_date).desc(), col(DisclosureEntry.id))
    window = await paginate(session, stmt, page)
    open_finding = Finding.status != "closed"
    loops = {
        visit_id: (n, n_open, n_overdue)
        for visit_id, n, n_open, n_overdue in (
            await session.exec(
                select(
                    Finding.visit_id,
                    func.count(),
                    func.sum(case((open_finding, 1), else_=0)),
                    func.sum(case((and_(open_finding, col(Finding.deadline) < today), 1), else_=0)),
                )
                .where(col(Finding.visit_id).in_([e.visit_id for e in window.items]))
                .group_by(Finding.visit_id)
            )
        ).all()
    }
    return window.map(
        lambda e: PublicInspectionResult(
            enterprise_name=e.enterprise_name,
            credit_code=e.credit_code,
            county_name=e.county_name,
            visit_date=e.visit_date,
            visit_type=VisitType(e.visit_type),
            conclusion=Conclusion(e.conclusion) if e.conclusion else None,
            rectification_status=rectification_status(*(int(v or 0) for v in loops.get(e.visit_id, (0, 0, 0)))),
        )
    )
