"""The enterprise ledger sheet: read an upload (python-calamine), write the template, an export and the
"errors" copy of an upload with every bad cell marked (openpyxl, write-only so 100k rows stay cheap)."""

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineError, CalamineWorkbook

from app.domain.errors import Message
from app.domain.risk import RiskClass
from app.domain.statuses import EnterpriseStatus
from app.xlsx.cells import neutralise
from app.xlsx.enterprise_columns import (
    COLUMNS,
    HEADERS,
    INSTRUCTIONS_TITLE,
    NO,
    SHEET_TITLE,
    YES,
)
from app.xlsx.safety import WorkbookRejected, check_xlsx

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
VALIDATED_ROWS = 20_000
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="305496")
_REQUIRED_FILL = PatternFill("solid", fgColor="C00000")
_BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
_BAD_FONT = Font(color="9C0006")


@dataclass(frozen=True)
class SheetRows:
    first_row: int
    """Sheet row number (1-based) of rows[0]; the header is the row above it."""
    rows: list[list[Any]]


def count_enterprise_rows(content: bytes, *, max_uncompressed: int, max_rows: int | None = None) -> int:
    """The safety checks of `read_enterprise_rows` alone, and how many data rows the sheets hold (without
    building them): enough to tell a large upload that will run as a job, and parse it once, there."""
    return max(check_xlsx(content, max_uncompressed=max_uncompressed, max_rows=max_rows) - 1, 0)


def read_enterprise_rows(
    content: bytes, *, max_uncompressed: int, max_rows: int | None = None, scanned: bool = False
) -> SheetRows:
    """Check the upload is safe, find the ledger sheet, check its headers, return the data rows as read.

    `scanned`: these very bytes already passed the safety checks (`count_enterprise_rows`) before they were kept,
    so they are not streamed through them a second time."""
    if not scanned:
        check_xlsx(content, max_uncompressed=max_uncompressed, max_rows=max_rows)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        names = book.sheet_names
        sheet = book.get_sheet_by_name(SHEET_TITLE if SHEET_TITLE in names else names[0])
        data = sheet.to_python(skip_empty_area=True)
        start = sheet.start
    except (CalamineError, IndexError, ValueError, OSError) as exc:
        raise WorkbookRejected(Message("cannot_read_workbook", error=type(exc).__name__)) from exc
    if not data:
        raise WorkbookRejected(Message("sheet_empty"))
    _check_headers(data[0], start_col=start[1] if start else 0)
    return SheetRows(first_row=(start[0] if start else 0) + 2, rows=data[1:])


def _check_headers(found_row: Sequence[Any], *, start_col: int) -> None:
    found = [str(v).strip() if v is not None else "" for v in found_row]
    while found and not found[-1]:
        found.pop()
    if start_col == 0 and tuple(found) == HEADERS:
        return
    errors: list[tuple[list[str | int], Message]] = []
    for i, expected in enumerate(HEADERS):
        got = found[i - start_col] if 0 <= i - start_col < len(found) else ""
        if got != expected:
            errors.append(
                (
                    ["body", "header_row", get_column_letter(i + 1)],
                    Message("header_expected", expected=expected, got=got),
                )
            )
    for i in range(len(HEADERS) - start_col, len(found)):
        letter = get_column_letter(i + start_col + 1)
        errors.append((["body", "header_row", letter], Message("unexpected_column", column=found[i])))
    raise WorkbookRejected(Message("headers_not_template"), errors=errors)


def _header_cells(ws: Worksheet) -> list[WriteOnlyCell]:
    cells = []
    for column in COLUMNS:
        cell = WriteOnlyCell(ws, column.header)
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if column.required else _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cells.append(cell)
    return cells


def _ledger_sheet(book: Workbook, county_names: Sequence[str], *, extra_headers: Sequence[str] = ()) -> Worksheet:
    ws = book.create_sheet(SHEET_TITLE)
    for i, column in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    for j, _ in enumerate(extra_headers, start=len(COLUMNS) + 1):
        ws.column_dimensions[get_column_letter(j)].width = 60
    ws.freeze_panes = "C2"
    _drop_downs(ws, county_names)
    return ws


