"""Dependencies: who is calling (bearer JWT or X-API-Key), what they may do, and common query params."""

from collections.abc import Callable, Coroutine
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema
from sqlalchemy import exists
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.actor import Actor, actor_for_service
from app.core.actor_cache import actor_cache
from app.core.audit_keys import AuditKeys
from app.core.clock import today_in_china
from app.core.config import Settings
from app.core.db import SessionDep
from app.core.errors import Forbidden, PasswordExpired, TwoFactorEnrolmentRequired, Unauthorized
from app.core.iso import DATE_PATTERN, INSTANT_PATTERN, refuse_non_iso
from app.core.security import AccessClaims, api_key_matches, api_key_prefix, decode_access_token
from app.core.validation_messages import OUT_OF_RANGE, YEARS, refusal
from app.domain.errors import Message
from app.domain.permissions import Permission, Role, permissions_for
from app.domain.sign_in import Restriction, restriction
from app.models import RevokedAccessToken, ServiceAccount, User
from app.models.base import utcnow

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="Service-account key")


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def _service_actor(session: SessionDep, key: str) -> Actor:
    prefix = api_key_prefix(key)
    candidates = (await session.exec(select(ServiceAccount).where(ServiceAccount.key_prefix == prefix))).all()
    for account in candidates:
        if account.is_active and api_key_matches(key, account.key_hash):
            now = utcnow()
            if account.last_used_at is None or now - account.last_used_at > timedelta(hours=1):
                account.last_used_at = now
                session.add(account)
            return actor_for_service(account)
    raise Unauthorized(Message("api_key_invalid_or_revoked"))


async def _user_actor(
    session: SessionDep, settings: Settings, token: str, claims: AccessClaims
) -> tuple[Actor, Restriction | None]:
    """The signed-in user as an actor, in one query (the user and whether this token was revoked), and the one
    thing their session is restricted to, if any; kept a few seconds per token (ACTOR_CACHE_SECONDS)."""
    stmt = select(  # type: ignore[call-overload]
        User.username,
        User.role,
        User.county_code,
        User.jurisdiction_code,
        User.enterprise_id,
        User.is_active,
        User.token_version,
        User.password_changed_at,
        User.password_must_change,
        exists().where(RevokedAccessToken.jti == claims.jti).label("revoked"),
    ).where(User.id == claims.user_id)
    row = (await session.exec(stmt)).first()
    if row is None or not row.is_active or row.token_version != claims.token_version:
        raise Unauthorized(Message("token_revoked"))
    if row.revoked:
        raise Unauthorized(Message("token_signed_out"))
    role = Role(row.role)
    node = row.county_code or row.jurisdiction_code
    actor = Actor(
        "user",
        claims.user_id,
        row.username,
        role,
        row.county_code,
        permissions_for(role),
        claims.jti,
        node,
        row.enterprise_id,
    )
    restricted = restriction(
        role=role,
        two_factor_roles=settings.two_factor_roles,
        signed_in_with_two_factor=claims.two_factor,
        password_changed_at=row.password_changed_at,
        password_must_change=row.password_must_change,
        now=utcnow(),
        password_max_age_days=settings.password_max_age_days,
    )
    actor_cache.put(token, (actor, restricted), min(settings.actor_cache_seconds, claims.seconds_left()))
    return actor, restricted


Token = Annotated[str | None, Depends(oauth2)]
ApiKey = Annotated[str | None, Depends(api_key_header)]
_SIGNED_IN = "zhijian.signed_in"


async def _who_is_calling(
    request: Request, session: AsyncSession, token: str | None, api_key: str | None
) -> tuple[Actor, Restriction | None]:
    """Who is calling, and the one thing their session is restricted to, if any (sign_in.restriction); worked out
    once per request (a route may ask through more than one dependency). On every signed-in request: the settings
    are read from the app, not through a dependency of their own."""
    known = request.scope.get(_SIGNED_IN)
    if known is not None:
        return known
    if api_key:
        found: tuple[Actor, Restriction | None] = (await _service_actor(session, api_key), None)
    elif not token:
        raise Unauthorized(Message("authentication_required"))
    elif (cached := actor_cache.get(token)) is not None:
        found = cached
    else:
        settings: Settings = request.app.state.settings
        claims = decode_access_token(settings, token)
        if claims is None:
            raise Unauthorized(Message("token_invalid_or_expired"))
        found = await _user_actor(session, settings, token, claims)
    request.scope[_SIGNED_IN] = found
    return found


