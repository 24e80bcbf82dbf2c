"""Refuse hostile workbooks before any parser sees them: not a zip, zip bombs, XML entity bombs."""

import io
import zipfile
import zlib

from app.domain.errors import Message

MAX_MEMBERS = 2_000
MAX_RATIO = 200
"""Worksheet XML compresses about 10–30×; a member that inflates more than this is a bomb, not a ledger."""
_SCAN_CHUNK = 1 << 20
_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY")


class WorkbookRejected(Exception):
    """The upload is not an xlsx we are willing to read; `too_large` maps to 413, anything else to 422."""

    def __init__(
        self,
        message: Message,
        *,
        too_large: bool = False,
        errors: list[tuple[list[str | int], Message]] | None = None,
    ) -> None:
        super().__init__(message.code)
        self.message = message
        self.too_large = too_large
        self.errors = errors or []


def check_xlsx(content: bytes, *, max_uncompressed: int, max_rows: int | None = None) -> int:
    """Raise WorkbookRejected unless `content` is a zip of sane size whose XML declares no DTD or entities,
    and (with `max_rows`) whose worksheets hold no more rows than that — counted while streaming, so a sheet of
    a million rows is refused before any parser builds it in memory. Returns the rows counted (header included)."""
    if not content.startswith(b"PK\x03\x04"):
        raise WorkbookRejected(Message("file_is_not_valid_xlsx_workbook"))
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise WorkbookRejected(Message("file_is_not_valid_xlsx_workbook")) from exc
    if len(members) > MAX_MEMBERS:
        raise WorkbookRejected(Message("too_many_parts_in_workbook"))
    if not any(m.filename == "[Content_Types].xml" for m in members):
        raise WorkbookRejected(Message("file_is_not_valid_xlsx_workbook"))
    total = sum(m.file_size for m in members)
    if total > max_uncompressed:
        raise WorkbookRejected(
            Message("workbook_too_large_uncompressed", megabytes=max_uncompressed // 2**20),
            too_large=True,
        )
    for m in members:
        if m.file_size > 1_000_000 and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            raise WorkbookRejected(
                Message("workbook_part_ratio_abnormal", filename=m.filename),
                too_large=True,
            )
    rows = 0
    for m in members:  # every part, whatever its name: a sheet may be stored as "sheet1.XML" or "x.bin"
        rows += _scan_xml(archive, m, count_rows="worksheets/" in m.filename.lower())
        if max_rows is not None and rows > max_rows + 1:  # + the header row
            raise WorkbookRejected(Message("too_many_rows", max_rows=max_rows), too_large=True)
    return rows


def _scan_xml(archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, count_rows: bool = False) -> int:
    """Stream one part and refuse a DTD: the only door to entity expansion (billion laughs, XXE).
    Returns how many `<row` elements it holds when asked to count them."""
    tail = b""
    read = rows = 0
    try:
        with archive.open(member) as stream:
            first = True
            while chunk := stream.read(_SCAN_CHUNK):
                read += len(chunk)
                if read > member.file_size + _SCAN_CHUNK:  # the header lied about the size
                    raise WorkbookRejected(Message("part_larger_than_declared"), too_large=True)
                if first and chunk.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00<", b"<\x00")):
                    raise WorkbookRejected(Message("workbook_utf16_refused"))
                first = False
                window = tail + chunk
                if count_rows:  # a 16-byte tail cannot hold a whole "<row " token twice over chunk borders
                    rows += window.count(b"<row ") + window.count(b"<row>") - _row_tokens(tail)
                if any(token in window for token in _FORBIDDEN):
                    raise WorkbookRejected(Message("workbook_dtd_refused"))
                tail = window[-16:]
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError) as exc:
        raise WorkbookRejected(Message("file_is_not_valid_xlsx_workbook")) from exc
    return rows


def _row_tokens(data: bytes) -> int:
    return data.count(b"<row ") + data.count(b"<row>")
