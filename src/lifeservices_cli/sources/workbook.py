"""Workbooks — .xlsx, .xlsm, .xls, .ods (and WPS .et when it is one of those inside) — through
python-calamine, one reader for all of them.

Each sheet becomes a ``Grid``: its cells as text, its merged ranges, its hidden rows and
columns. Numbers become the text Excel shows without formatting (``1020``, ``33.3``; 15
significant digits, as Excel displays them), TRUE/FALSE ``true``/``false``, dates ISO 8601, and
error values (``#DIV/0!``) stay as they are (the cell rules report them). Formulas give the
value saved with the file. calamine gives merged ranges for .xlsx and .xls; for .ods they, and
hidden rows and columns for .xlsx and .ods, are read from the sheet's XML.

calamine reads a whole sheet into memory, so nothing reaches it unchecked (``_guard``): the
zip's parts may unpack to ``MAX_UNZIPPED_BYTES`` together (declared sizes, then held to them
while they are read), no part may hold a DTD (entity bombs, external entities: every XML
read here goes through defusedxml), and a sheet's cells may span ``MAX_CELLS`` at most (the
rectangle calamine fills, from A1 to the farthest cell holding something).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
import zlib
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeTree

from lifeservices_cli.errors import UsageError
from lifeservices_cli.sources.grid import Grid, GridRows, Merge, cell_ref, trim

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".et")

#: What calamine does not give for a sheet: merged ranges (.ods), hidden rows (1-based) and
#: columns (0-based), and error cells ((row, column) 0-based → ``#DIV/0!``), which it reads as "".
UNCALCULATED = "\0"  # a formula saved without its value (written by a program, never calculated)
#: The last element: the sheet's extent, (rows, columns) from A1 to the farthest cell holding something.
Facts = tuple[list[Merge] | None, list[int], list[int], dict[tuple[int, int], str], tuple[int, int]]

#: The most XML read from one sheet part for merged ranges and hidden rows (a bomb stops there).
MAX_XML_BYTES = 512 << 20
#: The most the XML parts of one workbook may unpack to, together (and the largest .xls file).
MAX_UNZIPPED_BYTES = 1 << 30
#: The most cells one sheet may span (rows × columns from A1): calamine builds them all in memory.
MAX_CELLS = 10_000_000
_ZIP, _OLE = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def cell_text(value: Any) -> str:
    """The text of a cell value as calamine (or openpyxl) returns it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}" if value == value and abs(value) != float("inf") else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


class Workbook:
    """An open workbook: its sheet names and each sheet as a grid."""

    def __init__(self, path: Path) -> None:
        from python_calamine import CalamineWorkbook

        self.path = path
        _guard(path)
        try:
            self._book = CalamineWorkbook.from_path(str(path))
        except Exception as exc:  # calamine raises its own errors, and ValueError for unknown formats
            raise UsageError(_why(path, exc), path) from None
        self.sheets: list[str] = list(self._book.sheet_names)
        self.hidden_sheets = {
            m.name for m in self._book.sheets_metadata if str(m.visible).rsplit(".", 1)[-1].lower() != "visible"
        }
        self._xml: dict[str, Facts] | None = None

    def grid(self, name: str) -> Grid:
        xml_merges, hidden_rows, hidden_columns, errors, (height, width) = self._facts().get(
            name, (None, [], [], {}, (0, 0))
        )
        if height * width > MAX_CELLS:  # before calamine builds them all
            raise UsageError(
                f"sheet {name!r}: its cells span A1:{cell_ref(height - 1, width - 1)} ({height:,} rows × {width:,} "
                f"columns), more than the {MAX_CELLS:,} cells read from one sheet; delete what lies far from "
                "the table (or save the table alone, or as CSV)",
                self.path,
            )
        try:
            sheet = self._book.get_sheet_by_name(name)
            values = sheet.to_python(skip_empty_area=False)
        except Exception as exc:
            raise UsageError(f"sheet {name!r}: {_why(self.path, exc)}", self.path) from None
        rows = [[cell_text(v) for v in row] for row in values]
        merges: list[Merge] = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
        uncalculated = sorted(where for where, text in errors.items() if text == UNCALCULATED)
        for (r, c), text in errors.items():  # calamine reads error values as "": put them back
            if r < len(rows) and text != UNCALCULATED:
                row = rows[r]
                if c >= len(row):
                    row.extend([""] * (c + 1 - len(row)))
                if not row[c]:
                    row[c] = text
        rows = [trim(row) for row in rows]
        if not merges and xml_merges:
            merges = xml_merges

        def body() -> GridRows:
            for number, cells in enumerate(rows, start=1):
                if any(c.strip() for c in cells):
                    yield number, cells

        return Grid(
            body(),
            "utf-8",
            sheet=name,
            merges=merges,
            hidden_rows=[r for r in hidden_rows if r <= len(rows)],
            hidden_columns=hidden_columns,
            again=body,
            uncalculated=[cell_ref(r, c) for r, c in uncalculated],
        )

    def _facts(self) -> dict[str, Facts]:
        """Per sheet: what calamine does not give, from the sheet's XML (or, for .xls, xlrd)."""
        if self._xml is None:
            if not zipfile.is_zipfile(self.path):
                self._xml = _xls_facts(self.path)
                return self._xml
            try:
                with zipfile.ZipFile(self.path) as zf:
                    names = zf.namelist()
                    if "content.xml" in names:
                        self._xml = _ods_facts(zf)
                    elif "xl/workbook.xml" in names:
                        self._xml = _xlsx_facts(zf)
                    else:
                        self._xml = {}
            except (zipfile.BadZipFile, OSError, KeyError, ElementTree.ParseError, ValueError, DefusedXmlException):
                self._xml = {}  # .xls (no zip), or parts calamine read but we cannot: no extra facts
        return self._xml


