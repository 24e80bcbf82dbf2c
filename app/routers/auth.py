from typing import Annotated

from fastapi import APIRouter, Depends, Form, Response

from app.core.clock import utcnow
from app.core.db import SessionDep
from app.core.deps import AnySessionActor, CurrentActor, EnrollingActor, Now, SettingsDep
from app.core.errors import (
    Conflict,
    Forbidden,
    InvalidCredentials,
    TooManyRequests,
    Unauthorized,
    Unprocessable,
    error_responses,
)
from app.core.ratelimit import limit_logins
from app.domain.errors import Message
from app.schemas.auth import (
    PasswordChange,
    RefreshRequest,
    TokenPairRead,
    TwoFactorConfirm,
    TwoFactorEnrolmentRead,
)
from app.schemas.user import MeRead, UserRead
from app.services.accounts import auth as auth_service
from app.services.accounts import passwords, two_factor
from app.services.accounts.auth import TokenPair

router = APIRouter(prefix="/api/v1", tags=["auth"])


def _token_read(pair: TokenPair) -> TokenPairRead:
    return TokenPairRead(
        access_token=pair.access_token,
        expires_in=int((pair.access_expires_at - utcnow()).total_seconds()),
        expires_at=pair.access_expires_at,
        refresh_token=pair.refresh_token,
        refresh_expires_at=pair.refresh_expires_at,
        restriction=pair.restriction,
    )


@router.post(
    "/auth/token",
    response_model=TokenPairRead,
    responses=error_responses(InvalidCredentials, Unprocessable, TooManyRequests),
    dependencies=[Depends(limit_logins)],
)
async def login(
    username: Annotated[str, Form(min_length=1, max_length=64, description="用户名")],
    password: Annotated[
        str, Form(min_length=1, max_length=256, description="密码", json_schema_extra={"format": "password"})
    ],
    session: SessionDep,
    settings: SettingsDep,
    now: Now,
    totp_code: Annotated[str | None, Form(max_length=16, description="动态口令: the authenticator's code")] = None,
    recovery_code: Annotated[str | None, Form(max_length=32, description="a one-time recovery code instead")] = None,
) -> TokenPairRead:
    """Sign in with username and password (OAuth2 password form), plus `totp_code` (or `recovery_code`) for an
    account with two-factor sign-in. Every refusal is the same 401 `invalid-credentials`, whichever part was wrong
    or whether the account is locked (5 failures lock it for 15 minutes; the owner is told in their inbox)."""
    pair = await auth_service.login(
        session, settings, username=username, password=password,
        totp_code=totp_code, recovery_code=recovery_code, now=now,
    )  # fmt: skip
    return _token_read(pair)


@router.post("/auth/refresh", response_model=TokenPairRead, responses=error_responses(Unauthorized, Unprocessable))
async def refresh_tokens(body: RefreshRequest, session: SessionDep, settings: SettingsDep, now: Now) -> TokenPairRead:
    """Trade a refresh token for a new pair; the old refresh token stops working (rotation). A refresh token unused
    for 30 minutes (REFRESH_IDLE_MINUTES) ends its session: 401 `session-idle`."""
    return _token_read(await auth_service.refresh(session, settings, body.refresh_token, now=now))


@router.post("/auth/logout", status_code=204, responses=error_responses(Unauthorized))
async def logout(actor: AnySessionActor, session: SessionDep, settings: SettingsDep) -> Response:
    """Revoke the calling access token and all refresh tokens of the account."""
    await auth_service.logout(session, actor, utcnow() + settings.access_token_lifetime)
    return Response(status_code=204)


@router.get("/me", response_model=MeRead, responses=error_responses(Unauthorized))
async def read_me(actor: CurrentActor, session: SessionDep) -> MeRead:
    """The signed-in user, with the permissions of their role."""
    if actor.kind != "user":
        raise Unauthorized(Message("service_accounts_have_no_profile"))
    user = await auth_service.get_me(session, actor)
    return MeRead(**UserRead.model_validate(user).model_dump(), permissions=sorted(actor.permissions))


@router.post("/me/password", status_code=204, responses=error_responses(Unauthorized, Unprocessable))
async def change_my_password(
    body: PasswordChange, actor: AnySessionActor, session: SessionDep, settings: SettingsDep
) -> Response:
    """Change your own password (also when it has expired); every token issued before is revoked. Not one of your
    last 5 passwords, nor a common or guessable one."""
    if actor.kind != "user":
        raise Unauthorized(Message("service_accounts_have_no_password"))
    await passwords.change_own_password(session, settings, actor, body.old_password, body.new_password)
    return Response(status_code=204)


ENROL_ERRORS = error_responses(Unauthorized, Forbidden, Conflict, Unprocessable)


@router.post("/me/two-factor", status_code=201, response_model=TwoFactorEnrolmentRead, responses=ENROL_ERRORS)
async def enrol_two_factor(actor: EnrollingActor, session: SessionDep, settings: SettingsDep) -> TwoFactorEnrolmentRead:
    """Start two-factor sign-in: a secret for your authenticator app (an otpauth:// URI to show as a QR code) and
    one-time recovery codes, shown this once. Not in force until confirmed with a first code."""
    enrolment = await two_factor.enrol(session, settings, actor=actor)
    return TwoFactorEnrolmentRead.model_validate(enrolment, from_attributes=True)


@router.post("/me/two-factor/confirm", response_model=TokenPairRead, responses=ENROL_ERRORS)
async def confirm_two_factor(
    body: TwoFactorConfirm, actor: EnrollingActor, session: SessionDep, settings: SettingsDep, now: Now
) -> TokenPairRead:
    """Confirm the authenticator with the code it shows now: from here on you sign in with a code. Every earlier
    session ends; the answer is a new session signed in with both factors."""
    return _token_read(await auth_service.confirm_two_factor(session, settings, actor=actor, code=body.code, now=now))
