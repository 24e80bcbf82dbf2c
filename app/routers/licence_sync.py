from typing import Annotated

from fastapi import Path, Response

from app.core.db import SessionDep
from app.core.deps import Allowed, Today
from app.core.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable, error_responses
from app.core.paging import OffsetPaging
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.domain.statuses import SyncDirection
from app.schemas.common import Page
from app.schemas.licence import LicenceRead
from app.schemas.licence_sync import LicencePush, LicencePushResult, LicenceSyncBatch, LicenceSyncRunRead
from app.services.ledger import licence_sync as service

router = resource_router("licences")
Writer = Allowed(Permission.LICENCES_WRITE)
RunReader = Allowed(Permission.LICENCE_SYNC_READ)
ERRORS = error_responses(Unauthorized, Forbidden, Conflict, Unprocessable)


@router.put(
    "/licences/by-number/{licence_no}",
    response_model=LicencePushResult,
    responses={201: {"model": LicencePushResult, "description": "created"}, **ERRORS},
)
async def push_licence(
    licence_no: Annotated[
        str,
        Path(
            max_length=40,
            pattern=r"^[^\x00-\x1f]+$",
            description="许可证编号 as printed, e.g. 新XK16-204-00397, (新)XK16-204-00397, XK16—204—00397",
        ),
    ],
    body: LicencePush,
    actor: Writer,
    session: SessionDep,
    response: Response,
    today: Today,
) -> LicencePushResult:
    """Licensing system → ledger: create or update the licence with this number in any printed form (201/200)."""
    licence, outcome = await service.push_licence(session, actor, licence_no, body, today=today)
    if outcome == "created":
        response.status_code = 201
    return LicencePushResult(outcome=outcome, licence=LicenceRead.model_validate(licence))


@router.post("/licences/sync", response_model=LicenceSyncRunRead, responses=ERRORS)
async def sync_licences(body: LicenceSyncBatch, actor: Writer, session: SessionDep, today: Today) -> LicenceSyncRunRead:
    """A batch of licences, all or nothing: any bad row → 422 with every problem at ["rows", i, field]."""
    return LicenceSyncRunRead.model_validate(await service.sync_batch(session, actor, body.rows, today=today))


@router.get(
    "/licence-sync-runs",
    response_model=Page[LicenceSyncRunRead],
    responses=error_responses(Unauthorized, Forbidden, NotFound, Unprocessable),
)
async def list_licence_sync_runs(
    actor: RunReader,
    session: SessionDep,
    page: OffsetPaging,
    direction: SyncDirection | None = None,
) -> Page[LicenceSyncRunRead]:
    """Exchanges with the licensing system, newest first, with what failed and why."""
    window = await service.list_runs(session, direction=direction, page=page)
    return Page.of(window, page, LicenceSyncRunRead.model_validate)
