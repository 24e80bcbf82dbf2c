"""三权分立 (GB/T 22239-2019 三级): the system, security and audit administrators are three roles with least
privilege, none holds two duties, and none of them reaches another's account or role."""

from itertools import product

import pytest

from app.domain.accounts import (
    ASSIGNS_ROLES,
    BUSINESS_ROLES,
    CLEARS_LOCKS,
    MANAGES_ACCOUNTS,
    may_assign_role,
    may_clear_lock,
    may_manage_account,
)
from app.domain.permissions import (
    ADMINISTRATORS,
    DUTIES,
    ROLE_PERMISSIONS,
    SEPARATED,
    SERVICE_SCOPES,
    Permission,
    Role,
    permissions_for,
)

P = Permission
SIGNING_IN = frozenset(Role) - {Role.SERVICE}

# --- what each administrator holds ------------------------------------------------------------------------------

EXACTLY = [
    (
        Role.SYSTEM_ADMIN,
        {P.USERS_READ, P.USERS_WRITE, P.SERVICE_ACCOUNTS_WRITE, P.JURISDICTIONS_READ, P.NOTIFICATIONS_READ},
    ),
    (Role.SECURITY_ADMIN, {P.USERS_READ, P.USERS_SECURITY, P.JURISDICTIONS_READ, P.NOTIFICATIONS_READ}),
    (Role.AUDIT_ADMIN, {P.AUDIT_READ, P.JURISDICTIONS_READ, P.NOTIFICATIONS_READ}),
]


@pytest.mark.parametrize(("role", "permissions"), EXACTLY, ids=lambda v: getattr(v, "value", ""))
def test_each_administrator_holds_its_duty_the_list_of_counties_and_its_inbox_and_nothing_else(
    role: Role, permissions: set[Permission]
) -> None:
    assert ROLE_PERMISSIONS[role] == permissions


def test_the_three_administrators_are_the_roles_with_duties() -> None:
    assert set(DUTIES) == set(ADMINISTRATORS) == {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}


@pytest.mark.parametrize("role", sorted(Role), ids=str)
def test_no_role_holds_the_powers_of_two_administrators(role: Role) -> None:
    held = permissions_for(role, frozenset(p.value for p in Permission))  # a service key asking for every scope
    duties_held = [admin for admin, powers in SEPARATED.items() if held & powers]
    assert len(duties_held) <= 1, f"{role} holds the duties of {duties_held}"


@pytest.mark.parametrize(
    ("permission", "holder"),
    [
        (P.AUDIT_READ, Role.AUDIT_ADMIN),
        (P.USERS_SECURITY, Role.SECURITY_ADMIN),
        (P.SERVICE_ACCOUNTS_WRITE, Role.SYSTEM_ADMIN),
    ],
)
def test_the_audit_the_security_powers_and_the_machine_keys_each_belong_to_one_role(
    permission: Permission, holder: Role
) -> None:
    assert {role for role, held in ROLE_PERMISSIONS.items() if permission in held} == {holder}


def test_the_business_administrator_keeps_the_business_but_no_account_security_or_audit_power() -> None:
    business = ROLE_PERMISSIONS[Role.PREFECTURE_ADMIN]
    assert not business & {P.USERS_READ, P.USERS_WRITE, P.USERS_SECURITY, P.SERVICE_ACCOUNTS_WRITE, P.AUDIT_READ}
    assert {P.PLANS_MANAGE, P.DISCLOSURES_PUBLISH, P.RISK_LIST_REVIEW, P.LICENCE_SYNC_READ} <= business
    county_business = ROLE_PERMISSIONS[Role.COUNTY_ADMIN] - {P.USERS_READ, P.USERS_WRITE}  # its inspectors' accounts
    assert county_business <= business  # every business a county does, the prefecture may do


