"""Whose account each role administers (三权分立, GB/T 22239-2019 三级): the permissions say which endpoints a
role may call, these tables say on which accounts.

- The system administrator keeps the accounts of the bureau's staff (create, edit, deactivate, set a password);
  a county admin keeps its own county's inspectors.
- The security administrator moves those accounts between the business roles and clears lockouts (and second
  factors) of everyone who signs in, but never on its own account.
- No role reaches an administrator's account or role: the three administrators are appointed from the command
  line (`python -m app.cli create-user`), by whoever holds the server. So the system administrator cannot make
  itself (or an account it knows the password of) an auditor, the security administrator cannot make itself
  anything, and nobody can silence the audit administrator by changing its role.
"""

from app.domain.permissions import Role

BUSINESS_ROLES: frozenset[Role] = frozenset(
    {
        Role.REGION_ADMIN,
        Role.REGION_VIEWER,
        Role.PREFECTURE_ADMIN,
        Role.PREFECTURE_VIEWER,
        Role.COUNTY_ADMIN,
        Role.COUNTY_INSPECTOR,
    }
)
"""The people of the bureau who do its work; service accounts have their own endpoints and keys."""

MANAGES_ACCOUNTS: dict[Role, frozenset[Role]] = {
    Role.SYSTEM_ADMIN: BUSINESS_ROLES,
    Role.COUNTY_ADMIN: frozenset({Role.COUNTY_INSPECTOR}),  # of its own county: a WHERE, not this table
}
"""Role → the roles whose accounts it creates, edits, deactivates and sets passwords of."""

ASSIGNS_ROLES: dict[Role, frozenset[Role]] = {Role.SECURITY_ADMIN: BUSINESS_ROLES}
"""Role → the roles it moves accounts between: an account holding one of them may be given another of them."""

CLEARS_LOCKS: dict[Role, frozenset[Role]] = {Role.SECURITY_ADMIN: frozenset(Role) - {Role.SERVICE}}
"""Role → whose lockout (and second factor) it clears: it grants no access, it lets the owner sign in again."""


def may_manage_account(actor: Role, target: Role) -> bool:
    return target in MANAGES_ACCOUNTS.get(actor, frozenset())


def may_assign_role(actor: Role, current: Role, new: Role, *, own_account: bool) -> bool:
    between = ASSIGNS_ROLES.get(actor, frozenset())
    return not own_account and current in between and new in between


def may_clear_lock(actor: Role, target: Role, *, own_account: bool) -> bool:
    return not own_account and target in CLEARS_LOCKS.get(actor, frozenset())


INVITATION_VALID_DAYS = 14
"""An enterprise account's invitation code is good for this many days, once (the county gives it on paper or by
SMS); after that the county issues a new one."""
