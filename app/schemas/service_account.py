import uuid
from datetime import datetime

from pydantic import Field

from app.domain.permissions import SERVICE_SCOPES
from app.schemas.common import Input, Output

GRANTABLE = sorted(scope.value for scope in SERVICE_SCOPES)


class ServiceAccountCreate(Input):
    name: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    scopes: list[str] = Field(
        min_length=1,
        max_length=20,
        description="权限范围 (scopes a machine may be granted); another is refused with 422 at its index",
        json_schema_extra={"items": {"type": "string", "enum": GRANTABLE}},
    )
    county_code: str | None = Field(default=None, max_length=12, description="bind the key to one county")


class ServiceAccountRead(Output):
    id: uuid.UUID
    name: str
    key_prefix: str
    scopes: list[str]
    county_code: str | None
    is_active: bool
    created_at: datetime
    last_used_at: datetime | None


class ServiceAccountCreated(ServiceAccountRead):
    api_key: str = Field(description="Shown once; send it as the X-API-Key header. Only its hash is stored.")
