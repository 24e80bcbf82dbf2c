import uuid
from datetime import date, datetime

from pydantic import Field, ValidationInfo, field_validator, model_validator

from app.core.validation_messages import refusal
from app.domain.permissions import Role
from app.schemas.common import CountyCode, Input, ListFilter, Output


def _credential_ends_after_it_starts(value: date | None, info: ValidationInfo) -> date | None:
    valid_from = info.data.get("credential_valid_from")
    if value and valid_from and value < valid_from:
        raise refusal("credential_ends_before_starts")
    return value


_NODE = (
    "所属辖区: the prefecture (prefecture roles) or the region (region roles) the account belongs to; default: the "
    "only one in the caller's reach. A county role's node is its county_code"
)


class UserCreate(Input):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    full_name: str = Field(min_length=1, max_length=64, description="姓名")
    role: Role
    county_code: str | None = Field(default=None, max_length=12, description="县（市）代码; prefecture roles: null")
    jurisdiction_code: str | None = Field(default=None, max_length=12, description=_NODE)
    phone: str | None = Field(default=None, max_length=32)
    credential_no: str | None = Field(default=None, max_length=64, description="执法证号")
    credential_valid_from: date | None = None
    credential_valid_until: date | None = None
    password: str = Field(max_length=256)

    _dates_in_order = field_validator("credential_valid_until")(_credential_ends_after_it_starts)


class UserUpdate(Input):
    NOT_NULL = frozenset({"full_name", "is_active"})

    full_name: str | None = Field(default=None, min_length=1, max_length=64)
    phone: str | None = Field(default=None, max_length=32)
    credential_no: str | None = Field(default=None, max_length=64)
    credential_valid_from: date | None = None
    credential_valid_until: date | None = None
    is_active: bool | None = None

    _dates_in_order = field_validator("credential_valid_until")(_credential_ends_after_it_starts)


class RoleAssignment(Input):
    """The one role an account holds, and its county when the role is a county's."""

    role: Role = Field(description="角色; the security administrator moves accounts between the business roles")
    county_code: str | None = Field(default=None, max_length=12, description="县（市）代码; prefecture roles: null")
    jurisdiction_code: str | None = Field(default=None, max_length=12, description=_NODE)


def _check_credential_dates(valid_from: date | None, valid_until: date | None) -> None:
    if valid_from and valid_until and valid_until < valid_from:
        raise refusal("credential_ends_before_starts")


class UserRead(Output):
    id: uuid.UUID
    username: str
    full_name: str
    role: Role
    role_label: str
    county_code: str | None
    jurisdiction_code: str | None = Field(description="the node the account belongs to: county, prefecture, region")
    phone: str | None
    credential_no: str | None
    credential_valid_from: date | None
    credential_valid_until: date | None
    is_active: bool
    password_must_change: bool = Field(
        description="the password was set by an administrator (a new account, a reset): at its next sign-in the "
        "account may do nothing but choose its own (restriction `password-expired`)"
    )
    locked_until: datetime | None
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _label(cls, data):  # noqa: ANN001
        if not isinstance(data, dict):
            data = {k: getattr(data, k, None) for k in cls.model_fields if k != "role_label"}
        data["role_label"] = Role(data["role"]).label
        return data


class MeRead(UserRead):
    permissions: list[str]


class InspectorRead(Output):
    """An inspector one may visit with (执法人员名录): the name and the enforcement credential (执法证), no more."""

    id: uuid.UUID
    full_name: str
    county_code: str | None
    credential_no: str | None
    credential_valid_from: date | None
    credential_valid_until: date | None


class UserFilter(ListFilter):
    county_code: CountyCode = None
    role: Role | None = None
    q: str | None = Field(default=None, max_length=64, description="username or name contains")
