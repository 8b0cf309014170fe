"""Reading ``.xlsx`` input: the first sheet (or the one chosen with ``--sheet``), as a header and
rows of text cells, so the CSV rules for headers and cells apply unchanged.

``line`` is the spreadsheet's own row number. Blank rows are skipped, as in CSV; the header is
the first row with a value. Numbers become the text Excel would show without formatting
(``1020``, ``33.3``), TRUE/FALSE become ``true``/``false``, dates ISO 8601, and Excel's error
values (``#DIV/0!``) stay as they are (the cell rules report them). Formulas give the value Excel
saved with the file. Rows are read lazily: a large sheet is never held in memory.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lifeservices_cli.errors import UsageError

if TYPE_CHECKING:
    from lifeservices_cli.sources import Table

#: The sheet to read (``--sheet``); None: the first one.
SHEET: ContextVar[str | None] = ContextVar("lifeservices_sheet", default=None)


@contextmanager
def sheet(name: str | None) -> Iterator[None]:
    """Read ``name`` from every .xlsx input inside this block (the CLI's ``--sheet``)."""
    token = SHEET.set(name)
    try:
        yield
    finally:
        SHEET.reset(token)


def cell_text(value: Any) -> str:
    """The text of a cell value as openpyxl returns it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def read_xlsx(path: Path, encoding: str | None = None) -> Table:
    """The chosen sheet as a ``Table`` (``encoding`` is ignored: xlsx text is always Unicode)."""
    from openpyxl import load_workbook

    from lifeservices_cli.sources import Table

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise UsageError(f"not a readable .xlsx workbook ({exc})", path) from None
    wanted = SHEET.get()
    if wanted is None:
        ws = wb.worksheets[0]
    elif wanted in wb.sheetnames:
        ws = wb[wanted]
    else:
        wb.close()
        raise UsageError(f"no sheet {wanted!r}; the sheets are: {', '.join(wb.sheetnames)}", path)
    ws.reset_dimensions()  # some writers record a wrong size: read the rows that are there
    rows = ws.iter_rows(values_only=True)
    header: list[str] | None = None
    header_line = 0
    for number, values in enumerate(rows, start=1):
        cells = [cell_text(v) for v in values]
        if any(c.strip() for c in cells):
            header, header_line = _trim(cells), number
            break
    if header is None:
        wb.close()
        raise UsageError("the sheet is empty: no header row", path)

    def body() -> Iterator[tuple[int, list[str], tuple]]:
        try:
            for number, values in enumerate(rows, start=header_line + 1):
                cells = [cell_text(v) for v in values]
                if any(c.strip() for c in cells):
                    yield number, _trim(cells), ()
        finally:
            wb.close()

    return Table(header, body(), "utf-8", header_line=header_line)


def _trim(cells: list[str]) -> list[str]:
    """Drop empty cells at the end of a row (Excel keeps formatting far beyond the data)."""
    end = len(cells)
    while end and not cells[end - 1]:
        end -= 1
    return cells[:end]
