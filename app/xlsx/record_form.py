"""附件2 生产企业现场监督检查记录表: one visit on two identical A4 sheets, 企业留存 and 监管部门留存."""

from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from app.xlsx.cells import number_format, print_on_a4, safe

TITLE = "生产企业现场监督检查记录表"
COPIES = ("企业留存", "监管部门留存")
WIDTHS = {"A": 7, "B": 16, "C": 44, "D": 12, "E": 22}

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="center")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
BOLD = Font(bold=True)


@dataclass(frozen=True)
class ChecklistLine:
    label: str
    content: str
    result: str  # 符合 / 不符合 / 不适用 / ""
    note: str


@dataclass(frozen=True)
class FindingLine:
    description: str
    severity: str
    deadline: str


@dataclass(frozen=True)
class InspectorLine:
    name: str
    credential_no: str
    valid_until: str


@dataclass(frozen=True)
class RecordForm:
    enterprise_name: str
    credit_code: str
    address: str
    licence_no: str
    visit_type: str
    visit_date: str
    functions: str
    conclusion: str
    representative: str
    notes: str
    visit_ref: str
    checklist: list[ChecklistLine] = field(default_factory=list)
    findings: list[FindingLine] = field(default_factory=list)
    inspectors: list[InspectorLine] = field(default_factory=list)


class _Sheet:
    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.row = 0

    def line(self, *cells: Any, merge: tuple[int, int] | None = None, style: str = "box") -> int:
        """One row from column A. style: box (labels in A and D bold), header, rows, plain (no borders)."""
        self.row += 1
        last = max(len(cells), merge[1] if merge else 0)
        for col in range(1, last + 1):
            cell = self.ws.cell(row=self.row, column=col)
            if col <= len(cells):
                cell.value = safe(cells[col - 1])
                cell.number_format = number_format(cells[col - 1]) or cell.number_format
            cell.alignment = CENTER if style == "header" else WRAP
            if style != "plain":
                cell.border = BOX
            if style == "header" or (style == "box" and col in (1, 4)):
                cell.font = BOLD
        if merge:
            self.ws.merge_cells(start_row=self.row, start_column=merge[0], end_row=self.row, end_column=merge[1])
        return self.row

    def heading(self, text: str) -> None:
        self.row += 1
        cell = self.ws.cell(row=self.row, column=1, value=text)
        cell.font = Font(bold=True, size=12)
        self.ws.merge_cells(start_row=self.row, start_column=1, end_row=self.row, end_column=5)


def _setup(ws: Worksheet) -> None:
    for letter, width in WIDTHS.items():
        ws.column_dimensions[letter].width = width
    print_on_a4(ws, orientation=ws.ORIENTATION_PORTRAIT)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6


def _write(ws: Worksheet, form: RecordForm, copy: str) -> None:
    _setup(ws)
    s = _Sheet(ws)
    s.row = 1
    ws.cell(row=1, column=1, value=TITLE).font = Font(bold=True, size=16)
    ws.cell(row=1, column=1).alignment = CENTER
    ws.merge_cells("A1:E1")
    ws.row_dimensions[1].height = 30
    s.line(f"（{copy}）    记录编号：{form.visit_ref}", merge=(1, 5), style="plain")
    ws.cell(row=s.row, column=1).alignment = Alignment(horizontal="right")
    s.line("企业名称", form.enterprise_name, "", "统一社会信用代码", form.credit_code, merge=(2, 3))
    s.line("企业地址", form.address, merge=(2, 5))
    s.line("生产许可证编号", form.licence_no or "无", "", "检查形式", form.visit_type, merge=(2, 3))
    s.line("检查日期", form.visit_date, "", "同时检查事项", form.functions or "无", merge=(2, 3))
    s.heading("一、检查事项")
    s.line("序号", "检查项目", "检查内容", "检查结果", "备注", style="header")
    for number, item in enumerate(form.checklist, start=1):
        s.line(number, item.label, item.content, item.result, item.note, style="rows")
        ws.cell(row=s.row, column=1).alignment = ws.cell(row=s.row, column=4).alignment = CENTER
    s.line("检查结论", form.conclusion, merge=(2, 5))
    s.heading("二、发现的问题及整改要求（限期整改）")
    s.line("序号", "问题描述", "", "严重程度", "整改期限", merge=(2, 3), style="header")
    for number, finding in enumerate(form.findings or [FindingLine("无", "", "")], start=1):
        s.line(number, finding.description, "", finding.severity, finding.deadline, merge=(2, 3), style="rows")
    s.heading("三、检查人员及执法证")
    s.line("序号", "姓名", "执法证号", "有效期至", "", style="header")
    for number, inspector in enumerate(form.inspectors, start=1):
        s.line(number, inspector.name, inspector.credential_no, inspector.valid_until, "", style="rows")
    s.line("备注", form.notes, merge=(2, 5))
    s.line("企业负责人", form.representative, merge=(2, 5))
    s.row += 1
    s.line("检查人员签字：", "", "", "日期：", "    年    月    日", style="plain")
    ws.row_dimensions[s.row].height = 36
    s.line("企业负责人签字：", "", "", "日期：", "    年    月    日", style="plain")
    ws.row_dimensions[s.row].height = 36
    ws.print_area = f"A1:E{s.row}"


def record_form_xlsx(form: RecordForm) -> bytes:
    workbook = Workbook()
    first = workbook.active
    first.title = COPIES[0]
    _write(first, form, COPIES[0])
    _write(workbook.create_sheet(COPIES[1]), form, COPIES[1])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
