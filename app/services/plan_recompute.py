"""When new risk arrives during the year (a failed sampling, a substantiated complaint, a licence about to
expire), the enterprise's line in the issued plan rises automatically, as an adjustment by the system."""

import uuid
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession


async def recompute_for_enterprise(session: AsyncSession, enterprise_id: uuid.UUID, *, today: date) -> None:
    """Raise the enterprise's line in this year's issued plan if the domain rule now asks for more visits.

    Called by the ledger services after a signal, licence, risk class or key-flag change. Plans are built in
    app/services/plans*; until a plan exists for `today.year` there is nothing to raise.
    """
    return None
