"""The columns of the enterprise ledger sheet: one list shared by the template, the import and the export,
so an exported workbook imports back unchanged."""

from dataclasses import dataclass

SHEET_TITLE = "企业台账"
INSTRUCTIONS_TITLE = "填写说明"
YES, NO = "是", "否"


@dataclass(frozen=True)
class Column:
    key: str  # field name in JSON bodies and `errors[].column`
    header: str  # Chinese header in the workbook
    width: int
    max_length: int | None = None
    required: bool = False
    kind: str = "text"  # text | county | risk | status | flag


COLUMNS: tuple[Column, ...] = (
    Column("credit_code", "统一社会信用代码", 22, 18, True, "code"),
    Column("name", "企业名称", 34, 128, True),
    Column("county_code", "所属县（市）", 18, None, True, "county"),
    Column("address", "生产地址", 36, 256),
    Column("legal_representative", "法定代表人", 12, 64),
    Column("industry", "所属行业", 14, 64),
    Column("main_products", "主要产品", 26, 256),
    Column("risk_class", "风险等级", 10, None, False, "risk"),
    Column("status", "经营状态", 12, None, False, "status"),
    Column("key_industry", "重点行业", 10, None, False, "flag"),
    Column("key_region", "重点区域", 10, None, False, "flag"),
    Column("key_enterprise", "重点企业", 10, None, False, "flag"),
    Column("key_product", "重点产品", 10, None, False, "flag"),
    Column("contact_person", "联系人", 12, 64),
    Column("contact_phone", "联系电话", 16, 32),
)
HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
INDEX: dict[str, int] = {c.key: i for i, c in enumerate(COLUMNS)}
