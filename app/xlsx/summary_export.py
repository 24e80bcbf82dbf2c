"""附件3 工业产品生产企业监督检查完成情况汇总表: one row per county, a totals row, unit and date lines, A4 landscape."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from app.domain.reporting import SummaryFigure, completion_rate_of
from app.xlsx.cells import RATE_FORMAT, number_format, print_on_a4, safe

COLUMNS: tuple[tuple[SummaryFigure, int], ...] = (
    # (figure, width): the header is the figure's label, as the summary's `labels` say it
    (SummaryFigure.enterprises, 9),
    (SummaryFigure.plan_lines, 8),
    (SummaryFigure.required_visits, 8),
    (SummaryFigure.visits_done, 9),
    (SummaryFigure.completion_rate, 8),
    (SummaryFigure.fully_inspected, 9),
    (SummaryFigure.findings, 8),
    (SummaryFigure.rectified, 7),
    (SummaryFigure.overdue, 8),
    (SummaryFigure.cases_filed, 7),
    (SummaryFigure.risk_list_entries, 8),
    (SummaryFigure.failed_samplings_referred, 9),
    (SummaryFigure.samplings_handled_referred, 9),
    (SummaryFigure.failed_samplings_local, 9),
    (SummaryFigure.samplings_handled_local, 9),
    (SummaryFigure.publicity_activities, 7),
    (SummaryFigure.media_adoptions, 9),
)
LEAD = (("序号", 5), ("县（市）", 16))
TAIL = (("报送情况", 20),)

RATE_COLUMN = len(LEAD) + 1 + [figure for figure, _ in COLUMNS].index(SummaryFigure.completion_rate)

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center")
RIGHT = Alignment(horizontal="right", vertical="center")


@dataclass(frozen=True)
class CountyLine:
    county_name: str
    figures: dict[str, Any] | None  # None: not submitted
    status_text: str


def _value(figures: dict[str, Any], figure: SummaryFigure) -> int | float:
    if figure is SummaryFigure.completion_rate:
        return completion_rate_of(figures.get("plan_visits_done") or 0, figures.get("required_visits") or 0)
    return figures.get(figure, 0)


def _values(figures: dict[str, Any] | None) -> list[Any]:
    if figures is None:
        return [""] * len(COLUMNS)
    return [_value(figures, figure) for figure, _ in COLUMNS]


def summary_workbook(
    title: str, unit: str, filled_on: date, lines: Sequence[CountyLine], total: dict[str, Any] | None
) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "附件3"
    width = len(LEAD) + len(COLUMNS) + len(TAIL)
    last = get_column_letter(width)
    print_on_a4(ws, title_rows="1:3")
    ws.print_options.horizontalCentered = True

    ws["A1"] = "附件3"
    ws.merged_cells.add(f"A2:{last}2")
    ws["A2"] = title
    ws["A2"].font = Font(bold=True, size=16)
    ws["A2"].alignment = CENTER
    ws.row_dimensions[2].height = 30
    half = width // 2
    ws.merged_cells.add(f"A3:{get_column_letter(half)}3")
    ws["A3"] = f"填报单位（盖章）：{unit}"
    ws["A3"].alignment = LEFT
    ws.merged_cells.add(f"{get_column_letter(half + 1)}3:{last}3")
    ws.cell(3, half + 1, f"填报日期：{filled_on.year}年{filled_on.month}月{filled_on.day}日").alignment = RIGHT

    headers = [h for h, _ in LEAD] + [figure.label for figure, _ in COLUMNS] + [h for h, _ in TAIL]
    widths = [w for _, w in LEAD] + [w for _, w in COLUMNS] + [w for _, w in TAIL]
    for n, (header, w) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(4, n, header)
        cell.font = Font(bold=True)
        cell.alignment = CENTER
        cell.border = BOX
        ws.column_dimensions[get_column_letter(n)].width = w
    ws.row_dimensions[4].height = 60

    rows = [[n, line.county_name, *_values(line.figures), line.status_text] for n, line in enumerate(lines, 1)]
    if total is not None:
        rows.append(["", "合计", *_values(total), ""])
    for r, row in enumerate(rows, start=5):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(r, c, safe(value))
            cell.alignment = CENTER
            cell.border = BOX
            if c == RATE_COLUMN and isinstance(value, float):
                cell.number_format = RATE_FORMAT
            elif c > len(LEAD) and (count := number_format(value)):
                cell.number_format = count
            if total is not None and r == 4 + len(rows):
                cell.font = Font(bold=True)
    foot = 5 + len(rows) + 1
    ws.merged_cells.add(f"A{foot}:{last}{foot}")
    ws[f"A{foot}"] = "填表人：                    审核人：                    联系电话："
    ws[f"A{foot}"].alignment = LEFT
    note = foot + 1
    ws.merged_cells.add(f"A{note}:{last}{note}")
    ws[f"A{note}"] = (
        "说明：数据自当年1月1日起累计，由系统按各县（市）报送时冻结的数据生成；完成率=计划内完成次数/计划检查次数；"
        "不合格后处理分上级转办与本级组织；媒体采纳仅计地区级以上媒体、网站。"
    )
    ws[f"A{note}"].alignment = LEFT
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
