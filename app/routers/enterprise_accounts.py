"""Enterprise accounts (issue 18): the county invites a manufacturer's staff; the code opens an account bound to
that one enterprise."""

import uuid

from fastapi import APIRouter, Depends

from app.core.db import SessionDep
from app.core.deps import Allowed, Now
from app.core.errors import COMMON_ERRORS, Conflict, TooManyRequests, Unprocessable, error_responses
from app.core.ratelimit import limit_logins
from app.domain.permissions import Permission
from app.schemas.portal import EnterpriseAccountRead, InvitationAccept, InvitationCreated
from app.services.accounts import invitations

router = APIRouter(prefix="/api/v1", tags=["enterprise-accounts"])
Inviter = Allowed(Permission.ENTERPRISE_ACCOUNTS_INVITE)


@router.post(
    "/enterprises/{enterprise_id}/invitations",
    status_code=201,
    response_model=InvitationCreated,
    responses=COMMON_ERRORS,
)
async def invite_enterprise_account(
    enterprise_id: uuid.UUID, actor: Inviter, session: SessionDep, now: Now
) -> InvitationCreated:
    """A one-time invitation code for the enterprise's staff (shown once; it expires)."""
    invitation, code = await invitations.invite(session, actor, enterprise_id, now=now)
    return InvitationCreated(
        id=invitation.id, enterprise_id=invitation.enterprise_id, code=code, expires_at=invitation.expires_at
    )


@router.post(
    "/auth/invitations/accept",
    status_code=201,
    response_model=EnterpriseAccountRead,
    responses=error_responses(Conflict, Unprocessable, TooManyRequests),
    dependencies=[Depends(limit_logins)],
)
async def accept_invitation(body: InvitationAccept, session: SessionDep, now: Now) -> EnterpriseAccountRead:
    """Open the enterprise account an invitation code was issued for (the code is spent); then sign in as usual."""
    return EnterpriseAccountRead.model_validate(await invitations.accept(session, body, now=now))
