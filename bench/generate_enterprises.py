"""Make N realistic enterprises of 塔城地区 as the import template (xlsx) and as a JSON array, plus their
licences and risk signals as JSON.

    .venv/bin/python bench/generate_enterprises.py 100000 [--out var/bench] [--seed 7]

Credit codes carry a valid GB 32100-2015 check character and the county's administrative code; classes
are skewed like a real ledger (mostly A/B), about one enterprise in six holds a production licence.
"""

import argparse
import json
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook  # noqa: E402

from app.domain.credit_code import ALPHABET, make_credit_code  # noqa: E402
from app.xlsx.enterprise_columns import HEADERS, KEYS, NO, SHEET_TITLE, YES  # noqa: E402

COUNTIES = {
    "654201": "塔城市",
    "654202": "乌苏市",
    "654203": "沙湾市",
    "654221": "额敏县",
    "654224": "托里县",
    "654225": "裕民县",
    "654226": "和布克赛尔蒙古自治县",
}
COUNTY_WEIGHTS = (18, 26, 24, 12, 8, 6, 6)
BRANDS = (
    "恒通 华新 天山 金桥 宏远 瑞丰 鑫源 西部 丰收 绿洲 塔尔巴哈台 准噶尔 博瑞 新鸿 长城 昆仑 雪峰 远航 众鑫 广汇"
).split()
PLACES = ("工业园区", "经济开发区", "城北", "城南")
TRADES = (
    ("建材", "水泥", "水泥有限公司", "水泥"),
    ("建材", "建筑用钢筋", "钢铁制品有限公司", "建筑用钢筋"),
    ("电工", "电线电缆", "电线电缆有限责任公司", "电线电缆"),
    ("化工", "危险化学品", "化工有限公司", "危险化学品"),
    ("化工", "化肥", "化肥厂", "化肥"),
    ("食品相关", "食品用塑料包装", "塑料制品有限公司", "直接接触食品的材料等相关产品"),
    ("轻工", "胶合板", "木业有限公司", "胶合板"),
    ("机械", "农机配件", "机械制造有限公司", None),
    ("纺织", "棉纱", "棉纺有限公司", None),
    ("食品", "面粉", "面粉加工厂", None),
    ("建材", "砖瓦", "新型建材有限公司", None),
    ("五金", "安全帽", "劳保用品有限公司", "安全帽"),
)
SURNAMES = "王 李 张 刘 陈 杨 赵 黄 周 吴 马 艾 买 阿 努 古".split()
GIVEN = "伟 芳 娜 敏 静 强 磊 军 洋 勇 艳 杰 江 买提 古丽 热合曼 阿依 巴特尔".split()
STATUS_LABELS = {"operating": "在产", "suspended": "停产", "closed": "关闭（注销）"}


def _credit_codes(n: int, rng: random.Random) -> list[tuple[str, str]]:
    counties = rng.choices(list(COUNTIES), weights=COUNTY_WEIGHTS, k=n)
    seen: set[str] = set()
    out = []
    for county in counties:
        while True:
            body = "91" + county + "".join(rng.choice(ALPHABET) for _ in range(9))
            code = make_credit_code(body)
            if code not in seen:
                seen.add(code)
                out.append((code, county))
                break
    return out


def generate(n: int, seed: int = 7) -> tuple[list[dict], list[dict], list[dict]]:
    rng = random.Random(seed)
    enterprises, licences, signals = [], [], []
    for i, (code, county) in enumerate(_credit_codes(n, rng)):
        industry, product, suffix, category = rng.choice(TRADES)
        status = rng.choices(("operating", "suspended", "closed"), weights=(90, 7, 3))[0]
        risk = rng.choices("ABCD", weights=(45, 35, 15, 5))[0]
        name = f"{COUNTIES[county][:2]}{rng.choice(BRANDS)}{suffix}{i:06d}"
        enterprises.append(
            {
                "credit_code": code,
                "name": name,
                "county_code": county,
                "address": f"{COUNTIES[county]}{rng.choice(PLACES)}{rng.randint(1, 300)}号",
                "legal_representative": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "industry": industry,
                "main_products": product,
                "risk_class": risk,
                "status": status,
                "key_industry": rng.random() < 0.1,
                "key_region": rng.random() < 0.05,
                "key_enterprise": rng.random() < 0.05,
                "key_product": category is not None and rng.random() < 0.3,
                "contact_person": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "contact_phone": f"1{rng.choice('358')}{rng.randint(0, 999999999):09d}",
            }
        )
        if category and rng.random() < 0.5:
            issued = date(2021, 1, 1) + timedelta(days=rng.randint(0, 1500))
            licences.append(
                {
                    "credit_code": code,
                    "licence_no": f"新XK{rng.randint(1, 30):02d}-{rng.randint(1, 999):03d}-{i % 100000:05d}",
                    "product_category": category,
                    "issued_on": issued.isoformat(),
                    "expires_on": (issued + timedelta(days=5 * 365)).isoformat(),
                }
            )
        if rng.random() < 0.04:
            kind = rng.choice(("complaint", "risk_alert", "sampling", "unlicensed_production"))
            signal = {"credit_code": code, "kind": kind, "occurred_on": f"2026-0{rng.randint(1, 9)}-15"}
            if kind == "sampling":
                signal |= {"product": product, "qualified": rng.random() < 0.8, "report_no": f"XJ2026-{i:06d}"}
            signals.append(signal)
    return enterprises, licences, signals


def sheet_row(e: dict) -> list:
    row = []
    for key in KEYS:
        v = e[key]
        if key == "county_code":
            v = COUNTIES[v]
        elif key == "status":
            v = STATUS_LABELS[v]
        elif key.startswith("key_"):
            v = YES if v else NO
        row.append(v)
    return row


def write_xlsx(enterprises: list[dict], path: Path) -> None:
    book = Workbook(write_only=True)
    ws = book.create_sheet(SHEET_TITLE)
    ws.append(list(HEADERS))
    for e in enterprises:
        ws.append(sheet_row(e))
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("--out", type=Path, default=Path("var/bench"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    enterprises, licences, signals = generate(args.n, args.seed)
    stem = args.out / f"enterprises_{args.n}"
    write_xlsx(enterprises, stem.with_suffix(".xlsx"))
    stem.with_suffix(".json").write_text(json.dumps(enterprises, ensure_ascii=False))
    (args.out / f"licences_{args.n}.json").write_text(json.dumps(licences, ensure_ascii=False))
    (args.out / f"signals_{args.n}.json").write_text(json.dumps(signals, ensure_ascii=False))
    size = stem.with_suffix(".xlsx").stat().st_size
    print(
        f"{args.n} enterprises, {len(licences)} licences, {len(signals)} signals → {stem}.xlsx "
        f"({size / 2**20:.1f} MB) and .json in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
