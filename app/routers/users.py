import uuid
from typing import Annotated

from fastapi import Query, Response

from app.core.db import SessionDep
from app.core.deps import Allowed, SettingsDep
from app.core.errors import COMMON_ERRORS, Conflict, Forbidden, NotFound, Unauthorized, Unprocessable, error_responses
from app.core.paging import OffsetPaging
from app.core.routing import resource_router
from app.domain.permissions import Permission
from app.schemas.auth import PasswordReset
from app.schemas.common import Page
from app.schemas.user import RoleAssignment, UserCreate, UserFilter, UserRead, UserUpdate
from app.services.accounts import users as service

router = resource_router("users", "/users")
Reader = Allowed(Permission.USERS_READ)
Writer = Allowed(Permission.USERS_WRITE)
Security = Allowed(Permission.USERS_SECURITY)
Filter = Annotated[UserFilter, Query()]


@router.get("", response_model=Page[UserRead], responses=COMMON_ERRORS)
async def list_users(actor: Reader, session: SessionDep, page: OffsetPaging, f: Filter) -> Page[UserRead]:
    """Users in the caller's jurisdiction."""
    return Page.of(await service.list_users(session, actor, f=f, page=page), page, UserRead.model_validate)


@router.post(
    "",
    status_code=201,
    response_model=UserRead,
    responses=error_responses(Unauthorized, Forbidden, NotFound, Conflict, Unprocessable),
)
async def create_user(body: UserCreate, actor: Writer, session: SessionDep) -> UserRead:
    """Create a staff account (system administrator); a county admin creates its own county's inspectors only. The
    account must choose its own password at its first sign-in (restriction `password-expired`)."""
    return UserRead.model_validate(await service.create_user(session, actor, body))


@router.get("/{user_id}", response_model=UserRead, responses=COMMON_ERRORS)
async def read_user(user_id: uuid.UUID, actor: Reader, session: SessionDep) -> UserRead:
    """One user in the caller's jurisdiction."""
    return UserRead.model_validate(await service.get_user(session, actor, user_id))


@router.patch("/{user_id}", response_model=UserRead, responses=COMMON_ERRORS)
async def update_user(user_id: uuid.UUID, body: UserUpdate, actor: Writer, session: SessionDep) -> UserRead:
    """Change name, phone, enforcement credential (执法证) or deactivate; deactivation ends all sessions."""
    return UserRead.model_validate(await service.update_user(session, actor, user_id, body))


@router.post("/{user_id}/password", status_code=204, responses=COMMON_ERRORS)
async def reset_user_password(
    user_id: uuid.UUID, body: PasswordReset, actor: Writer, session: SessionDep, settings: SettingsDep
) -> Response:
    """Set a new password for a user (e.g. forgotten); every token they hold is revoked, and they must choose their
    own at their next sign-in (restriction `password-expired`)."""
    await service.reset_password(session, settings, actor, user_id, body.new_password)
    return Response(status_code=204)


@router.put("/{user_id}/role", response_model=UserRead, responses=COMMON_ERRORS)
async def assign_role(user_id: uuid.UUID, body: RoleAssignment, actor: Security, session: SessionDep) -> UserRead:
    """Give an account another business role (security administrator; never one's own, never an administrator's)."""
    return UserRead.model_validate(await service.assign_role(session, actor, user_id, body))


@router.post("/{user_id}/unlock", response_model=UserRead, responses=COMMON_ERRORS)
async def unlock_user(user_id: uuid.UUID, actor: Security, session: SessionDep) -> UserRead:
    """Lift a lockout caused by failed logins before it expires (security administrator; not one's own)."""
    return UserRead.model_validate(await service.unlock_user(session, actor, user_id))


@router.delete("/{user_id}/two-factor", status_code=204, responses=COMMON_ERRORS)
async def reset_two_factor(user_id: uuid.UUID, actor: Security, session: SessionDep) -> Response:
    """Remove a user's authenticator and recovery codes (a lost phone): their sessions end, and their next sign-in
    enrols anew if their role needs two factors. Audited (`two_factor.reset`)."""
    await service.reset_two_factor(session, actor, user_id)
    return Response(status_code=204)
