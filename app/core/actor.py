"""Who is calling: a signed-in user or a service account, with their permissions and jurisdiction."""

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.domain.permissions import Permission, Role, permissions_for

if TYPE_CHECKING:
    from app.models import ServiceAccount, User


@dataclass(frozen=True)
class Actor:
    kind: str  # user | service | system
    id: uuid.UUID | None
    name: str
    role: Role
    county_code: str | None  # None: not bound to a county (see `node_code`)
    permissions: frozenset[Permission] = field(default_factory=frozenset)
    access_jti: uuid.UUID | None = None
    node_code: str | None = None  # the jurisdiction node whose subtree the actor sees; None: every node
    enterprise_id: uuid.UUID | None = None  # an enterprise account: it sees this one enterprise, nothing else

    def __post_init__(self) -> None:
        if self.county_code is not None and self.node_code is None:
            object.__setattr__(self, "node_code", self.county_code)

    @property
    def user_id(self) -> uuid.UUID | None:
        """The signed-in user's id, for the "by whom" columns; None for a service account or the system."""
        return self.id if self.kind == "user" else None

    @property
    def is_county_bound(self) -> bool:
        return self.county_code is not None

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions

    def to_job(self) -> dict[str, Any]:
        """The actor as a job's JSON argument: a job runs as whoever asked for it."""
        return {
            "kind": self.kind,
            "id": str(self.id) if self.id else None,
            "name": self.name,
            "role": self.role.value,
            "county_code": self.county_code,
            "node_code": self.node_code,
            "permissions": sorted(p.value for p in self.permissions),
            "enterprise_id": str(self.enterprise_id) if self.enterprise_id else None,
        }

    @classmethod
    def from_job(cls, data: dict[str, Any]) -> "Actor":
        return cls(
            kind=data["kind"],
            id=uuid.UUID(data["id"]) if data["id"] else None,
            name=data["name"],
            role=Role(data["role"]),
            county_code=data["county_code"],
            permissions=frozenset(Permission(p) for p in data["permissions"]),
            node_code=data.get("node_code"),
            enterprise_id=uuid.UUID(data["enterprise_id"]) if data.get("enterprise_id") else None,
        )


SYSTEM = Actor(kind="system", id=None, name="system", role=Role.PREFECTURE_ADMIN, county_code=None)


def actor_for_user(user: "User", access_jti: uuid.UUID | None = None) -> Actor:
    role = Role(user.role)
    node = user.county_code or user.jurisdiction_code
    return Actor(
        "user",
        user.id,
        user.username,
        role,
        user.county_code,
        permissions_for(role),
        access_jti,
        node,
        user.enterprise_id,
    )


def actor_for_service(account: "ServiceAccount") -> Actor:
    return Actor(
        "service",
        account.id,
        account.name,
        Role.SERVICE,
        account.county_code,
        permissions_for(Role.SERVICE, frozenset(account.scopes)),
        node_code=account.county_code or account.jurisdiction_code,
    )
