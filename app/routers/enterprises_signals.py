"""Risk signals of an enterprise (举报投诉, 风险监测, 监督抽查, 无证生产): the inputs of escalation."""

import uuid

from fastapi import Response

from app.core.db import SessionDep
from app.core.deps import Allowed, Today
from app.core.errors import COMMON_ERRORS
from app.core.paging import OffsetPaging, Window
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.schemas.common import Page
from app.schemas.signal import SignalCreate, SignalRead
from app.services.ledger import signals as service

router = resource_router("signals", "/enterprises/{enterprise_id}/signals")
Reader = Allowed(Permission.ENTERPRISES_READ)
Writer = Allowed(Permission.SIGNALS_WRITE)


@router.get("", response_model=Page[SignalRead], responses=COMMON_ERRORS)
async def list_enterprise_signals(
    enterprise_id: uuid.UUID,
    actor: Reader,
    session: SessionDep,
    page: OffsetPaging,
    is_open: bool | None = None,
) -> Page[SignalRead]:
    """The enterprise's risk signals, newest first."""
    signals = await service.list_signals(session, actor, enterprise_id, is_open=is_open)
    return Page.of(Window.cut(signals, page), page, SignalRead.model_validate)


@router.post("", status_code=201, response_model=SignalRead, responses=COMMON_ERRORS)
async def create_enterprise_signal(
    enterprise_id: uuid.UUID,
    body: SignalCreate,
    actor: Writer,
    session: SessionDep,
    response: Response,
    today: Today,
) -> SignalRead:
    """Record a signal; the enterprise's line in this year's plan is recomputed."""
    signal = await service.create_signal(session, actor, enterprise_id, body, today=today)
    response.headers["Location"] = f"/api/v1/enterprises/{enterprise_id}/signals/{signal.id}"
    return SignalRead.model_validate(signal)
