"""A corpus of hostile uploads, generated in code at test time (no binary files are committed).

`CORPUS` maps a name to a `Hostile`: how to build the bytes, the filename a client would send, and what a
correct server answers. `xlsx(...)` writes a minimal workbook straight as XML parts in a zip, so the sheet can
be anything openpyxl would refuse to write (a DTD, 1,048,576 rows, a part with a lying size).
"""

import io
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from app.xlsx.enterprise_columns import HEADERS, SHEET_TITLE

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
EXCEL_MAX_ROWS = 1_048_576

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def col(n: int) -> str:
    name = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        name = chr(65 + r) + name
    return name


@dataclass(frozen=True)
class Formula:
    expr: str  # without the leading "="
    cached: str | None = None


@dataclass(frozen=True)
class DateCell:
    serial: int  # Excel serial day number, shown with a date format


def cell_xml(ref: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        cached = f"<v>{escape(value.cached)}</v>" if value.cached is not None else ""
        return f'<c r="{ref}" t="str"><f>{escape(value.expr)}</f>{cached}</c>'
    if isinstance(value, DateCell):
        return f'<c r="{ref}" s="1"><v>{value.serial}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def rows_xml(rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    for r, row in enumerate(rows, start=1):
        cells = "".join(cell_xml(f"{col(c)}{r}", v) for c, v in enumerate(row))
        yield f'<row r="{r}">{cells}</row>'


SHEET_HEAD = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'


def xlsx(
    rows: Iterable[Sequence[Any]] = (),
    *,
    sheet_xml: bytes | Iterable[bytes] | None = None,
    sheet_part: str = "xl/worksheets/sheet1.xml",
    merged: Sequence[str] = (),
    prolog: str = "",
) -> bytes:
    """A one-sheet workbook titled 企业台账. `sheet_xml` replaces the generated sheet part (chunks are streamed
    into the zip, so a million rows never sit in memory as one string)."""
    buffer = io.BytesIO()
    target = sheet_part.removeprefix("xl/")
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f'<Override PartName="/{sheet_part}" ContentType="{SHEET_TYPE}"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="xl/workbook.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<sheets><sheet name="{SHEET_TITLE}" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Target="{target}" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
            '<Relationship Id="rId2" Target="styles.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/styles.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>'
            '<cellStyleXfs count="1"><xf/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>'
            "</styleSheet>",
        )
        with z.open(sheet_part, "w", force_zip64=True) as sheet:
            if sheet_xml is not None:
                for chunk in [sheet_xml] if isinstance(sheet_xml, bytes) else sheet_xml:
                    sheet.write(chunk)
            else:
                sheet.write(f'<?xml version="1.0" encoding="UTF-8"?>{prolog}{SHEET_HEAD}'.encode())
                batch: list[str] = []
                for line in rows_xml(rows):
                    batch.append(line)
                    if len(batch) >= 10_000:
                        sheet.write("".join(batch).encode())
                        batch.clear()
                sheet.write("".join(batch).encode())
                sheet.write(b"</sheetData>")
                if merged:
                    refs = "".join(f'<mergeCell ref="{m}"/>' for m in merged)
                    sheet.write(f'<mergeCells count="{len(merged)}">{refs}</mergeCells>'.encode())
                sheet.write(b"</worksheet>")
    return buffer.getvalue()


def ledger_row(credit_code: str, name: str, county: str = "654201", **extra: Any) -> list[Any]:
    """A data row in template column order; `extra` by header, e.g. {"生产地址": "…"} via keys in HEADERS."""
    row: list[Any] = [credit_code, name, county] + [None] * (len(HEADERS) - 3)
    for header, value in extra.items():
        row[HEADERS.index(header)] = value
    return row


# --- zip bombs -------------------------------------------------------------------------------------------------


