"""Sign-in, token refresh with rotation, logout, password change: 等保三级 expectations."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor, actor_for_user
from app.core.config import Settings
from app.core.errors import AccountLocked, InvalidCredentials, Unauthorized
from app.core.security import (
    burn_password_check,
    create_access_token,
    hash_password,
    new_opaque_token,
    sha256_hex,
    verify_password,
)
from app.domain.errors import Problem, RuleViolation
from app.domain.permissions import password_problems
from app.models import RefreshToken, RevokedAccessToken, User
from app.models.base import utcnow
from app.services.common import audit


class RefreshTokenReused(Unauthorized):
    code = "refresh-token-reused"
    title = "刷新令牌已使用，会话已全部注销 (refresh token reused; the session was revoked)"
    keep_changes = True


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


async def _issue(session: AsyncSession, settings: Settings, user: User, family_id: uuid.UUID) -> TokenPair:
    access, access_exp = create_access_token(settings, user.id, user.token_version)
    refresh = new_opaque_token()
    refresh_exp = utcnow() + timedelta(days=settings.refresh_token_days)
    session.add(
        RefreshToken(user_id=user.id, family_id=family_id, token_hash=sha256_hex(refresh), expires_at=refresh_exp)
    )
    await session.flush()
    return TokenPair(access, access_exp, refresh, refresh_exp)


async def login(session: AsyncSession, settings: Settings, username: str, password: str) -> TokenPair:
    user = (await session.exec(select(User).where(User.username == username))).first()
    now = utcnow()
    if user is None or not user.is_active:
        burn_password_check(password)
        await audit.record(session, None, "auth.login_failed", "user", actor_name=username[:64])
        raise InvalidCredentials()
    if user.locked_until and user.locked_until > now:
        await audit.record(session, actor_for_user(user), "auth.login_refused_locked", "user", user.id)
        raise AccountLocked(f"账户已锁定至 {user.locked_until.isoformat(timespec='minutes')} (account locked)")
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        locked = user.failed_logins >= settings.max_failed_logins
        if locked:
            user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            user.failed_logins = 0
        session.add(user)
        await audit.record(
            session,
            actor_for_user(user),
            "auth.login_failed",
            "user",
            user.id,
            county_code=user.county_code,
            after={"locked_until": user.locked_until} if locked else None,
        )
        if locked:
            raise AccountLocked(
                f"连续{settings.max_failed_logins}次登录失败，账户锁定{settings.lockout_minutes}分钟 (account locked)"
            )
        raise InvalidCredentials()
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    await audit.record(session, actor_for_user(user), "auth.login", "user", user.id, county_code=user.county_code)
    return await _issue(session, settings, user, uuid.uuid4())


async def refresh(session: AsyncSession, settings: Settings, token: str) -> TokenPair:
    now = utcnow()
    stored = (await session.exec(select(RefreshToken).where(RefreshToken.token_hash == sha256_hex(token)))).first()
    if stored is None or stored.revoked_at is not None or stored.expires_at <= now:
        raise Unauthorized("刷新令牌无效或已过期 (refresh token invalid or expired)")
    user = await session.get(User, stored.user_id)
    if stored.used_at is not None:
        await _revoke_refresh(session, RefreshToken.family_id == stored.family_id)
        await audit.record(session, actor_for_user(user), "auth.refresh_reused", "user", user.id)
        raise RefreshTokenReused()
    if user is None or not user.is_active:
        raise Unauthorized("账户已停用 (account disabled)")
    stored.used_at = now
    session.add(stored)
    return await _issue(session, settings, user, stored.family_id)


async def _revoke_refresh(session: AsyncSession, where) -> None:  # noqa: ANN001
    await session.exec(
        update(RefreshToken).where(where, col(RefreshToken.revoked_at).is_(None)).values(revoked_at=utcnow())
    )


async def logout(session: AsyncSession, actor: Actor, access_expires_at: datetime | None) -> None:
    """Revoke the calling access token and every refresh token of the account."""
    if actor.access_jti is not None:
        session.add(RevokedAccessToken(jti=actor.access_jti, expires_at=access_expires_at or utcnow()))
    await _revoke_refresh(session, RefreshToken.user_id == actor.id)
    await audit.record(session, actor, "auth.logout", "user", actor.id, county_code=actor.county_code)


def check_password_policy(password: str, loc: str = "new_password") -> None:
    problems = password_problems(password)
    if problems:
        raise RuleViolation([Problem((loc,), p) for p in problems])


async def get_me(session: AsyncSession, actor: Actor) -> User:
    user = await session.get(User, actor.user_id)
    if user is None:
        raise Unauthorized("账号不存在 (account not found)")
    return user


async def set_password(session: AsyncSession, user: User, new_password: str) -> None:
    """Store a new password and revoke every outstanding token of the account."""
    check_password_policy(new_password)
    if verify_password(user.password_hash, new_password):
        raise RuleViolation([Problem(("new_password",), "新密码不能与原密码相同 (must differ from the old one)")])
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.updated_at = user.password_changed_at
    user.token_version += 1
    session.add(user)
    await _revoke_refresh(session, RefreshToken.user_id == user.id)


async def change_own_password(session: AsyncSession, actor: Actor, old_password: str, new_password: str) -> None:
    user = await session.get(User, actor.id)
    if user is None or not verify_password(user.password_hash, old_password):
        raise RuleViolation([Problem(("old_password",), "原密码错误 (old password is wrong)")])
    await set_password(session, user, new_password)
    await audit.record(session, actor, "user.password_changed", "user", user.id, county_code=user.county_code)
