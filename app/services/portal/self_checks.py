"""Self-checks an enterprise files (日管控、周排查、月调度): one record per kind and period, with a small form of
its kind and files it uploaded."""

from datetime import date

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Conflict, NotFound
from app.core.paging import PageQuery, Window
from app.domain.errors import Message
from app.domain.self_checks import SelfCheckKind, check_period
from app.models import SelfCheck
from app.schemas.portal import SelfCheckCreate
from app.services.common import audit
from app.services.common.paging import paginate
from app.services.ledger import get_enterprise
from app.services.portal.files import files_of_enterprise


async def file_self_check(session: AsyncSession, actor: Actor, data: SelfCheckCreate, *, today: date) -> SelfCheck:
    if actor.enterprise_id is None:
        raise NotFound(Message("enterprise_not_found"))
    enterprise = await get_enterprise(session, actor, actor.enterprise_id)
    kind = SelfCheckKind(data.form.kind)
    start = check_period(kind, data.day, today=today)
    taken = select(SelfCheck.id).where(
        SelfCheck.enterprise_id == enterprise.id, SelfCheck.kind == kind.value, SelfCheck.period_start == start
    )
    if (await session.exec(taken)).first() is not None:
        raise Conflict(Message("self_check_already_filed", kind=kind, period_start=start.isoformat()))
    record = SelfCheck(
        enterprise_id=enterprise.id,
        county_code=enterprise.county_code,
        kind=kind.value,
        period_start=start,
        form=data.form.model_dump(mode="json", exclude={"kind"}),
        note=data.note,
        file_ids=await files_of_enterprise(session, enterprise.id, data.file_ids),
        filed_by_id=actor.user_id,
    )
    await audit.record_create(session, actor, record, county_code=record.county_code)
    return record


async def list_own_self_checks(
    session: AsyncSession, actor: Actor, *, kind: SelfCheckKind | None, page: PageQuery
) -> Window[SelfCheck]:
    if actor.enterprise_id is None:
        raise NotFound(Message("enterprise_not_found"))
    stmt = select(SelfCheck).where(SelfCheck.enterprise_id == actor.enterprise_id)
    if kind is not None:
        stmt = stmt.where(SelfCheck.kind == kind.value)
    stmt = stmt.order_by(col(SelfCheck.period_start).desc(), col(SelfCheck.kind))
    return await paginate(session, stmt, page)
