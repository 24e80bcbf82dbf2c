from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.security import OAuth2PasswordRequestForm

from app.core.clock import utcnow
from app.core.db import SessionDep
from app.core.deps import CurrentActor, SettingsDep
from app.core.errors import (
    AccountLocked,
    InvalidCredentials,
    TooManyRequests,
    Unauthorized,
    Unprocessable,
    error_responses,
)
from app.core.ratelimit import limit_logins
from app.schemas.auth import PasswordChange, RefreshRequest, TokenPairRead
from app.schemas.user import MeRead, UserRead
from app.services.accounts import auth as auth_service
from app.services.accounts.auth import TokenPair

router = APIRouter(prefix="/api/v1", tags=["auth"])


def _token_read(pair: TokenPair) -> TokenPairRead:
    return TokenPairRead(
        access_token=pair.access_token,
        expires_in=int((pair.access_expires_at - utcnow()).total_seconds()),
        expires_at=pair.access_expires_at,
        refresh_token=pair.refresh_token,
        refresh_expires_at=pair.refresh_expires_at,
    )


@router.post(
    "/auth/token",
    response_model=TokenPairRead,
    responses=error_responses(InvalidCredentials, AccountLocked, Unprocessable, TooManyRequests),
    dependencies=[Depends(limit_logins)],
)
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep, settings: SettingsDep
) -> TokenPairRead:
    """Sign in with username and password (OAuth2 password form); 5 failures lock the account for 15 minutes."""
    return _token_read(await auth_service.login(session, settings, form.username, form.password))


@router.post("/auth/refresh", response_model=TokenPairRead, responses=error_responses(Unauthorized, Unprocessable))
async def refresh_tokens(body: RefreshRequest, session: SessionDep, settings: SettingsDep) -> TokenPairRead:
    """Trade a refresh token for a new pair; the old refresh token stops working (rotation)."""
    return _token_read(await auth_service.refresh(session, settings, body.refresh_token))


@router.post("/auth/logout", status_code=204, responses=error_responses(Unauthorized))
async def logout(actor: CurrentActor, session: SessionDep, settings: SettingsDep) -> Response:
    """Revoke the calling access token and all refresh tokens of the account."""
    await auth_service.logout(session, actor, utcnow() + settings.access_token_lifetime)
    return Response(status_code=204)


@router.get("/me", response_model=MeRead, responses=error_responses(Unauthorized))
async def read_me(actor: CurrentActor, session: SessionDep) -> MeRead:
    """The signed-in user, with the permissions of their role."""
    if actor.kind != "user":
        raise Unauthorized("系统对接账号没有个人资料 (service accounts have no profile)")
    user = await auth_service.get_me(session, actor)
    return MeRead(**UserRead.model_validate(user).model_dump(), permissions=sorted(actor.permissions))


@router.post("/me/password", status_code=204, responses=error_responses(Unauthorized, Unprocessable))
async def change_my_password(body: PasswordChange, actor: CurrentActor, session: SessionDep) -> Response:
    """Change your own password; every token issued before is revoked."""
    if actor.kind != "user":
        raise Unauthorized("系统对接账号没有密码 (service accounts have no password)")
    await auth_service.change_own_password(session, actor, body.old_password, body.new_password)
    return Response(status_code=204)
