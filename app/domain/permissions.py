"""Who may do what (SPEC 'Users (roles)'): permissions are data, not `if`s in handlers.

Jurisdiction (which county's records) is not decided here: it is a WHERE in every query.
"""

from enum import StrEnum

from app.domain.errors import Message
from app.domain.labels import LabelledEnum


class NodeLevel(LabelledEnum):
    """The levels of the jurisdiction tree: the region, its prefectures (地州市), their counties and county-level
    cities."""

    region = "自治区"
    prefecture = "地州市"
    county = "县（市）"


class Role(LabelledEnum):
    REGION_ADMIN = "region_admin", "自治区局（业务管理员，只读汇总）"
    REGION_VIEWER = "region_viewer", "自治区局领导（只读）"
    PREFECTURE_ADMIN = "prefecture_admin", "地区局质量监督科（业务管理员）"
    PREFECTURE_VIEWER = "prefecture_viewer", "地区局领导（只读）"
    COUNTY_ADMIN = "county_admin", "县（市）局管理员"
    COUNTY_INSPECTOR = "county_inspector", "县（市）局执法人员"
    SERVICE = "service", "系统对接账号"
    SYSTEM_ADMIN = "system_admin", "系统管理员（账号、辖区）"
    SECURITY_ADMIN = "security_admin", "安全管理员（角色、策略、解锁）"
    AUDIT_ADMIN = "audit_admin", "审计管理员（审计记录）"
    ENTERPRISE_USER = "enterprise_user", "企业账号（本企业）"

    @property
    def is_county_bound(self) -> bool:
        return self in (Role.COUNTY_ADMIN, Role.COUNTY_INSPECTOR, Role.ENTERPRISE_USER)

    @property
    def is_region_level(self) -> bool:
        return self in (Role.REGION_ADMIN, Role.REGION_VIEWER)

    @property
    def level(self) -> NodeLevel | None:
        """The level of the node an account of this role belongs to; None: any (administrators, services)."""
        if self.is_county_bound:
            return NodeLevel.county
        if self.is_region_level:
            return NodeLevel.region
        return NodeLevel.prefecture if self in (Role.PREFECTURE_ADMIN, Role.PREFECTURE_VIEWER) else None


ROLE_LABELS: dict[Role, str] = {role: role.label for role in Role}
"""Kept for callers that look labels up in a dict; `Role.X.label` is the source."""


class Permission(StrEnum):
    JURISDICTIONS_READ = "jurisdictions:read"
    USERS_READ = "users:read"
    USERS_WRITE = "users:write"
    USERS_SECURITY = "users:security"
    INSPECTORS_READ = "inspectors:read"  # the directory of inspectors to visit with: names and credentials only
    SERVICE_ACCOUNTS_WRITE = "service_accounts:write"
    AUDIT_READ = "audit:read"
    ENTERPRISES_READ = "enterprises:read"
    ENTERPRISES_WRITE = "enterprises:write"
    ENTERPRISES_IMPORT = "enterprises:import"
    LICENCES_WRITE = "licences:write"
    LICENCE_SYNC_READ = "licence_sync:read"  # the exchanges with the licensing system: business, not audit
    SIGNALS_WRITE = "signals:write"
    PLANS_READ = "plans:read"
    PLANS_MANAGE = "plans:manage"
    PLANS_ADJUST = "plans:adjust"
    VISITS_READ = "visits:read"
    VISITS_WRITE = "visits:write"
    FINDINGS_WRITE = "findings:write"
    RISK_LIST_REVIEW = "risk_list:review"
    REPORTS_READ = "reports:read"
    REPORTS_SUBMIT = "reports:submit"
    DISCLOSURES_PUBLISH = "disclosures:publish"
    PUBLICITY_WRITE = "publicity:write"
    NOTIFICATIONS_READ = "notifications:read"
    WEBHOOKS_MANAGE = "webhooks:manage"  # one's own webhook subscriptions (a service key, the prefecture admin)
    ENTERPRISE_ACCOUNTS_INVITE = "enterprise_accounts:invite"  # invite a manufacturer's staff to its own account
    OWN_ENTERPRISE_READ = "own_enterprise:read"  # an enterprise account: its own visits, findings, licences
    OWN_ENTERPRISE_WRITE = "own_enterprise:write"  # its rectification reports, extension requests, self-checks


_READ = frozenset(
    {
        Permission.JURISDICTIONS_READ,
        Permission.INSPECTORS_READ,
        Permission.ENTERPRISES_READ,
        Permission.PLANS_READ,
        Permission.VISITS_READ,
        Permission.REPORTS_READ,
    }
)

_OWN = frozenset({Permission.NOTIFICATIONS_READ})
"""What every person who signs in has of their own: their inbox. A service account has none."""