def _deflate_zeros(total: int, chunk: int = 1 << 24) -> tuple[bytes, int]:
    """A raw deflate stream of `total` zero bytes, built from one compressed block repeated (cheap: the
    compressor runs over `chunk` bytes once, not over `total`). Returns (stream, crc32)."""
    assert total % chunk == 0
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(chunk)
    compressor.compress(zeros)
    compressor.flush(zlib.Z_FULL_FLUSH)  # reach the steady state
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    stream = block * (total // chunk) + b"\x03\x00"  # an empty final fixed-Huffman block ends the stream
    crc = 0
    for _ in range(total // chunk):  # crc32 of n×chunk zeros without allocating them all
        crc = zlib.crc32(zeros, crc)
    return stream, crc


def _raw_zip(members: Sequence[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip of pre-compressed deflate members: (name, stream, declared_size, crc, method)."""
    out = io.BytesIO()
    central = []
    for name, stream, size, crc, method in members:
        offset = out.tell()
        raw_name = name.encode()
        zip64 = size >= 0xFFFFFFFF or len(stream) >= 0xFFFFFFFF
        extra = struct.pack("<HHQQ", 1, 16, size, len(stream)) if zip64 else b""
        sizes = (0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (len(stream), size)
        out.write(
            struct.pack(
                "<IHHHHHIII HH".replace(" ", ""),
                0x04034B50,
                45,
                0,
                method,
                0,
                0,
                crc,
                *sizes,
                len(raw_name),
                len(extra),
            )
            + raw_name
            + extra
        )
        out.write(stream)
        central.append((raw_name, crc, sizes, offset, extra, method))
    start = out.tell()
    for raw_name, crc, sizes, offset, extra, method in central:
        out.write(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                45,
                45,
                0,
                method,
                0,
                0,
                crc,
                *sizes,
                len(raw_name),
                len(extra),
                0,
                0,
                0,
                0,
                offset,
            )
            + raw_name
            + extra
        )
    end = out.tell()
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), end - start, start, 0))
    return out.getvalue()


def _stored(name: str, data: bytes) -> tuple[str, bytes, int, int, int]:
    return (name, data, len(data), zlib.crc32(data), 0)


def _package_parts(sheet_part: str) -> list[tuple[str, bytes, int, int, int]]:
    """The small parts of a workbook (stored), pointing at `sheet_part`."""
    skeleton = zipfile.ZipFile(io.BytesIO(xlsx([HEADERS], sheet_part=sheet_part)))
    return [_stored(n, skeleton.read(n)) for n in skeleton.namelist() if n != sheet_part]


def zip_bomb(gigabytes: int = 2) -> bytes:
    """An honest bomb: a ~2 MB xlsx whose sheet part declares (truthfully) that it inflates to GBs."""
    total = gigabytes << 30
    stream, crc = _deflate_zeros(total)
    return _raw_zip([*_package_parts("xl/worksheets/sheet1.xml"), ("xl/worksheets/sheet1.xml", stream, total, crc, 8)])


def lying_zip_bomb(sheet_part: str = "xl/worksheets/sheet1.xml", megabytes: int = 512) -> bytes:
    """A bomb whose headers lie: the sheet part declares 1 KB and inflates to `megabytes` of XML whitespace
    inside a valid worksheet, so neither the declared sizes nor the ratio give it away."""
    head = f'<?xml version="1.0" encoding="UTF-8"?>{SHEET_HEAD}'.encode()
    tail = b"</sheetData></worksheet>"
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b" " * (1 << 24)
    parts = [compressor.compress(head)]
    compressor.compress(chunk)
    parts.append(compressor.flush(zlib.Z_FULL_FLUSH))
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    stream = b"".join(parts) + block * (megabytes // 16 - 1) + compressor.compress(tail) + compressor.flush()
    return _raw_zip([*_package_parts(sheet_part), (sheet_part, stream, 1024, 0, 8)])


# --- XML attacks -----------------------------------------------------------------------------------------------

BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)
XXE = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def entity_sheet(prolog: str, reference: str, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    return xlsx([HEADERS, ["91654201MA0000000X", reference, "654201"]], prolog=prolog, sheet_part=part)


# --- a million rows, cheaply ----------------------------------------------------------------------------------


def million_rows(n: int = EXCEL_MAX_ROWS) -> bytes:
    """Every row Excel allows: the template headers, then n-1 one-cell rows, streamed as raw XML."""

    def chunks() -> Iterator[bytes]:
        yield f'<?xml version="1.0" encoding="UTF-8"?>{SHEET_HEAD}'.encode()
        yield "".join(rows_xml([HEADERS])).encode()
        for start in range(2, n + 1, 50_000):
            stop = min(start + 50_000, n + 1)
            yield "".join(
                f'<row r="{r}"><c r="B{r}" t="inlineStr"><is><t>x</t></is></c></row>' for r in range(start, stop)
            ).encode()
        yield b"</sheetData></worksheet>"

    return xlsx(sheet_xml=chunks())


# --- the corpus -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    build: Callable[[], bytes]
    filename: str = "upload.xlsx"
    statuses: tuple[int, ...] = (413, 422)  # what a correct server answers on POST /api/v1/enterprise-imports
    message: str = ""  # a fragment the problem's detail or errors must contain
    attachment: bool = False  # also upload it as a visit attachment (must be refused)


def _truncated() -> bytes:
    whole = xlsx([HEADERS, ["91654201MA0000000X", "截断", "654201"]])
    return whole[: len(whole) // 2]


def _wrong_headers() -> bytes:
    headers = list(HEADERS)
    headers[1], headers[2] = "公司名", "地区"
    return xlsx([headers, ["91654201MA0000000X", "错表头", "654201"]])


def _merged() -> bytes:
    top = ["企业台账（2026年）"] + [None] * (len(HEADERS) - 1)
    return xlsx([top, HEADERS, ["91654201MA0000000X", "合并单元格", "654201"]], merged=[f"A1:{col(len(HEADERS) - 1)}1"])


CORPUS: dict[str, Hostile] = {
    "zip bomb (2 GB in ~2 MB)": Hostile(zip_bomb, message="压缩炸弹", attachment=True),
    "zip bomb with lying headers": Hostile(lying_zip_bomb),
    "zip bomb with lying headers in a sheet part not named .xml": Hostile(
        lambda: lying_zip_bomb("xl/worksheets/sheet1.bin")
    ),
    "billion laughs in the sheet": Hostile(
        lambda: entity_sheet(BILLION_LAUGHS, "&lol9;"), message="DTD", attachment=True
    ),
    "billion laughs in a sheet part named .XML": Hostile(
        lambda: entity_sheet(BILLION_LAUGHS, "&lol9;", "xl/worksheets/sheet1.XML")
    ),
    "billion laughs in a sheet part named .bin": Hostile(
        lambda: entity_sheet(BILLION_LAUGHS, "&lol9;", "xl/worksheets/sheet1.bin")
    ),
    "external entity (XXE) in the sheet": Hostile(lambda: entity_sheet(XXE, "&xxe;"), message="DTD"),
    "external entity (XXE) in a sheet part named .XML": Hostile(
        lambda: entity_sheet(XXE, "&xxe;", "xl/worksheets/sheet1.XML")
    ),
    "1,048,576 rows": Hostile(million_rows, message="200000"),
    "wrong headers": Hostile(_wrong_headers, statuses=(422,), message="表头"),
    "a title row merged above the headers": Hostile(_merged, statuses=(422,), message="表头"),
    "empty file": Hostile(lambda: b"", statuses=(422,), attachment=True),
    "a PNG renamed .xlsx": Hostile(lambda: PNG, statuses=(422,), message="xlsx", attachment=True),
    "a truncated zip": Hostile(_truncated, statuses=(422,), message="xlsx", attachment=True),
    "a zip that is not a workbook": Hostile(
        lambda: _raw_zip([_stored("hello.txt", b"hello")]), statuses=(422,), message="xlsx", attachment=True
    ),
    "a header row only": Hostile(lambda: xlsx([HEADERS]), statuses=(422,)),
}