@pytest.mark.parametrize("admin", sorted(ADMINISTRATORS), ids=str)
def test_no_administrator_reads_or_writes_a_business_record(admin: Role) -> None:
    shared = ROLE_PERMISSIONS[admin] & ROLE_PERMISSIONS[Role.PREFECTURE_ADMIN]
    assert shared == {P.JURISDICTIONS_READ, P.NOTIFICATIONS_READ}  # the list of counties and one's own inbox


def test_no_service_key_can_be_given_an_administrators_power() -> None:
    assert not SERVICE_SCOPES & frozenset().union(*DUTIES.values())
    every_scope = frozenset(p.value for p in Permission)
    assert not permissions_for(Role.SERVICE, every_scope) & frozenset().union(*DUTIES.values())


# --- whose account: managing, assigning roles, clearing locks ---------------------------------------------------

MANAGE = [
    # actor, target, may
    (Role.SYSTEM_ADMIN, Role.PREFECTURE_ADMIN, True),
    (Role.SYSTEM_ADMIN, Role.PREFECTURE_VIEWER, True),
    (Role.SYSTEM_ADMIN, Role.COUNTY_ADMIN, True),
    (Role.SYSTEM_ADMIN, Role.COUNTY_INSPECTOR, True),
    (Role.SYSTEM_ADMIN, Role.SYSTEM_ADMIN, False),  # not another system administrator, not itself
    (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, False),
    (Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN, False),  # it cannot set the auditor's password and sign in as them
    (Role.SYSTEM_ADMIN, Role.SERVICE, False),  # service accounts have their own endpoints
    (Role.COUNTY_ADMIN, Role.COUNTY_INSPECTOR, True),
    (Role.COUNTY_ADMIN, Role.COUNTY_ADMIN, False),
    (Role.COUNTY_ADMIN, Role.PREFECTURE_VIEWER, False),
    (Role.PREFECTURE_ADMIN, Role.COUNTY_INSPECTOR, False),  # the business administrator keeps no accounts
    (Role.SECURITY_ADMIN, Role.COUNTY_INSPECTOR, False),
    (Role.AUDIT_ADMIN, Role.COUNTY_INSPECTOR, False),
]


@pytest.mark.parametrize(("actor", "target", "allowed"), MANAGE)
def test_who_keeps_whose_account(actor: Role, target: Role, allowed: bool) -> None:
    assert may_manage_account(actor, target) is allowed


ASSIGN = [
    # actor, current, new, own account, may
    (Role.SECURITY_ADMIN, Role.COUNTY_INSPECTOR, Role.COUNTY_ADMIN, False, True),
    (Role.SECURITY_ADMIN, Role.PREFECTURE_VIEWER, Role.PREFECTURE_ADMIN, False, True),
    (Role.SECURITY_ADMIN, Role.PREFECTURE_ADMIN, Role.PREFECTURE_VIEWER, False, True),
    (Role.SECURITY_ADMIN, Role.COUNTY_INSPECTOR, Role.AUDIT_ADMIN, False, False),  # no one is made an administrator
    (Role.SECURITY_ADMIN, Role.COUNTY_INSPECTOR, Role.SYSTEM_ADMIN, False, False),
    (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.PREFECTURE_VIEWER, False, False),  # nor silenced by a new role
    (Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN, Role.COUNTY_ADMIN, False, False),
    (Role.SECURITY_ADMIN, Role.SECURITY_ADMIN, Role.PREFECTURE_ADMIN, True, False),  # never its own
    (Role.SECURITY_ADMIN, Role.COUNTY_INSPECTOR, Role.SERVICE, False, False),
    (Role.SYSTEM_ADMIN, Role.COUNTY_INSPECTOR, Role.COUNTY_ADMIN, False, False),  # creates accounts, assigns no role
    (Role.SYSTEM_ADMIN, Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN, True, False),
    (Role.PREFECTURE_ADMIN, Role.COUNTY_INSPECTOR, Role.COUNTY_ADMIN, False, False),
    (Role.COUNTY_ADMIN, Role.COUNTY_INSPECTOR, Role.COUNTY_ADMIN, False, False),
    (Role.AUDIT_ADMIN, Role.COUNTY_INSPECTOR, Role.COUNTY_ADMIN, False, False),
]


