"""Passwords (等保三级 口令): composition, no common or guessable ones, none of the last few again, and a change
that ends every session of the account."""

from collections.abc import Iterable

from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor
from app.core.config import Settings
from app.core.password_strength import common_password_problem
from app.core.security import hash_password, verify_password
from app.domain.errors import Message, Problem, RuleViolation
from app.domain.permissions import Role, password_min_length, password_problems
from app.models import PasswordHistory, RefreshToken, User
from app.models.base import utcnow
from app.services.common import audit


def check_password_policy(
    password: str, loc: str = "new_password", personal: Iterable[str] = (), *, role: Role | None = None
) -> None:
    problems = password_problems(password, min_length=password_min_length(role) if role else 10)
    common = common_password_problem(password, personal)
    if common:
        problems.append(common)
    if problems:
        raise RuleViolation([Problem((loc,), p) for p in problems])


async def revoke_refresh_tokens(session: AsyncSession, user: User) -> None:
    await session.exec(
        update(RefreshToken)
        .where(col(RefreshToken.user_id) == user.id, col(RefreshToken.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )


async def _recent_hashes(session: AsyncSession, user: User, keep: int) -> list[PasswordHistory]:
    stmt = (
        select(PasswordHistory)
        .where(PasswordHistory.user_id == user.id)
        .order_by(col(PasswordHistory.created_at).desc(), col(PasswordHistory.id))
    )
    return list((await session.exec(stmt)).all())[:keep]


async def set_password(
    session: AsyncSession, settings: Settings, user: User, new_password: str, *, must_change: bool = False
) -> None:
    """Store a new password and revoke every outstanding token of the account. The new password may be none of the
    last `password_history` ones (the current one included). `must_change`: an administrator set it, so the account
    must replace it before anything else (sign_in.restriction)."""
    check_password_policy(new_password, personal=(user.username, user.full_name), role=Role(user.role))
    earlier = await _recent_hashes(session, user, settings.password_history - 1)
    if any(verify_password(h, new_password) for h in [user.password_hash, *(e.password_hash for e in earlier)]):
        n = settings.password_history
        reused = Message("must_differ_from_last_passwords", n=n)
        raise RuleViolation([Problem(("new_password",), reused)])
    kept = [e.id for e in earlier[: max(settings.password_history - 2, 0)]]
    if settings.password_history > 1:  # the current password joins the history; the oldest beyond N-1 go
        previous = PasswordHistory(user_id=user.id, password_hash=user.password_hash)
        session.add(previous)
        kept.append(previous.id)
    await session.exec(
        delete(PasswordHistory).where(col(PasswordHistory.user_id) == user.id, col(PasswordHistory.id).not_in(kept))
    )
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.password_must_change = must_change
    user.updated_at = user.password_changed_at
    user.token_version += 1
    session.add(user)
    await revoke_refresh_tokens(session, user)


async def change_own_password(
    session: AsyncSession, settings: Settings, actor: Actor, old_password: str, new_password: str
) -> None:
    user = await session.get(User, actor.id)
    if user is None or not verify_password(user.password_hash, old_password):
        raise RuleViolation([Problem(("old_password",), "old_password_is_wrong")])
    await set_password(session, settings, user, new_password)
    await audit.record(session, actor, "user.password_changed", "user", user.id, county_code=user.county_code)
