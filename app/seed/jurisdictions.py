"""Demo data: the real 塔城地区 and one account per role (the three administrators of 三权分立 too). Idempotent."""

from datetime import date

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.core.security import hash_password
from app.domain.permissions import Role
from app.models import Jurisdiction, TwoFactor, User
from app.models.base import utcnow

PREFECTURE = ("654200", "塔城地区")
COUNTIES = (
    ("654201", "塔城市"),
    ("654202", "乌苏市"),
    ("654203", "沙湾市"),
    ("654221", "额敏县"),
    ("654224", "托里县"),
    ("654225", "裕民县"),
    ("654226", "和布克赛尔蒙古自治县"),
)

DEMO_PASSWORD = "Zhijian@2026"
DEMO_TOTP_SECRET = "ZHIJIANDEMOADMINONLYFORTHEDEMOXX"
"""The demo administrators (`admin`, `sysadmin`, `secadmin`, `auditor`) sign in with two factors, as every
administrator must by default: this published authenticator secret gives their codes
(`python -c "import pyotp; print(pyotp.TOTP('ZHIJIANDEMOADMINONLYFORTHEDEMOXX').now())"`). Demo only."""
TWO_FACTOR_BY_DEFAULT = frozenset(Settings.model_fields["two_factor_roles"].default)
DEMO_USERS = (
    # username, full name, role, county, credential no
    ("admin", "常亮", Role.PREFECTURE_ADMIN, None, None),
    ("sysadmin", "系统管理员", Role.SYSTEM_ADMIN, None, None),
    ("secadmin", "安全管理员", Role.SECURITY_ADMIN, None, None),
    ("auditor", "审计管理员", Role.AUDIT_ADMIN, None, None),
    ("leader", "地区局领导", Role.PREFECTURE_VIEWER, None, None),
    ("tcs_admin", "塔城市局管理员", Role.COUNTY_ADMIN, "654201", None),
    ("tcs_insp1", "塔城市执法人员甲", Role.COUNTY_INSPECTOR, "654201", "65420100001"),
    ("tcs_insp2", "塔城市执法人员乙", Role.COUNTY_INSPECTOR, "654201", "65420100002"),
    ("wus_insp1", "乌苏市执法人员甲", Role.COUNTY_INSPECTOR, "654202", "65420200001"),
)


async def seed_jurisdictions(session: AsyncSession) -> int:
    added = 0
    rows = [(PREFECTURE[0], PREFECTURE[1], "prefecture", None)] + [
        (code, name, "county", PREFECTURE[0]) for code, name in COUNTIES
    ]
    for code, name, level, parent in rows:
        if await session.get(Jurisdiction, code) is None:
            session.add(Jurisdiction(code=code, name=name, level=level, parent_code=parent))
            added += 1
        await session.flush()
    return added


async def seed_demo_users(session: AsyncSession) -> int:
    added = 0
    password_hash = hash_password(DEMO_PASSWORD)
    for username, full_name, role, county, credential in DEMO_USERS:
        if (await session.exec(select(User.id).where(User.username == username))).first():
            continue
        user = User(
            username=username,
            full_name=full_name,
            role=role.value,
            county_code=county,
            credential_no=credential,
            credential_valid_from=date(2024, 1, 1) if credential else None,
            credential_valid_until=date(2029, 12, 31) if credential else None,
            password_hash=password_hash,
        )
        session.add(user)
        if role in TWO_FACTOR_BY_DEFAULT:
            await session.flush()
            session.add(TwoFactor(user_id=user.id, secret=DEMO_TOTP_SECRET, confirmed_at=utcnow()))
        added += 1
    await session.flush()
    return added