ADMINISTRATORS: frozenset[Role] = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
"""三员 (GB/T 22239-2019 三级, 三权分立): no account is two of them, and none of them does the bureau's business."""

DUTIES: dict[Role, frozenset[Permission]] = {
    Role.SYSTEM_ADMIN: frozenset({Permission.USERS_READ, Permission.USERS_WRITE, Permission.SERVICE_ACCOUNTS_WRITE}),
    Role.SECURITY_ADMIN: frozenset({Permission.USERS_READ, Permission.USERS_SECURITY}),
    Role.AUDIT_ADMIN: frozenset({Permission.AUDIT_READ}),
}
"""What each administrator is for: accounts (users, service accounts, jurisdictions); roles, unlocks and second
factors; the audit trail (read, verify, export)."""

SEPARATED: dict[Role, frozenset[Permission]] = {
    role: duties - {Permission.USERS_READ} for role, duties in DUTIES.items()
}
"""The powers kept apart (reading the list of accounts is shared): no role holds powers of two administrators.
A county admin keeps its own inspectors' accounts, a share of the system administrator's, and no other."""

_ADMINISTRATION = frozenset().union(*DUTIES.values())

ENTERPRISE_OWN = frozenset({Permission.OWN_ENTERPRISE_READ, Permission.OWN_ENTERPRISE_WRITE})
"""What only an enterprise account holds: the bureau's staff speak for the bureau, never for the manufacturer."""

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PREFECTURE_ADMIN: frozenset(Permission) - _ADMINISTRATION - ENTERPRISE_OWN,  # plans, ledger, visits, reports
    Role.PREFECTURE_VIEWER: _READ | _OWN | {Permission.USERS_READ},
    # the region reads and rolls up every prefecture's figures and issues nothing to counties
    Role.REGION_VIEWER: _READ | _OWN | {Permission.USERS_READ},
    Role.REGION_ADMIN: _READ | _OWN | {Permission.USERS_READ, Permission.WEBHOOKS_MANAGE},
    Role.COUNTY_ADMIN: _READ
    | _OWN
    | {
        Permission.USERS_READ,
        Permission.USERS_WRITE,
        Permission.ENTERPRISES_WRITE,
        Permission.ENTERPRISES_IMPORT,
        Permission.LICENCES_WRITE,
        Permission.SIGNALS_WRITE,
        Permission.PLANS_ADJUST,
        Permission.VISITS_WRITE,
        Permission.FINDINGS_WRITE,
        Permission.REPORTS_SUBMIT,
        Permission.PUBLICITY_WRITE,
        Permission.ENTERPRISE_ACCOUNTS_INVITE,
    },
    Role.COUNTY_INSPECTOR: _READ
    | _OWN
    | {
        Permission.SIGNALS_WRITE,
        Permission.VISITS_WRITE,
        Permission.FINDINGS_WRITE,
    },
    Role.ENTERPRISE_USER: ENTERPRISE_OWN | _OWN,  # no internal list: its own enterprise, through its own routes
    Role.SERVICE: frozenset(),  # a service account holds exactly the scopes its key grants
    **{role: duties | {Permission.JURISDICTIONS_READ} | _OWN for role, duties in DUTIES.items()},
}

SERVICE_SCOPES: frozenset[Permission] = frozenset(
    {
        Permission.JURISDICTIONS_READ,
        Permission.ENTERPRISES_READ,
        Permission.ENTERPRISES_WRITE,
        Permission.ENTERPRISES_IMPORT,
        Permission.LICENCES_WRITE,
        Permission.SIGNALS_WRITE,
        Permission.PLANS_READ,
        Permission.VISITS_READ,
        Permission.REPORTS_READ,
        Permission.WEBHOOKS_MANAGE,
    }
)
"""Scopes a service key may be granted; no administrator's duty (accounts, security, audit) goes to a machine."""


def permissions_for(role: Role, scopes: frozenset[str] = frozenset()) -> frozenset[Permission]:
    if role is Role.SERVICE:
        return frozenset(Permission(s) for s in scopes if s in SERVICE_SCOPES)
    return ROLE_PERMISSIONS[role]


PASSWORD_MIN_LENGTH: dict[Role, int] = {Role.ENTERPRISE_USER: 12}
"""An enterprise account signs in from outside the bureau's network, often from a shared office computer: a longer
password than the bureau's 10 characters."""


def password_min_length(role: Role) -> int:
    return PASSWORD_MIN_LENGTH.get(role, 10)


def password_problems(password: str, *, min_length: int = 10, min_classes: int = 3) -> list[Message]:
    """等保三级 password policy: at least `min_length` (10, an enterprise account 12) characters from at least 3 of
    4 character classes."""
    problems: list[Message] = []
    if len(password) < min_length:
        problems.append(Message("password_too_short", min_length=min_length))
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if classes < min_classes:
        problems.append(Message("password_too_few_classes", min_classes=min_classes))
    return problems
