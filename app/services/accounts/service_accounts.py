"""Machine clients: an API key shown once, stored hashed, limited to the scopes it was granted."""

import uuid

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.errors import Conflict
from app.core.security import new_api_key
from app.domain.errors import Message, Problem, RuleViolation
from app.domain.permissions import SERVICE_SCOPES
from app.models import ServiceAccount
from app.schemas.service_account import ServiceAccountCreate
from app.services.common import audit
from app.services.common.access import in_scope, one_or_404, require_in_reach


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
    if problems:
        raise RuleViolation(problems)
    if data.county_code is not None:
        await require_in_reach(session, actor, data.county_code)
    if (await session.exec(select(ServiceAccount.id).where(ServiceAccount.name == data.name))).first():
        raise Conflict(Message("name_taken", name=data.name))
    key, prefix, key_hash = new_api_key()
    account = ServiceAccount(
        name=data.name,
        scopes=sorted(set(data.scopes)),
        county_code=data.county_code,
        jurisdiction_code=data.county_code or actor.node_code,  # a key sees no more than who made it
        key_prefix=prefix,
        key_hash=key_hash,
        created_by_id=actor.id,
    )
    await audit.record_create(session, actor, account, county_code=account.county_code)
    return account, key


def _in_reach(stmt, actor: Actor):  # noqa: ANN001, ANN202
    node = func.coalesce(ServiceAccount.county_code, ServiceAccount.jurisdiction_code)
    return in_scope(stmt, node, actor)


async def list_service_accounts(session: AsyncSession, actor: Actor) -> list[ServiceAccount]:
    stmt = _in_reach(select(ServiceAccount), actor).order_by(ServiceAccount.name)
    return list((await session.exec(stmt)).all())


async def revoke_service_account(session: AsyncSession, actor: Actor, account_id: uuid.UUID) -> ServiceAccount:
    stmt = _in_reach(select(ServiceAccount).where(ServiceAccount.id == account_id), actor)
    account = await one_or_404(session, stmt, Message("service_account_not_found"))
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
