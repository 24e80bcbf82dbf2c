"""Demo ledger: a few real-looking manufacturers per county of 塔城地区, with licences and risk signals,
so a first-time user of `make run` has something to plan, visit and report on. Idempotent, deterministic."""

from datetime import date, timedelta
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.clock import today_in_china
from app.domain.credit_code import make_credit_code
from app.domain.permissions import Role
from app.models import Enterprise, Licence, RiskSignal, User
from app.seed.jurisdictions import COUNTIES

# (name suffix, industry, main products, licence category or None, risk class, key product flag)
TRADES = (
    ("恒通水泥有限公司", "建材", "通用硅酸盐水泥", "水泥", "C", False),
    ("天山钢筋制品有限公司", "冶金", "热轧带肋钢筋", "建筑用钢筋", "B", False),
    ("西域电线电缆有限公司", "电工", "低压电线电缆", "电线电缆", "B", True),
    ("绿源化肥有限责任公司", "化工", "复混肥料", "化肥", "C", True),
    ("金盾安全帽制造有限公司", "轻工", "安全帽", "安全帽", "A", False),
    ("丝路食品包装材料有限公司", "轻工", "食品用塑料包装", "直接接触食品的材料等相关产品", "B", False),
    ("北疆液化气调压器厂", "机械", "瓶装液化石油气调压器", "瓶装液化石油气调压器", "D", True),
    ("额河木业有限公司", "林产", "家具及木门", None, "A", False),
)
SHORT_NAMES = {"654226": "和布克赛尔"}
REPRESENTATIVES = ("王建国", "李春华", "张海涛", "刘玉兰", "陈志强", "马丽", "阿依古丽", "努尔兰")


def demo_credit_code(county: str, n: int) -> str:
    return make_credit_code(f"9165{county[2:]}MA{n:07d}"[:17].replace("I", "1").replace("O", "0"))


def _signal(k: int, n: int, products: str) -> dict[str, Any] | None:
    """The second enterprise of a county failed a sampling, the fourth drew a substantiated complaint."""
    if k == 2:
        return {
            "kind": "sampling", "occurred_on": date(2026, 5, 12), "source": "2026年自治区监督抽查",
            "product": products, "batch": "20260501", "qualified": False, "report_no": f"XJ2026-{n:04d}",
            "note": "标识标注不合格",
        }  # fmt: skip
    if k == 3:
        return {
            "kind": "complaint", "occurred_on": date(2026, 8, 3), "source": "12315投诉举报",
            "substantiated": True, "note": "消费者反映产品质量问题，经核查属实",
        }  # fmt: skip
    return None


async def seed_demo_enterprises(session: AsyncSession, *, per_county: int = 4) -> int:
    if (await session.exec(select(Enterprise.id).limit(1))).first():
        return 0
    added = 0
    for c, (county, county_name) in enumerate(COUNTIES):
        for k in range(per_county):
            n = c * 100 + k + 1
            suffix, industry, products, category, risk, key_product = TRADES[(c + k) % len(TRADES)]
            enterprise = Enterprise(
                credit_code=demo_credit_code(county, n),
                name=f"{SHORT_NAMES.get(county, county_name[:2])}{suffix}",
                county_code=county,
                address=f"{county_name}工业园区{k + 1}号",
                legal_representative=REPRESENTATIVES[n % len(REPRESENTATIVES)],
                industry=industry,
                main_products=products,
                risk_class=risk,
                key_product=key_product,
                contact_person=REPRESENTATIVES[(n + 3) % len(REPRESENTATIVES)],
                contact_phone=f"0901-62{n:05d}",
            )
            session.add(enterprise)
            await session.flush()
            if category:
                session.add(
                    Licence(
                        enterprise_id=enterprise.id,
                        licence_no=f"新XK{13 + k:02d}-{200 + c:03d}-{n:05d}",
                        product_category=category,
                        issued_on=date(2022, 3, 1),
                        # relative to the day of seeding, so the demo stays as it is meant whenever it is made:
                        # the second manufacturer of each county due for renewal (到期换证), the others not
                        expires_on=today_in_china() + timedelta(days=400 if k != 1 else 30),
                    )
                )
            if signal := _signal(k, n, products):
                session.add(RiskSignal(enterprise_id=enterprise.id, **signal))
            added += 1
    await session.flush()
    return added


DEMO_ENTERPRISE_ACCOUNT = ("tcs_ent1", "恒通水泥质量负责人")
"""The demo enterprise account (issue 18): bound to 塔城市's first demo manufacturer (by credit code)."""


async def seed_demo_enterprise_account(session: AsyncSession, password_hash: str) -> int:
    username, full_name = DEMO_ENTERPRISE_ACCOUNT
    if (await session.exec(select(User.id).where(User.username == username))).first():
        return 0
    county = COUNTIES[0][0]
    enterprise = (
        await session.exec(select(Enterprise).where(Enterprise.credit_code == demo_credit_code(county, 1)))
    ).first()
    if enterprise is None:  # a ledger that is not the demo's
        return 0
    session.add(
        User(
            username=username,
            full_name=full_name,
            role=Role.ENTERPRISE_USER.value,
            county_code=enterprise.county_code,
            enterprise_id=enterprise.id,
            password_hash=password_hash,
        )
    )
    await session.flush()
    return 1
