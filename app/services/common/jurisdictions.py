from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Jurisdiction


async def list_jurisdictions(session: AsyncSession) -> list[Jurisdiction]:
    return list((await session.exec(select(Jurisdiction).order_by(Jurisdiction.code))).all())


async def county_exists(session: AsyncSession, code: str) -> bool:
    found = await session.get(Jurisdiction, code)
    return found is not None and found.level == "county"
