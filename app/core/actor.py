"""Who is calling: a signed-in user or a service account, with their permissions and jurisdiction."""

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.domain.permissions import Permission, Role, permissions_for

if TYPE_CHECKING:
    from app.models import ServiceAccount, User


@dataclass(frozen=True)
class Actor:
    kind: str  # user | service | system
    id: uuid.UUID | None
    name: str
    role: Role
    county_code: str | None  # None: the whole prefecture
    permissions: frozenset[Permission] = field(default_factory=frozenset)
    access_jti: uuid.UUID | None = None

    @property
    def user_id(self) -> uuid.UUID | None:
        """The signed-in user's id, for the "by whom" columns; None for a service account or the system."""
        return self.id if self.kind == "user" else None

    @property
    def is_county_bound(self) -> bool:
        return self.county_code is not None

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions


SYSTEM = Actor(kind="system", id=None, name="system", role=Role.PREFECTURE_ADMIN, county_code=None)


def actor_for_user(user: "User", access_jti: uuid.UUID | None = None) -> Actor:
    role = Role(user.role)
    return Actor("user", user.id, user.username, role, user.county_code, permissions_for(role), access_jti)


def actor_for_service(account: "ServiceAccount") -> Actor:
    return Actor(
        "service",
        account.id,
        account.name,
        Role.SERVICE,
        account.county_code,
        permissions_for(Role.SERVICE, frozenset(account.scopes)),
    )
