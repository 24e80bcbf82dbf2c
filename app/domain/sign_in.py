"""What a signed-in session may do before it does anything else (等保三级 身份鉴别): a password past its age must be
changed first; a role that needs two factors, signed in with one, may only enrol its authenticator."""

from collections.abc import Collection
from datetime import datetime, timedelta
from enum import StrEnum

from app.domain.permissions import Role


class Restriction(StrEnum):
    """The one thing a session may do (besides signing out), named as the problem type every other call gets."""

    PASSWORD_EXPIRED = "password-expired"
    TWO_FACTOR_ENROLMENT = "two-factor-enrolment-required"


def password_expired(changed_at: datetime, now: datetime, max_age_days: int) -> bool:
    """A password is good for `max_age_days` full days after it was set; from then on it must be changed."""
    return now >= changed_at + timedelta(days=max_age_days)


def two_factor_required(role: Role, roles: Collection[Role]) -> bool:
    return role in roles


def restriction(
    *,
    role: Role,
    two_factor_roles: Collection[Role],
    signed_in_with_two_factor: bool,
    password_changed_at: datetime,
    password_must_change: bool,
    now: datetime,
    password_max_age_days: int,
) -> Restriction | None:
    """None: the session may do what its role permits. An expired password comes first: changing it ends the
    session, and the next sign-in (with the new password) is the one that enrols. A password an administrator set
    (a new account's first, or a reset) counts as expired from the start: only its holder may know the password
    they work with."""
    if password_must_change or password_expired(password_changed_at, now, password_max_age_days):
        return Restriction.PASSWORD_EXPIRED
    if two_factor_required(role, two_factor_roles) and not signed_in_with_two_factor:
        return Restriction.TWO_FACTOR_ENROLMENT
    return None


def session_idle(last_used_at: datetime, now: datetime, idle_minutes: int) -> bool:
    """A refresh token unused for `idle_minutes` ends its session (each refresh issues a fresh one)."""
    return now - last_used_at >= timedelta(minutes=idle_minutes)
