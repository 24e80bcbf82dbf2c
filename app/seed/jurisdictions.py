"""Jurisdictions from the division codes; demo data: the real 塔城地区 and one account per role (the three
administrators of 三权分立 too). Idempotent."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.config import Settings
from app.core.security import hash_password
from app.domain.permissions import ADMINISTRATORS, Role
from app.models import Jurisdiction, TwoFactor, User
from app.models.base import utcnow

DIVISIONS_FILE = Path(__file__).parent / "data" / "xinjiang_divisions.json"
"""Xinjiang's division codes (GB/T 2260), taken once from the npm package named in the file: region, prefectures,
counties. A deployment holds the region and the prefectures it serves; adding one is `seed-jurisdictions CODE`."""
REGION = ("650000", "新疆维吾尔自治区")
PREFECTURE = ("654200", "塔城地区")
DEMO_PREFECTURES = (PREFECTURE[0],)


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str
    parent_code: str | None


@cache
def divisions() -> dict[str, Division]:
    """Every division of the data file by code, parents before children."""
    rows = json.loads(DIVISIONS_FILE.read_text(encoding="utf-8"))["divisions"]
    return {code: Division(code, name, level, parent) for code, name, level, parent in rows}


def prefecture_rows(prefecture: str) -> list[Division]:
    """The region, the prefecture and its counties, from the data file."""
    found = divisions()
    if found.get(prefecture) is None or found[prefecture].level != "prefecture":
        raise ValueError(f"{prefecture} is not a prefecture-level division of {DIVISIONS_FILE.name}")
    counties = [d for d in found.values() if d.parent_code == prefecture]
    return [found[REGION[0]], found[prefecture], *counties]


COUNTIES = tuple((d.code, d.name) for d in prefecture_rows(PREFECTURE[0])[2:])

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
    ("region", "自治区局（只读）", Role.REGION_VIEWER, None, None),
    ("tcs_admin", "塔城市局管理员", Role.COUNTY_ADMIN, "654201", None),
    ("tcs_insp1", "塔城市执法人员甲", Role.COUNTY_INSPECTOR, "654201", "65420100001"),
    ("tcs_insp2", "塔城市执法人员乙", Role.COUNTY_INSPECTOR, "654201", "65420100002"),
    ("wus_insp1", "乌苏市执法人员甲", Role.COUNTY_INSPECTOR, "654202", "65420200001"),
)


async def seed_jurisdictions(session: AsyncSession, prefectures: Sequence[str] = DEMO_PREFECTURES) -> int:
    """The region and the given prefectures with their counties; a row already there is hung where the data file
    says (an installation of before the tree gets its region). Idempotent; returns how many rows it added."""
    added = 0
    for prefecture in prefectures:
        for division in prefecture_rows(prefecture):
            parent = await session.get(Jurisdiction, division.parent_code) if division.parent_code else None
            path = (parent.path if parent else "") + f"{division.code}/"
            row = await session.get(Jurisdiction, division.code)
            if row is None:
                added += 1
                row = Jurisdiction(code=division.code, name=division.name, level=division.level, path=path)
            elif row.path != path:
                await _move_subtree(session, row.path, path)
            row.parent_code, row.path = division.parent_code, path
            session.add(row)
            await session.flush()
    return added


async def _move_subtree(session: AsyncSession, old: str, new: str) -> None:
    below = (await session.exec(select(Jurisdiction).where(col(Jurisdiction.path).startswith(old)))).all()
    for row in below:
        row.path = new + row.path[len(old) :]
        session.add(row)


def node_of(role: Role, county: str | None) -> str:
    """The node a demo account belongs to: its county; the region for region roles and the three administrators
    (who open prefectures); else the demo prefecture."""
    return county or (REGION[0] if role.is_region_level or role in ADMINISTRATORS else PREFECTURE[0])


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
            jurisdiction_code=node_of(role, county),
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
