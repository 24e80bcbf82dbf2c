"""User administration: the prefecture manages everyone, a county admin only its own county's inspectors."""

import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.config import Settings
from app.core.errors import Conflict, Forbidden, NotFound
from app.core.security import hash_password
from app.domain.errors import Problem, RuleViolation
from app.domain.permissions import ROLES_A_COUNTY_ADMIN_MAY_MANAGE, Role
from app.models import User
from app.models.base import utcnow
from app.schemas.user import UserCreate, UserUpdate
from app.services.accounts import two_factor
from app.services.accounts.passwords import check_password_policy, revoke_refresh_tokens, set_password
from app.services.common import audit
from app.services.common.access import one_or_404
from app.services.common.jurisdictions import county_exists
from app.services.common.paging import in_jurisdiction, paginate


async def get_user(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> User:
    stmt = in_jurisdiction(select(User).where(User.id == user_id), User.county_code, actor.county_code)
    return await one_or_404(session, stmt, "用户不存在 (user not found)")


async def list_users(
    session: AsyncSession,
    actor: Actor,
    *,
    county_code: str | None,
    role: Role | None,
    q: str | None,
    limit: int,
    offset: int,
) -> tuple[list[User], int]:
    stmt = in_jurisdiction(select(User), User.county_code, actor.county_code)
    if county_code:
        stmt = stmt.where(User.county_code == county_code)
    if role:
        stmt = stmt.where(User.role == role.value)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(col(User.username).ilike(like) | col(User.full_name).ilike(like))
    return await paginate(session, stmt.order_by(User.username), limit=limit, offset=offset)


def _may_manage(actor: Actor, role: Role) -> None:
    if actor.is_county_bound and role not in ROLES_A_COUNTY_ADMIN_MAY_MANAGE:
        raise Forbidden("县（市）局管理员只能管理本县执法人员 (county admins manage their own inspectors only)")


async def _check_role_and_county(session: AsyncSession, actor: Actor, role: Role, county_code: str | None) -> None:
    if role is Role.SERVICE:
        raise RuleViolation([Problem(("role",), "系统对接账号请通过 /service-accounts 创建 (use /service-accounts)")])
    if actor.is_county_bound and county_code != actor.county_code:
        raise NotFound("县（市）不存在或不在您的管辖范围 (county not found in your jurisdiction)")
    if role.is_county_bound and not county_code:
        raise RuleViolation([Problem(("county_code",), "县（市）级账号必须指定县（市）(county role needs a county)")])
    if not role.is_county_bound and county_code is not None:
        raise RuleViolation([Problem(("county_code",), "地区级账号不属于任何县（市）(prefecture role has no county)")])
    if county_code is not None and not await county_exists(session, county_code):
        raise RuleViolation([Problem(("county_code",), f"县（市）代码不存在: {county_code} (unknown county)")])


async def create_user(session: AsyncSession, actor: Actor, data: UserCreate) -> User:
    _may_manage(actor, data.role)
    await _check_role_and_county(session, actor, data.role, data.county_code)
    check_password_policy(data.password, loc="password", personal=(data.username, data.full_name))
    taken = (await session.exec(select(User.id).where(User.username == data.username))).first()
    if taken:
        raise Conflict(f"用户名已存在: {data.username} (username taken)")
    user = User(
        **data.model_dump(exclude={"password", "role"}),
        role=data.role.value,
        password_hash=hash_password(data.password),
    )
    await audit.record_create(session, actor, user, county_code=user.county_code)
    return user


async def update_user(session: AsyncSession, actor: Actor, user_id: uuid.UUID, data: UserUpdate) -> User:
    user = await get_user(session, actor, user_id)
    _may_manage(actor, Role(user.role))
    before = audit.snapshot(user)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("is_active") is False and user.id == actor.user_id:
        raise RuleViolation([Problem(("is_active",), "不能停用本人账户 (you cannot deactivate your own account)")])
    for name, value in changes.items():
        setattr(user, name, value)
    if (
        user.credential_valid_from
        and user.credential_valid_until
        and (user.credential_valid_until < user.credential_valid_from)
    ):
        raise RuleViolation(
            [Problem(("credential_valid_until",), "执法证有效期截止日早于起始日 (ends before it starts)")]
        )
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
    await set_password(session, settings, user, new_password)
    await audit.record(session, actor, "user.password_reset", "user", user.id, county_code=user.county_code)
    return user


async def unlock_user(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> User:
    user = await get_user(session, actor, user_id)
    _may_manage(actor, Role(user.role))
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
    _may_manage(actor, Role(user.role))
    if user.id == actor.user_id:  # a stolen session must not swap in its own authenticator
        raise RuleViolation(
            [Problem(("user_id",), "不能重置本人的双因素认证，请由另一位安全管理员操作 (ask another administrator)")]
        )
    await two_factor.reset(session, actor=actor, user=user)
    await revoke_refresh_tokens(session, user)
