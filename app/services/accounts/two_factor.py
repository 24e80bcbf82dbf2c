"""Two-factor sign-in (等保三级: two techniques, one of them cryptographic): a TOTP authenticator enrolled by its
owner and confirmed with a first code, one-time recovery codes, and a reset by a security administrator.

A code is good once: the last accepted time step is kept and a conditional UPDATE claims the next, so two sign-ins
racing with one code cannot both pass; a recovery code is claimed the same way.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, delete, update
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core import totp
from app.core.actor import Actor
from app.core.config import Settings
from app.core.errors import Conflict, Unauthorized
from app.domain.errors import Message, Problem, RuleViolation
from app.models import RecoveryCode, TwoFactor, User
from app.services.common import audit

SERVICE = Message("service_accounts_sign_in_with_keys")
ALREADY = Message("two_factor_already_enrolled")


@dataclass(frozen=True)
class Enrolment:
    secret: str
    provisioning_uri: str
    recovery_codes: list[str]


async def confirmed(session: AsyncSession, user_id: uuid.UUID) -> TwoFactor | None:
    factor = await session.get(TwoFactor, user_id)
    return factor if factor is not None and factor.confirmed_at is not None else None


async def passes(
    session: AsyncSession, factor: TwoFactor, code: str | None, recovery_code: str | None, now: datetime
) -> bool:
    """Whether the code (or recovery code) is valid now and not used before; using it claims it."""
    if code:
        step = totp.accepted_step(factor.secret, code, now, factor.last_step)
        if step is not None:
            claimed = await session.exec(
                update(TwoFactor)
                .where(col(TwoFactor.user_id) == factor.user_id)
                .where(col(TwoFactor.last_step).is_(None) | (col(TwoFactor.last_step) < step))
                .values(last_step=step)
                .execution_options(synchronize_session=False)
            )
            return claimed.rowcount == 1
    if recovery_code:
        claimed = await session.exec(
            update(RecoveryCode)
            .where(
                col(RecoveryCode.user_id) == factor.user_id,
                col(RecoveryCode.code_hash) == totp.recovery_code_hash(recovery_code),
                col(RecoveryCode.used_at).is_(None),
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return claimed.rowcount == 1
    return False


async def enrol(session: AsyncSession, settings: Settings, *, actor: Actor) -> Enrolment:
    """A new secret and recovery codes for the caller, shown this once; not in force until confirmed."""
    if actor.kind != "user":
        raise Unauthorized(SERVICE)
    if await confirmed(session, actor.id) is not None:
        raise Conflict(ALREADY)
    await _remove(session, actor.id)
    secret = totp.new_secret()
    codes = totp.new_recovery_codes()
    session.add(TwoFactor(user_id=actor.id, secret=secret))
    session.add_all(RecoveryCode(user_id=actor.id, code_hash=totp.recovery_code_hash(c)) for c in codes)
    await session.flush()
    await audit.record(session, actor, "two_factor.enrol", "user", actor.id, county_code=actor.county_code)
    return Enrolment(secret, totp.provisioning_uri(secret, actor.name, settings.totp_issuer), codes)


async def confirm(session: AsyncSession, *, actor: Actor, user: User, code: str, now: datetime) -> None:
    factor = await session.get(TwoFactor, user.id)
    if factor is None:
        raise Conflict(Message("no_enrolment_to_confirm"))
    if factor.confirmed_at is not None:
        raise Conflict(ALREADY)
    step = totp.accepted_step(factor.secret, code, now, factor.last_step)
    if step is None:
        raise RuleViolation([Problem(("code",), "totp_code_wrong")])
    factor.confirmed_at = now
    factor.last_step = step
    session.add(factor)
    await audit.record(session, actor, "two_factor.confirm", "user", user.id, county_code=user.county_code)


async def _remove(session: AsyncSession, user_id: uuid.UUID) -> bool:
    had = await session.get(TwoFactor, user_id)
    await session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
    if had is not None:
        await session.delete(had)
    await session.flush()
    return had is not None and had.confirmed_at is not None


async def reset(session: AsyncSession, *, actor: Actor, user: User) -> None:
    """Remove a user's authenticator and recovery codes (lost phone): every session of theirs ends, and their next
    sign-in enrols anew if their role needs two factors."""
    was_enrolled = await _remove(session, user.id)
    user.token_version += 1
    session.add(user)
    await audit.record(
        session, actor, "two_factor.reset", "user", user.id, county_code=user.county_code,
        before={"enrolled": was_enrolled}, after={"enrolled": False},
    )  # fmt: skip