async def _signed_in(
    request: Request, session: SessionDep, token: Token, api_key: ApiKey
) -> tuple[Actor, Restriction | None]:
    return await _who_is_calling(request, session, token, api_key)


SignedIn = Annotated[tuple[Actor, Restriction | None], Depends(_signed_in)]
_RESTRICTED = {
    Restriction.PASSWORD_EXPIRED: PasswordExpired,
    Restriction.TWO_FACTOR_ENROLMENT: TwoFactorEnrolmentRequired,
}


def _unless(restricted: Restriction | None, allowed: frozenset[Restriction]) -> None:
    if restricted is not None and restricted not in allowed:
        raise _RESTRICTED[restricted]()


async def get_actor(signed_in: SignedIn) -> Actor:
    """The caller, with a full session: an expired password or a missing second factor is refused here (403)."""
    actor, restricted = signed_in
    _unless(restricted, frozenset())
    return actor


async def get_actor_enrolling(signed_in: SignedIn) -> Actor:
    """The caller, also while their session may only enrol a second factor."""
    actor, restricted = signed_in
    _unless(restricted, frozenset({Restriction.TWO_FACTOR_ENROLMENT}))
    return actor


async def get_actor_restricted_or_not(signed_in: SignedIn) -> Actor:
    """The caller, whatever their session is restricted to: for changing one's own password and signing out."""
    return signed_in[0]


CurrentActor = Annotated[Actor, Depends(get_actor)]
EnrollingActor = Annotated[Actor, Depends(get_actor_enrolling)]
AnySessionActor = Annotated[Actor, Depends(get_actor_restricted_or_not)]


def utc_now() -> datetime:
    """Now, as a dependency: sign-in checks one-time codes against it, and tests move it."""
    return utcnow()


Now = Annotated[datetime, Depends(utc_now)]


def require(permission: Permission) -> Callable[..., Coroutine[Any, Any, Actor]]:
    async def _require(request: Request, session: SessionDep, token: Token, api_key: ApiKey) -> Actor:
        """`get_actor` and the permission in one dependency, with the caller worked out inside it rather than in
        a dependency of its own (every signed-in request: a level of dependency solving less)."""
        actor, restricted = await _who_is_calling(request, session, token, api_key)
        _unless(restricted, frozenset())
        if not actor.may(permission):
            raise Forbidden(Message("missing_permission", permission=permission.value))
        return actor

    _require.__name__ = f"require_{permission.name.lower()}"
    return _require


def Allowed(permission: Permission) -> Any:  # noqa: N802  (reads as a type in signatures)
    return Annotated[Actor, Depends(require(permission))]


IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description='W/"<version>" from the ETag you read; absent: last write wins; stale: 412'),
]


def local_today() -> date:
    """Today in China: the plan's due dates, deadlines and look-back windows are local days, and a visit recorded
    at 07:00 in 塔城 is not "in the future" because the server runs on UTC. Tests override this dependency."""
    return today_in_china()


Today = Annotated[date, Depends(local_today)]


def _sane_instant(value: datetime) -> datetime:
    """An instant a record can have: 1900–2199 in UTC (a naive time is read as UTC). Outside it the database cannot
    even hold the value (year 1 at +01:09 is before year 1 in UTC): 422 at the parameter, never a 500."""
    value = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    try:
        in_utc = value.astimezone(UTC)
    except OverflowError:
        in_utc = None
    if in_utc is None or in_utc.year not in YEARS:
        raise refusal(OUT_OF_RANGE)
    return in_utc


def _sane_day(value: date) -> date:
    if value.year not in YEARS:
        raise ValueError(OUT_OF_RANGE)
    return value


Instant = Annotated[
    datetime,
    BeforeValidator(refuse_non_iso),
    AfterValidator(_sane_instant),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": INSTANT_PATTERN}),
]
"""A datetime query parameter: an ISO 8601 string (never a number read as Unix time), timezone-aware UTC,
within 1900–2199 (else 422)."""

Day = Annotated[
    date,
    BeforeValidator(refuse_non_iso),
    AfterValidator(_sane_day),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]
"""A date query parameter: an ISO 8601 date string within 1900–2199 (else 422)."""


def get_audit_keys(settings: SettingsDep) -> AuditKeys:
    return AuditKeys.from_settings(settings)


AuditKeysDep = Annotated[AuditKeys, Depends(get_audit_keys)]
"""The keys that seal and check the audit chain (from the settings, never the database)."""