@pytest.mark.parametrize(("actor", "current", "new", "own", "allowed"), ASSIGN)
def test_who_moves_an_account_to_which_role(actor: Role, current: Role, new: Role, own: bool, allowed: bool) -> None:
    assert may_assign_role(actor, current, new, own_account=own) is allowed


CLEAR = [
    # actor, target, own account, may
    (Role.SECURITY_ADMIN, Role.COUNTY_INSPECTOR, False, True),
    (Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN, False, True),  # a lockout lifted gives no access: the owner tries again
    (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, False, True),
    (Role.SECURITY_ADMIN, Role.SECURITY_ADMIN, True, False),
    (Role.SECURITY_ADMIN, Role.SERVICE, False, False),  # a key has no password to be locked out of
    (Role.SYSTEM_ADMIN, Role.COUNTY_INSPECTOR, False, False),
    (Role.COUNTY_ADMIN, Role.COUNTY_INSPECTOR, False, False),
    (Role.PREFECTURE_ADMIN, Role.COUNTY_INSPECTOR, False, False),
]


@pytest.mark.parametrize(("actor", "target", "own", "allowed"), CLEAR)
def test_who_lifts_whose_lockout(actor: Role, target: Role, own: bool, allowed: bool) -> None:
    assert may_clear_lock(actor, target, own_account=own) is allowed


ROLE_PAIRS = list(product(sorted(Role), sorted(Role)))


@pytest.mark.parametrize(("actor", "target"), ROLE_PAIRS, ids=lambda r: r.value)
def test_no_one_keeps_an_administrators_account_or_moves_one_into_or_out_of_an_administrators_role(
    actor: Role, target: Role
) -> None:
    if target in ADMINISTRATORS or target is Role.SERVICE:
        assert not may_manage_account(actor, target)
        for other in Role:
            assert not may_assign_role(actor, target, other, own_account=False)
            assert not may_assign_role(actor, other, target, own_account=False)


@pytest.mark.parametrize(("actor", "target"), ROLE_PAIRS, ids=lambda r: r.value)
def test_no_one_acts_on_their_own_account(actor: Role, target: Role) -> None:
    assert not may_assign_role(actor, actor, target, own_account=True)
    assert not may_clear_lock(actor, actor, own_account=True)
    assert not may_manage_account(actor, actor)


def test_each_account_power_needs_the_permission_of_its_endpoints() -> None:
    """The tables and the permissions agree: a role keeps accounts only with users:write, and so on."""
    for role in MANAGES_ACCOUNTS:
        assert P.USERS_WRITE in ROLE_PERMISSIONS[role]
    for role in set(ASSIGNS_ROLES) | set(CLEARS_LOCKS):
        assert P.USERS_SECURITY in ROLE_PERMISSIONS[role]
    assert {r for r, held in ROLE_PERMISSIONS.items() if P.USERS_WRITE in held} == set(MANAGES_ACCOUNTS)
    assert {r for r, held in ROLE_PERMISSIONS.items() if P.USERS_SECURITY in held} == set(ASSIGNS_ROLES)


def test_the_business_roles_are_every_role_but_the_administrators_machines_and_the_enterprises_own() -> None:
    """An enterprise account is the manufacturer's, not the bureau's: invited by the county, kept by nobody's role."""
    assert BUSINESS_ROLES == SIGNING_IN - ADMINISTRATORS - {Role.ENTERPRISE_USER}


@pytest.mark.parametrize("role", sorted(ADMINISTRATORS), ids=str)
def test_administrators_are_labelled_in_chinese(role: Role) -> None:
    assert role.label.endswith("）") and "管理员" in role.label
