"""Enterprise accounts (issue 18): the county invites a manufacturer's staff with a one-time code that expires;
whoever holds the code opens an account bound to that one enterprise, under the enterprise password policy.

Only the code's SHA-256 is kept. Every refused code — unknown, used, expired — gets the one answer, so the
endpoint tells nothing about which codes exist.
"""

import uuid
from datetime import datetime, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor, actor_for_user
from app.core.errors import Conflict
from app.core.security import hash_password, new_opaque_token, sha256_hex
from app.domain.accounts import INVITATION_VALID_DAYS
from app.domain.errors import Message, Problem, RuleViolation
from app.domain.permissions import Role
from app.models import Enterprise, EnterpriseInvitation, User
from app.schemas.portal import InvitationAccept
from app.services.accounts.passwords import check_password_policy
from app.services.common import audit
from app.services.ledger import get_enterprise

REFUSED = Message("invitation_code_refused")


async def invite(
    session: AsyncSession, actor: Actor, enterprise_id: uuid.UUID, *, now: datetime
) -> tuple[EnterpriseInvitation, str]:
    """A new code for an enterprise the caller may see; the code itself is returned once and never stored."""
    enterprise = await get_enterprise(session, actor, enterprise_id)
    code = new_opaque_token()
    invitation = EnterpriseInvitation(
        enterprise_id=enterprise.id,
        county_code=enterprise.county_code,
        code_hash=sha256_hex(code),
        expires_at=now + timedelta(days=INVITATION_VALID_DAYS),
        created_by_id=actor.user_id,
    )
    await audit.record_create(session, actor, invitation, county_code=invitation.county_code)
    return invitation, code


async def accept(session: AsyncSession, data: InvitationAccept, *, now: datetime) -> User:
    """Open the enterprise account the code was issued for; the code is spent."""
    stmt = select(EnterpriseInvitation).where(EnterpriseInvitation.code_hash == sha256_hex(data.code))
    invitation = (await session.exec(stmt.with_for_update())).first()
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now:
        raise RuleViolation([Problem(("code",), REFUSED)])
    role = Role.ENTERPRISE_USER
    check_password_policy(data.password, loc="password", personal=(data.username, data.full_name), role=role)
    if (await session.exec(select(User.id).where(User.username == data.username))).first():
        raise Conflict(Message("username_taken", username=data.username))
    enterprise = await session.get(Enterprise, invitation.enterprise_id)
    assert enterprise is not None  # a foreign key
    user = User(
        username=data.username,
        full_name=data.full_name,
        role=role.value,
        county_code=enterprise.county_code,
        enterprise_id=enterprise.id,
        password_hash=hash_password(data.password),
    )
    session.add(user)
    await session.flush()
    actor = actor_for_user(user)
    await audit.record_create(session, actor, user, county_code=user.county_code)
    invitation.used_at = now
    invitation.used_by_id = user.id
    session.add(invitation)
    await audit.record(
        session, actor, "enterprise_invitation.accept", "enterprise_invitation", invitation.id,
        county_code=invitation.county_code, after={"used_by_id": user.id, "enterprise_id": enterprise.id},
    )  # fmt: skip
    return user
