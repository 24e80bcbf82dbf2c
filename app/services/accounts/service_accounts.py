"""Machine clients: an API key shown once, stored hashed, limited to the scopes it was granted."""

import uuid

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Conflict, NotFound
from app.core.security import new_api_key
from app.domain.errors import Message, Problem, RuleViolation
from app.domain.permissions import SERVICE_SCOPES
from app.models import ServiceAccount
from app.schemas.service_account import ServiceAccountCreate
from app.services.common import audit
from app.services.common.jurisdictions import county_exists


async def create_service_account(
    session: AsyncSession, actor: Actor, data: ServiceAccountCreate
) -> tuple[ServiceAccount, str]:
    allowed = {s.value for s in SERVICE_SCOPES}
    problems = [
        Problem(
            ("scopes", i),
            "scope_not_grantable",
            s=s,
            allowed=", ".join(sorted(allowed)),
        )
        for i, s in enumerate(data.scopes)
        if s not in allowed
    ]
    if data.county_code is not None and not await county_exists(session, data.county_code):
        problems.append(Problem(("county_code",), "unknown_county", county_code=data.county_code))
    if problems:
        raise RuleViolation(problems)
    if (await session.exec(select(ServiceAccount.id).where(ServiceAccount.name == data.name))).first():
        raise Conflict(Message("name_taken", name=data.name))
    key, prefix, key_hash = new_api_key()
    account = ServiceAccount(
        name=data.name,
        scopes=sorted(set(data.scopes)),
        county_code=data.county_code,
        key_prefix=prefix,
        key_hash=key_hash,
        created_by_id=actor.id,
    )
    await audit.record_create(session, actor, account, county_code=account.county_code)
    return account, key


async def list_service_accounts(session: AsyncSession) -> list[ServiceAccount]:
    return list((await session.exec(select(ServiceAccount).order_by(ServiceAccount.name))).all())


async def revoke_service_account(session: AsyncSession, actor: Actor, account_id: uuid.UUID) -> ServiceAccount:
    account = await session.get(ServiceAccount, account_id)
    if account is None:
        raise NotFound(Message("service_account_not_found"))
    account.is_active = False
    session.add(account)
    await audit.record(
        session,
        actor,
        "service_account.revoke",
        "service_account",
        account.id,
        before={"is_active": True},
        after={"is_active": False},
    )
    return account
