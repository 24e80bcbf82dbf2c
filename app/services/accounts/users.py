"""User administration (三权分立, app/domain/accounts.py): the system administrator keeps the staff's accounts, a
county admin its own inspectors; the security administrator assigns roles and clears lockouts."""

import uuid

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.config import Settings
from app.core.errors import Conflict, Forbidden, NotFound
from app.core.paging import PageQuery, Window
from app.core.security import hash_password
from app.domain.accounts import may_assign_role, may_clear_lock, may_manage_account
from app.domain.errors import Message, Problem, RuleViolation
from app.domain.permissions import Role
from app.models import Jurisdiction, User
from app.models.base import utcnow
from app.schemas.user import RoleAssignment, UserCreate, UserFilter, UserUpdate
from app.services.accounts import two_factor
from app.services.accounts.passwords import check_password_policy, revoke_refresh_tokens, set_password
from app.services.common import audit
from app.services.common.access import in_scope, one_or_404, require_in_reach
from app.services.common.paging import paginate


def _node():  # noqa: ANN202
    """An account's node: its county, or the prefecture or region it belongs to."""
    return func.coalesce(User.county_code, User.jurisdiction_code)


async def get_user(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> User:
    stmt = in_scope(select(User).where(User.id == user_id), _node(), actor)
    return await one_or_404(session, stmt, Message("user_not_found"))


async def user_by_username(session: AsyncSession, username: str) -> User:
    """For the command line, which names accounts as people do."""
    return await one_or_404(session, select(User).where(User.username == username), Message("user_not_found"))


async def list_users(
    session: AsyncSession,
    actor: Actor,
    *,
    f: UserFilter,
    page: PageQuery,
) -> Window[User]:
    stmt = in_scope(select(User), _node(), actor)
    if f.county_code:
        stmt = stmt.where(User.county_code == f.county_code)
    if f.role:
        stmt = stmt.where(User.role == f.role.value)
    if f.q:
        like = f"%{f.q}%"
        stmt = stmt.where(col(User.username).ilike(like) | col(User.full_name).ilike(like))
    return await paginate(session, stmt.order_by(User.username), page)


def _may_manage(actor: Actor, role: Role) -> None:
    if actor.kind == "system":
        return  # the command line: whoever holds the server appoints the administrators of an installation
    if actor.is_county_bound and not may_manage_account(actor.role, role):
        raise Forbidden(Message("county_admin_manages_own_inspectors_only"))
    if not may_manage_account(actor.role, role):
        raise Forbidden(Message("role_not_manageable", role=role))


def _not_a_machine(role: Role) -> None:
    if role is Role.SERVICE:
        raise RuleViolation([Problem(("role",), "use_service_accounts_endpoint")])


async def _node_for(
    session: AsyncSession, actor: Actor, role: Role, county_code: str | None, jurisdiction_code: str | None
) -> str | None:
    """The node the account will belong to: its county for a county role; else the node named (a prefecture
    for prefecture roles, the region for region roles), by default the only one of that level in the caller's
    reach, or the caller's own node. A node outside the caller's subtree is 404."""
    _not_a_machine(role)
    if actor.is_county_bound and county_code != actor.county_code:
        raise NotFound(Message("county_not_found_in_jurisdiction"))
    if role.is_county_bound:
        if not county_code:
            raise RuleViolation([Problem(("county_code",), "county_role_needs_county")])
        if jurisdiction_code not in (None, county_code):
            raise RuleViolation([Problem(("jurisdiction_code",), "county_role_node_is_its_county")])
        await require_in_reach(session, actor, county_code)
        return county_code
    if county_code is not None:
        raise RuleViolation([Problem(("county_code",), "prefecture_role_has_no_county")])
    if jurisdiction_code is None and role.level is None:
        return actor.node_code
    reach = in_scope(select(Jurisdiction.code, Jurisdiction.level), Jurisdiction.code, actor)
    if jurisdiction_code is None:
        candidates = (await session.exec(reach.where(Jurisdiction.level == role.level))).all()
        if len(candidates) != 1:
            raise RuleViolation([Problem(("jurisdiction_code",), "jurisdiction_code_required")])
        return candidates[0][0]
    found = (await session.exec(reach.where(Jurisdiction.code == jurisdiction_code))).first()
    if found is None:
        raise NotFound(Message("jurisdiction_not_found_in_jurisdiction"))
    if role.level is not None and found[1] != role.level:
        raise RuleViolation([Problem(("jurisdiction_code",), "role_needs_node_level", role=role, level=role.level)])
    return jurisdiction_code


async def create_user(session: AsyncSession, actor: Actor, data: UserCreate) -> User:
    _not_a_machine(data.role)
    _may_manage(actor, data.role)
    node = await _node_for(session, actor, data.role, data.county_code, data.jurisdiction_code)
    check_password_policy(data.password, loc="password", personal=(data.username, data.full_name))
    taken = (await session.exec(select(User.id).where(User.username == data.username))).first()
    if taken:
        raise Conflict(Message("username_taken", username=data.username))
    user = User(
        **data.model_dump(exclude={"password", "role", "jurisdiction_code"}),
        role=data.role.value,
        jurisdiction_code=node,
        password_hash=hash_password(data.password),
        password_must_change=True,  # the administrator knows it: the account chooses its own at first sign-in
    )
    await audit.record_create(session, actor, user, county_code=user.county_code)
    return user


async def update_user(session: AsyncSession, actor: Actor, user_id: uuid.UUID, data: UserUpdate) -> User:
    user = await get_user(session, actor, user_id)
    _may_manage(actor, Role(user.role))
    before = audit.snapshot(user)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("is_active") is False and user.id == actor.user_id:
        raise RuleViolation([Problem(("is_active",), "own_account_deactivation_refused")])
    for name, value in changes.items():
        setattr(user, name, value)
    if (
        user.credential_valid_from
        and user.credential_valid_until
        and (user.credential_valid_until < user.credential_valid_from)
    ):
        raise RuleViolation([Problem(("credential_valid_until",), "credential_ends_before_starts")])
    if changes.get("is_active") is False:
        user.token_version += 1  # deactivation ends every session at once
    user.updated_at = utcnow()
    session.add(user)
    await session.flush()
    old, new = audit.diff(before, audit.snapshot(user))
    await audit.record(
        session, actor, "user.update", "user", user.id, county_code=user.county_code, before=old, after=new
    )
    return user


async def reset_password(
    session: AsyncSession, settings: Settings, actor: Actor, user_id: uuid.UUID, new_password: str
) -> User:
    user = await get_user(session, actor, user_id)
    _may_manage(actor, Role(user.role))
    await set_password(session, settings, user, new_password, must_change=True)
    await audit.record(session, actor, "user.password_reset", "user", user.id, county_code=user.county_code)
    return user


async def assign_role(session: AsyncSession, actor: Actor, user_id: uuid.UUID, data: RoleAssignment) -> User:
    """Move an account to another business role (and county); it holds one role, so never two duties at once."""
    user = await get_user(session, actor, user_id)
    if actor.kind != "system" and not may_assign_role(
        actor.role, Role(user.role), data.role, own_account=user.id == actor.user_id
    ):
        raise Forbidden(Message("role_change_refused", current_role=Role(user.role), new_role=data.role))
    node = await _node_for(session, actor, data.role, data.county_code, data.jurisdiction_code)
    before = {"role": user.role, "county_code": user.county_code, "jurisdiction_code": user.jurisdiction_code}
    user.role, user.county_code, user.jurisdiction_code = data.role.value, data.county_code, node
    user.updated_at = utcnow()
    session.add(user)
    await session.flush()
    await audit.record(
        session,
        actor,
        "user.role_change",
        "user",
        user.id,
        county_code=user.county_code or before["county_code"],
        before=before,
        after={"role": user.role, "county_code": user.county_code, "jurisdiction_code": node},
    )
    return user


async def unlock_user(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> User:
    user = await get_user(session, actor, user_id)
    if not may_clear_lock(actor.role, Role(user.role), own_account=user.id == actor.user_id):
        raise Forbidden(Message("unlock_refused"))
    before = {"locked_until": user.locked_until, "failed_logins": user.failed_logins}
    user.locked_until = None
    user.failed_logins = 0
    session.add(user)
    await audit.record(
        session,
        actor,
        "user.unlock",
        "user",
        user.id,
        county_code=user.county_code,
        before=before,
        after={"locked_until": None, "failed_logins": 0},
    )
    return user


async def reset_two_factor(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> None:
    """A security administrator removes a user's authenticator (lost phone); every session of theirs ends."""
    user = await get_user(session, actor, user_id)
    if user.id == actor.user_id:  # a stolen session must not swap in its own authenticator
        raise RuleViolation([Problem(("user_id",), "own_two_factor_reset_refused")])
    if not may_clear_lock(actor.role, Role(user.role), own_account=False):  # who lifts a lock resets a factor
        raise Forbidden(Message("two_factor_reset_refused"))
    await two_factor.reset(session, actor=actor, user=user)
    await revoke_refresh_tokens(session, user)
