"""A finding's events, each carrying the finding as GET /api/v1/findings/{id} returns it."""

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Finding
from app.services import events


async def announce(session: AsyncSession, type: str, finding: Finding, today: date) -> None:
    from app.services.findings.findings import present_detail  # findings imports levels, which announces

    detail = await present_detail(session, finding, today)
    await events.emit(session, type, f"/api/v1/findings/{finding.id}", detail, finding.county_code)
