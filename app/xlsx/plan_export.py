"""附件1 检查计划明细表: one sheet per county plus a summary sheet, A4 landscape, header repeated on every page.

Streams rows (openpyxl write-only), so a prefecture-wide plan of 100,000 lines stays within memory.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from app.xlsx.cells import number_format, print_on_a4, safe

HEADERS = (
    "序号",
    "县（市）",
    "企业名称",
    "统一社会信用代码",
    "生产地址",
    "主要产品",
    "许可证编号",
    "风险等级",
    "计划检查次数",
    "调整原因/依据",
    "计划检查时间",
    "备注",
)
WIDTHS = (6, 12, 30, 22, 30, 20, 20, 9, 8, 48, 24, 20)
SUMMARY_HEADERS = ("序号", "县（市）", "企业数", "A类", "B类", "C类", "D类", "计划检查次数", "调整企业数", "补充企业数")
SUMMARY_WIDTHS = (6, 24, 10, 8, 8, 8, 8, 14, 12, 12)

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


@dataclass(frozen=True)
class CountySheet:
    county_name: str
    rows: Sequence[Sequence[Any]]  # without 序号 and 县（市）: 企业名称 … 备注


def title(year: int) -> str:
    return f"{year}年度全地区工业产品生产企业质量监督检查计划明细表"


def _sheet(workbook: Workbook, name: str, heading: str, headers: Sequence[str], widths: Sequence[int]) -> Any:
    ws = workbook.create_sheet(name[:31])
    print_on_a4(ws, title_rows="1:2")
    ws.freeze_panes = "A3"
    for n, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(n)].width = width
    ws.merged_cells.add(f"A1:{get_column_letter(len(headers))}1")
    ws.append([_cell(ws, heading, font=Font(bold=True, size=16), alignment=CENTER)])
    ws.append([_cell(ws, h, font=Font(bold=True), alignment=CENTER, border=BOX) for h in headers])
    return ws


def _cell(ws: Any, value: Any, **style: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=safe(value))
    if count := number_format(value):
        cell.number_format = count
    for name, v in style.items():
        setattr(cell, name, v)
    return cell


def _rows(ws: Any, rows: Iterable[Sequence[Any]]) -> None:
    for row in rows:
        ws.append([_cell(ws, v, alignment=WRAP, border=BOX) for v in row])


def plan_workbook(year: int, summary: Sequence[Sequence[Any]], sheets: Sequence[CountySheet]) -> bytes:
    """`summary`: one row per county (县（市） … 补充企业数, without 序号); `sheets`: the lines of each county."""
    workbook = Workbook(write_only=True)
    ws = _sheet(workbook, "汇总", title(year) + "（汇总）", SUMMARY_HEADERS, SUMMARY_WIDTHS)
    _rows(ws, ([n, *row] for n, row in enumerate(summary, start=1)))
    for sheet in sheets:
        ws = _sheet(workbook, sheet.county_name, title(year), HEADERS, WIDTHS)
        _rows(ws, ([n, sheet.county_name, *row] for n, row in enumerate(sheet.rows, start=1)))
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