def _drop_downs(ws: Worksheet, county_names: Sequence[str]) -> None:
    lists = {
        "county": county_names,
        "risk": [r.value for r in RiskClass],
        "status": [s.label for s in EnterpriseStatus],
        "flag": [YES, NO],
    }
    for kind, options in lists.items():
        letters = [get_column_letter(i) for i, c in enumerate(COLUMNS, start=1) if c.kind == kind]
        if not letters or not options:
            continue
        dv = DataValidation(
            type="list",
            formula1='"' + ",".join(options) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="取值无效",
            error="请从下拉列表中选择",
        )
        dv.sqref = " ".join(f"{letter}2:{letter}{VALIDATED_ROWS}" for letter in letters)
        ws.data_validations.append(dv)


def _instructions(book: Workbook) -> None:
    ws = book.create_sheet(INSTRUCTIONS_TITLE)
    ws.column_dimensions["A"].width = 100
    for line in (
        "1. 请在“企业台账”工作表中逐行填写，表头不得修改；红色表头为必填项。",
        "2. 统一社会信用代码为18位，按GB 32100-2015校验；按该代码更新已有企业或新增企业。",
        "3. 所属县（市）、风险等级、经营状态、重点监管标志请从下拉列表选择。",
        "4. 风险等级由地区局评定：县（市）用户请留空或保持原值；新增企业留空时暂按B类。",
        "5. 上传后如有错误，可下载错误文件（GET /api/v1/enterprise-imports/{id}/errors），错误单元格已标红并附批注。",
        "Fill one enterprise per row on the 企业台账 sheet; do not change the headers.",
    ):
        ws.append([line])


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_workbook(county_names: Sequence[str]) -> bytes:
    book = Workbook(write_only=True)
    ws = _ledger_sheet(book, county_names)
    ws.append(_header_cells(ws))
    _instructions(book)
    return _save(book)


def _cell_text(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise(value)
    return value


def export_workbook(rows: Iterable[Sequence[Any]], county_names: Sequence[str]) -> bytes:
    """`rows` are already in sheet form (county name, status label, 是/否) in COLUMNS order."""
    book = Workbook(write_only=True)
    ws = _ledger_sheet(book, county_names)
    ws.append(_header_cells(ws))
    for row in rows:
        ws.append([_cell_text(v) for v in row])
    return _save(book)


def errors_workbook(
    rows: Sequence[Sequence[Any]],
    first_row: int | None,
    problems: dict[int, dict[int, list[str]]],
    county_names: Sequence[str],
) -> bytes:
    """The upload again with each bad cell filled red and commented, and a last column listing the problems, each
    line saying the row of the uploaded sheet it belongs to (`first_row`: the sheet row of the first data row; None
    for a JSON upload, whose rows are counted from 0).

    `problems` maps the row's index (0-based among the rows) → column index (−1: the row as a whole) → messages.
    """
    book = Workbook(write_only=True)
    note_header = "错误说明"
    ws = _ledger_sheet(book, county_names, extra_headers=[note_header])
    header = _header_cells(ws)
    header.append(WriteOnlyCell(ws, note_header))
    ws.append(header)
    width = len(COLUMNS)
    for offset, raw in enumerate(rows):
        row_problems = problems.get(offset, {})
        cells: list[Any] = []
        for index in range(width):
            value = raw[index] if index < len(raw) else None
            if index not in row_problems:
                cells.append(_cell_text(value))
                continue
            cell = WriteOnlyCell(ws, _cell_text(value))
            cell.fill = _BAD_FILL
            cell.font = _BAD_FONT
            cell.comment = Comment("\n".join(row_problems[index]), "质检系统", width=300, height=120)
            cells.append(cell)
        if row_problems:
            where = f"第{offset}项" if first_row is None else f"原表第{first_row + offset}行"
            notes = [
                f"{COLUMNS[i].header if i >= 0 else '整行'}: {m}"
                for i, msgs in sorted(row_problems.items())
                for m in msgs
            ]
            cells.append(neutralise(f"{where}：{'；'.join(notes)}"))
        ws.append(cells)
    return _save(book)