def _guard(path: Path) -> None:
    """Refuse, with a clear line, what calamine must not be given (see the module's docstring)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            size = fh.seek(0, 2)
    except OSError as exc:
        raise UsageError(f"cannot read: {exc.strerror or exc}", path) from None
    if head.startswith(_OLE):  # .xls, or an encrypted .xlsx (an OLE file holding an EncryptedPackage)
        if _encrypted_ooxml(path):
            raise UsageError("the workbook is password-protected; save an unprotected copy", path)
        if size > MAX_UNZIPPED_BYTES:
            raise UsageError(f"the workbook has {size:,} bytes, more than the {MAX_UNZIPPED_BYTES:,} read", path)
        return
    if not head.startswith(_ZIP):
        if _looks_like_text(path):
            raise UsageError(
                f"not a readable {_kind(path)} workbook: it is text (a CSV file renamed?); give it its real "
                "suffix, e.g. .csv",
                path,
            )
        return  # calamine says what it is not
    try:
        with zipfile.ZipFile(path) as zf:
            parts = [i for i in zf.infolist() if i.filename.lower().endswith((".xml", ".rels"))]
            total = sum(i.file_size for i in parts)
            if total > MAX_UNZIPPED_BYTES:
                raise UsageError(
                    f"the workbook unpacks to {total:,} bytes, more than the {MAX_UNZIPPED_BYTES:,} read "
                    "(a zip bomb, or a workbook too large: save the table alone, or as CSV)",
                    path,
                )
            for info in parts:
                if info.flag_bits & 0x1:
                    raise UsageError("the workbook is password-protected; save an unprotected copy", path)
                with zf.open(info) as part:
                    try:  # the prolog, where a DTD would be: defusedxml refuses any
                        for _ in SafeTree.iterparse(part, events=("start",), forbid_dtd=True):
                            break
                    except DefusedXmlException:
                        raise UsageError(
                            f"{info.filename} holds an XML document type declaration (DTD), which no spreadsheet "
                            "program writes; refused (entity expansion, external entities)",
                            path,
                        ) from None
                    except ElementTree.ParseError:
                        pass  # calamine, or the XML readers below, say what is wrong
                    while part.read(1 << 20):  # to the end: zipfile holds the part to its declared size and CRC
                        pass
    except zipfile.BadZipFile as exc:
        why = f"not a readable {_kind(path)} workbook: it is damaged (not a zip archive: {exc})"
        raise UsageError(why, path) from None
    except (OSError, EOFError, RuntimeError, NotImplementedError, ValueError, zlib.error) as exc:
        raise UsageError(f"not a readable {_kind(path)} workbook: it is damaged ({exc})", path) from None


def _kind(path: Path) -> str:
    return path.suffix.lower() or "spreadsheet"


def _encrypted_ooxml(path: Path) -> bool:
    """An OLE file holding an ``EncryptedPackage`` stream: a password-protected .xlsx/.xlsm."""
    with path.open("rb") as fh:
        data = fh.read(1 << 20)
    return "EncryptedPackage".encode("utf-16-le") in data


def _looks_like_text(path: Path) -> bool:
    with path.open("rb") as fh:
        data = fh.read(4096)
    if not data or b"\0" in data:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError as exc:
            if exc.start >= len(data) - 4:  # a character cut at the end of the block
                return True
    return False


def _why(path: Path, exc: Exception) -> str:
    kind = type(exc).__name__
    if kind == "PasswordError":
        return "the workbook is password-protected; save an unprotected copy"
    if path.suffix.lower() == ".et":
        return "cannot read this WPS .et workbook; save it as .xlsx or .xls in WPS and check that file"
    text = str(exc).splitlines()[0] if str(exc) else kind
    return f"not a readable {path.suffix.lower() or 'spreadsheet'} workbook ({text})"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _open_part(zf: zipfile.ZipFile, name: str) -> Any:
    info = zf.getinfo(name)
    if info.file_size > MAX_XML_BYTES:
        raise ValueError("part too large")
    return zf.open(info)


def _xlsx_facts(zf: zipfile.ZipFile) -> dict[str, Facts]:
    """Hidden rows and columns of each sheet of an .xlsx (calamine gives the merged ranges)."""
    rels: dict[str, str] = {}
    with _open_part(zf, "xl/_rels/workbook.xml.rels") as fh:
        for _, el in SafeTree.iterparse(fh, forbid_dtd=True):
            if _local(el.tag) == "Relationship":
                target = el.get("Target", "")
                rels[el.get("Id", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    sheets: dict[str, str] = {}
    with _open_part(zf, "xl/workbook.xml") as fh:
        for _, el in SafeTree.iterparse(fh, forbid_dtd=True):
            if _local(el.tag) == "sheet":
                rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
                if rid in rels:
                    sheets[el.get("name", "")] = rels[rid]
    facts: dict[str, Facts] = {}
    for name, part in sheets.items():
        if part in zf.namelist():
            with _open_part(zf, part) as fh:
                facts[name] = _scan_sheet(fh)
    return facts


_ROW_END = re.compile(rb"</(?:\w+:)?row>")
#: A cell with a child (``<c r="B7" t="s"><v>3</v></c>``; an empty styled ``<c r="B7" s="1"/>`` has none).
_HOLDING_COLUMN = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})[0-9]{1,7}"[^>/]*>')
_FAST_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,7}"[^>/]*>')
_FAST_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"[^>/]*>')
_HOLDING_ROW = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="[A-Z]{1,3}([0-9]{1,7})"[^>/]*>')
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb'\br="([A-Z]{1,3}[0-9]{1,7})"')
_ERROR_TYPE = re.compile(rb'\bt="e"')
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_COL_TAG = re.compile(rb"<(?:\w+:)?col\b([^>]*)>")
_HIDDEN = re.compile(rb'\bhidden="(?:1|true)"')
_NUMBER_ATTR = {name: re.compile(rb"\b" + name + rb'="(\d{1,7})"') for name in (b"r", b"min", b"max")}
CHUNK = 4 << 20


def _scan_sheet(fh: Any) -> Facts:
    """Hidden rows and columns, error cells and formulas saved without a value, from a sheet's
    XML, scanned as bytes in blocks of whole rows (a parse of every cell costs seconds per 100k
    rows; most sheets hold none of these and are passed over at memory speed). Entities are
    never expanded: nothing here is parsed as XML."""
    rows: list[int] = []
    columns: list[int] = []
    errors: dict[tuple[int, int], str] = {}
    height = width = 0  # the extent of the cells holding something (a child: a value, a formula, text)
    rest = b""
    while True:
        chunk = fh.read(CHUNK)
        data = rest + chunk
        if chunk:
            ends = list(_ROW_END.finditer(data, max(0, len(data) - CHUNK - len(rest))))
            cut = ends[-1].end() if ends else 0
            if not cut and len(data) < 4 * CHUNK:  # no row ends yet: read on
                rest = data
                continue
            block, rest = (data[:cut], data[cut:]) if cut else (data, b"")
        else:
            block, rest = data, b""
        # in C, no Python loop per cell; ``r`` first, as every writer puts it, else the general form
        fast = b"<c r=" in block
        letters = set((_FAST_COLUMN if fast else _HOLDING_COLUMN).findall(block))
        if letters:
            width = max(width, max(map(_column_number, letters)))
            numbers = (_FAST_ROW if fast else _HOLDING_ROW).findall(block)
            height = max(height, max(map(int, set(numbers))))
        if b"<col" in block or b":col" in block:
            for m in _COL_TAG.finditer(block):
                attrs = m.group(1)
                low, high = _NUMBER_ATTR[b"min"].search(attrs), _NUMBER_ATTR[b"max"].search(attrs)
                if _HIDDEN.search(attrs) and low and high:
                    first, last = int(low.group(1)), int(high.group(1))
                    columns.extend(range(first - 1, min(last, first + 16384)))
        if b"hidden" in block:
            for m in _ROW_TAG.finditer(block):
                attrs = m.group(1)
                number = _NUMBER_ATTR[b"r"].search(attrs)
                if _HIDDEN.search(attrs) and number:
                    rows.append(int(number.group(1)))
        if b't="e"' in block or b"<f" in block or b":f" in block:
            for m in _CELL.finditer(block):
                attrs, body = m.group(1), m.group(2) or b""
                ref = _REF.search(attrs)
                where = _ref(ref.group(1).decode()) if ref else None
                if where is None:
                    continue
                value = _VALUE.search(body)
                text = value.group(1).decode("utf-8", "replace").strip() if value else ""
                if _ERROR_TYPE.search(attrs) and text:
                    errors[where] = text
                elif _FORMULA.search(body) and not text:
                    errors[where] = UNCALCULATED
        if not chunk:
            break
    return (None, sorted(set(rows)), sorted(set(columns)), errors, (height, width))


_OFFICE_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_VALUE_TYPE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}value-type"


def _ods_facts(zf: zipfile.ZipFile) -> dict[str, Facts]:
    """Merged ranges, hidden rows and hidden columns of each sheet of an .ods."""
    t = f"{{{_OFFICE_TABLE}}}"
    facts: dict[str, Facts] = {}
    name = ""
    merges: list[Merge] = []
    rows: list[int] = []
    columns: list[int] = []
    errors: dict[tuple[int, int], str] = {}
    calc = "{urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0}value-type"
    row = column = col_def = 0
    height = width = used = 0  # the extent of the cells holding something; the columns used in this row
    with _open_part(zf, "content.xml") as fh:
        for event, el in SafeTree.iterparse(fh, events=("start", "end"), forbid_dtd=True):
            tag = el.tag
            if event == "start":
                if tag == f"{t}table":
                    name, merges, rows, columns, row, col_def = el.get(f"{t}name", ""), [], [], [], 0, 0
                    errors, height, width = {}, 0, 0
                elif tag == f"{t}table-column":
                    repeat = min(int(el.get(f"{t}number-columns-repeated", "1")), 16384)
                    if el.get(f"{t}visibility", "visible") != "visible":
                        columns.extend(range(col_def, col_def + repeat))
                    col_def += repeat
                elif tag == f"{t}table-row":
                    column = used = 0
                continue
            if tag in (f"{t}table-cell", f"{t}covered-table-cell"):
                span_c = int(el.get(f"{t}number-columns-spanned", "1"))
                span_r = int(el.get(f"{t}number-rows-spanned", "1"))
                if tag == f"{t}table-cell" and (span_c > 1 or span_r > 1):
                    merges.append((row, column, row + span_r - 1, column + span_c - 1))
                if el.get(calc) == "error":
                    text = "".join(el.itertext()).strip()
                    if text:
                        errors[(row, column)] = text
                column += min(int(el.get(f"{t}number-columns-repeated", "1")), 16384)
                if len(el) or el.get(_VALUE_TYPE):  # a paragraph or a value: the cell holds something
                    used = column
                el.clear()
            elif tag == f"{t}table-row":
                repeat = min(int(el.get(f"{t}number-rows-repeated", "1")), 1 << 20)
                if el.get(f"{t}visibility", "visible") != "visible" and repeat < 1 << 16:
                    rows.extend(range(row + 1, row + repeat + 1))
                row += repeat
                if used:
                    height, width = row, max(width, used)
                el.clear()
            elif tag == f"{t}table":
                facts[name] = (merges, rows, columns, errors, (height, width))
                el.clear()
    return facts


def _column_number(letters: bytes) -> int:
    """``b"A"`` → 1, ``b"XFD"`` → 16384."""
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def _ref(text: str) -> tuple[int, int] | None:
    """``B3`` → (2, 1)."""
    m = re.fullmatch(r"([A-Z]{1,3})(\d{1,7})", text)
    if not m:
        return None
    column = 0
    for ch in m.group(1):
        column = column * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, column - 1


_XLS_ERRORS = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
}


def _xls_facts(path: Path) -> dict[str, Facts]:
    """Hidden rows and columns and error cells of an .xls, through xlrd (calamine gives neither)."""
    try:
        import xlrd
    except ImportError:  # pragma: no cover - a dependency
        return {}
    facts: dict[str, Facts] = {}
    try:
        book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    except Exception:  # noqa: BLE001 - not an .xls xlrd can read (a WPS .et, say): calamine's reading stands
        return {}
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows = sorted(r + 1 for r, info in sheet.rowinfo_map.items() if info.hidden)
            columns = sorted(c for c, info in sheet.colinfo_map.items() if info.hidden)
            errors = {
                (r, c): _XLS_ERRORS.get(sheet.cell_value(r, c), "#N/A")
                for r in range(sheet.nrows)
                for c, kind in enumerate(sheet.row_types(r))
                if kind == xlrd.XL_CELL_ERROR
            }
            facts[sheet.name] = (None, rows, columns, errors, (sheet.nrows, sheet.ncols))
            book.unload_sheet(index)
    except Exception:  # noqa: BLE001 - a damaged part xlrd cannot follow: calamine's reading stands
        return facts
    finally:
        book.release_resources()
    return facts
