"""Sign-in, token refresh with rotation, logout: 等保三级 expectations.

Every refused sign-in gets the one answer `InvalidCredentials` — unknown user, wrong password, locked account,
missing or wrong second factor alike, after the same password check — so an attacker learns nothing about which
usernames exist, which are locked, or whether the password was right for an account that has two factors. The
owner learns of a lock from their inbox; administrators from the audit trail (`auth.account_locked`).

Two factors (one request, the OAuth2 password form plus `totp_code` or `recovery_code`): an account with a
confirmed authenticator signs in only with a valid code in the same request. A role that needs two factors but has
none yet signs in with its password to a session that may only enrol (sign_in.Restriction).
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor, actor_for_user
from app.core.config import Settings
from app.core.errors import InvalidCredentials, Unauthorized
from app.core.security import burn_password_check, create_access_token, new_opaque_token, sha256_hex, verify_password
from app.domain.errors import Message
from app.domain.permissions import Role
from app.domain.sign_in import Restriction, restriction, session_idle
from app.models import RefreshToken, RevokedAccessToken, User
from app.models.base import utcnow
from app.services import notifications
from app.services.accounts import two_factor
from app.services.common import audit


class RefreshTokenReused(Unauthorized, code="refresh_token_reused"):
    keep_changes = True


class SessionIdle(Unauthorized, code="session_idle"):
    keep_changes = True


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime
    restriction: Restriction | None = None


async def issue(
    session: AsyncSession, settings: Settings, user: User, family_id: uuid.UUID, *, two_factor: bool, now: datetime
) -> TokenPair:
    access, access_exp = create_access_token(settings, user.id, user.token_version, two_factor=two_factor)
    refresh = new_opaque_token()
    refresh_exp = now + timedelta(days=settings.refresh_token_days)
    session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family_id,
            token_hash=sha256_hex(refresh),
            issued_at=now,  # the idle clock starts here
            expires_at=refresh_exp,
            two_factor=two_factor,
        )
    )
    await session.flush()
    restricted = restriction(
        role=Role(user.role),
        two_factor_roles=settings.two_factor_roles,
        signed_in_with_two_factor=two_factor,
        password_changed_at=user.password_changed_at,
        password_must_change=user.password_must_change,
        now=now,
        password_max_age_days=settings.password_max_age_days,
    )
    return TokenPair(access, access_exp, refresh, refresh_exp, restricted)


async def _refuse(session: AsyncSession, settings: Settings, user: User, now: datetime, reason: str) -> None:
    """Count a failed sign-in of a known account; the fifth in a row locks it. Always raises the one answer."""
    user.failed_logins += 1
    locked = user.failed_logins >= settings.max_failed_logins
    if locked:
        user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
        user.failed_logins = 0
    session.add(user)
    actor = actor_for_user(user)
    await audit.record(
        session, actor, "auth.login_failed", "user", user.id, county_code=user.county_code,
        after={"reason": reason} | ({"locked_until": user.locked_until} if locked else {}),
    )  # fmt: skip
    if locked:
        await audit.record(
            session, actor, "auth.account_locked", "user", user.id, county_code=user.county_code,
            after={"locked_until": user.locked_until, "failures": settings.max_failed_logins},
        )  # fmt: skip
        await notifications.notify_account_locked(
            session, user_id=user.id, county_code=user.county_code,
            failures=settings.max_failed_logins, locked_until=user.locked_until,
        )  # fmt: skip
    raise InvalidCredentials()


async def login(
    session: AsyncSession,
    settings: Settings,
    *,
    username: str,
    password: str,
    totp_code: str | None,
    recovery_code: str | None,
    now: datetime,
) -> TokenPair:
    user = (await session.exec(select(User).where(User.username == username))).first()
    if user is None or not user.is_active:
        burn_password_check(password)
        await audit.record(session, None, "auth.login_failed", "user", actor_name=username[:64])
        raise InvalidCredentials()
    factor = await two_factor.confirmed(session, user.id)
    password_ok = verify_password(user.password_hash, password)  # also when locked: the same time either way
    if user.locked_until and user.locked_until > now:
        await audit.record(session, actor_for_user(user), "auth.login_refused_locked", "user", user.id)
        raise InvalidCredentials()
    if not password_ok:
        await _refuse(session, settings, user, now, "password")
    if factor is not None and not await two_factor.passes(session, factor, totp_code, recovery_code, now):
        await _refuse(session, settings, user, now, "second_factor")
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    await audit.record(
        session, actor_for_user(user), "auth.login", "user", user.id, county_code=user.county_code,
        after={"two_factor": factor is not None},
    )  # fmt: skip
    return await issue(session, settings, user, uuid.uuid4(), two_factor=factor is not None, now=now)


async def refresh(session: AsyncSession, settings: Settings, token: str, *, now: datetime) -> TokenPair:
    stored = (await session.exec(select(RefreshToken).where(RefreshToken.token_hash == sha256_hex(token)))).first()
    if stored is None or stored.revoked_at is not None or stored.expires_at <= now:
        raise Unauthorized(Message("refresh_token_invalid_or_expired"))
    user = await session.get(User, stored.user_id)
    if stored.used_at is not None:
        await revoke_refresh(session, RefreshToken.family_id == stored.family_id)
        await audit.record(session, actor_for_user(user), "auth.refresh_reused", "user", user.id)
        raise RefreshTokenReused()
    if user is None or not user.is_active:
        raise Unauthorized(Message("account_disabled"))
    if session_idle(stored.issued_at, now, settings.refresh_idle_minutes):
        await revoke_refresh(session, RefreshToken.family_id == stored.family_id)
        await audit.record(session, actor_for_user(user), "auth.session_idle", "user", user.id)
        raise SessionIdle(Message("session_idle_minutes", refresh_idle_minutes=settings.refresh_idle_minutes))
    stored.used_at = now
    session.add(stored)
    return await issue(session, settings, user, stored.family_id, two_factor=stored.two_factor, now=now)


async def revoke_refresh(session: AsyncSession, where) -> None:  # noqa: ANN001
    await session.exec(
        update(RefreshToken).where(where, col(RefreshToken.revoked_at).is_(None)).values(revoked_at=utcnow())
    )


async def logout(session: AsyncSession, actor: Actor, access_expires_at: datetime | None) -> None:
    """Revoke the calling access token and every refresh token of the account."""
    if actor.access_jti is not None:
        session.add(RevokedAccessToken(jti=actor.access_jti, expires_at=access_expires_at or utcnow()))
    await revoke_refresh(session, RefreshToken.user_id == actor.id)
    await audit.record(session, actor, "auth.logout", "user", actor.id, county_code=actor.county_code)


async def confirm_two_factor(
    session: AsyncSession, settings: Settings, *, actor: Actor, code: str, now: datetime
) -> TokenPair:
    """Confirm the authenticator with its first code: every earlier session ends, and a new one with both factors
    begins (the caller proved the password at sign-in and the code now)."""
    if actor.kind != "user":
        raise Unauthorized(two_factor.SERVICE)
    user = await get_me(session, actor)
    await two_factor.confirm(session, actor=actor, user=user, code=code, now=now)
    user.token_version += 1
    session.add(user)
    await revoke_refresh(session, RefreshToken.user_id == user.id)
    return await issue(session, settings, user, uuid.uuid4(), two_factor=True, now=now)


async def get_me(session: AsyncSession, actor: Actor) -> User:
    user = await session.get(User, actor.user_id)
    if user is None:
        raise Unauthorized(Message("account_not_found"))
    return user
