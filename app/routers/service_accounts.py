import uuid

from app.core import idempotency
from app.core.db import SessionDep
from app.core.deps import Allowed
from app.core.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable, error_responses
from app.core.paging import OffsetPaging, Window
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.schemas.common import Page
from app.schemas.service_account import ServiceAccountCreate, ServiceAccountCreated, ServiceAccountRead
from app.services.accounts import service_accounts as service

router = resource_router("service-accounts", "/service-accounts")
Admin = Allowed(Permission.SERVICE_ACCOUNTS_WRITE)


@router.get("", response_model=Page[ServiceAccountRead], responses=error_responses(Unauthorized, Forbidden))
async def list_service_accounts(actor: Admin, session: SessionDep, page: OffsetPaging) -> Page[ServiceAccountRead]:
    """Every service account (keys are never shown again)."""
    accounts = await service.list_service_accounts(session, actor)
    return Page.of(Window.cut(accounts, page), page, ServiceAccountRead.model_validate)


@router.post(
    "",
    status_code=201,
    response_model=ServiceAccountCreated,
    responses=error_responses(Unauthorized, Forbidden, Conflict, Unprocessable),
)
@idempotency.exempt
async def create_service_account(
    body: ServiceAccountCreate, actor: Admin, session: SessionDep
) -> ServiceAccountCreated:
    """Create a machine client; the response holds its API key, shown this once."""
    account, key = await service.create_service_account(session, actor, body)
    return ServiceAccountCreated(**ServiceAccountRead.model_validate(account).model_dump(), api_key=key)


@router.post(
    "/{account_id}/revoke",
    response_model=ServiceAccountRead,
    responses=error_responses(Unauthorized, Forbidden, NotFound),
)
async def revoke_service_account(account_id: uuid.UUID, actor: Admin, session: SessionDep) -> ServiceAccountRead:
    """Disable a key at once."""
    return ServiceAccountRead.model_validate(await service.revoke_service_account(session, actor, account_id))
