"""Excel: the CSV's sheet as a real workbook (typed numbers, coloured statuses, a frozen header
and filters), a summary sheet, a per-district sheet and, with ``by``, one sheet of problems per
district, department or indicator (each bureau gets its own list).

Written with xlsxwriter in its ``constant_memory`` mode while the results are read once: each
row goes to the sheet's temporary file as it comes, strings inline, so memory does not grow
with the rows; ``write_file`` writes the workbook straight to its file (beside it, then renamed).
Text is always stored as text: a cell that looks like a formula gets Excel's own quote prefix,
never runs. The file is deterministic: fixed document dates and zip timestamps.
"""

from __future__ import annotations

import io
import os
import re
import threading
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from lifeservices_cli._version import __version__
from lifeservices_cli.engine.results import AggregateResult, Result
from lifeservices_cli.i18n import Lang, w
from lifeservices_cli.packs.compiler import CompiledIndicator
from lifeservices_cli.render.common import (
    PROBLEMS,
    SHOWN,
    View,
    group_name,
    number_text,
    rule_text,
    status_text,
    value_text,
    visible,
)
from lifeservices_cli.render.csv import result_cells
from lifeservices_cli.render.problems import group_keys
from lifeservices_cli.render.rows import IndicatorColumns, is_formula_like, layout, listed, rows
from lifeservices_cli.report.model import Report
from lifeservices_cli.semantics.numbers import ZERO, Shown

FILLS = {
    "pass": ("C6EFCE", "006100"),
    "fail": ("FFC7CE", "9C0006"),
    "missing_data": ("FFEB9C", "9C5700"),
    "invalid_data": ("E4C1F9", "5B1A7A"),
    "not_applicable": ("EDEDED", "595959"),
    "eligible": ("DDEBF7", "1F4E78"),
    "not_eligible": ("D9E1F2", "203864"),
}
FIXED_TIME = (2000, 1, 1, 0, 0, 0)
EXCEL_ROWS = 1_048_576  # rows in a sheet; the rest goes on in the next sheet, and the summary says so
EXCEL_MAX = Fraction(10) ** 308  # numbers from here on are kept as text (a double ends at 1.8e308)
EXCEL_CELL = 32_767  # characters (UTF-16 code units) in a cell; Excel calls a file with more corrupt
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_NUMERIC_CELL = re.compile(r"-?(?:0|[1-9]\d{0,14})(?:\.\d{1,12})?")


@dataclass(frozen=True)
class Styled:
    """A cell written with one of the workbook's formats (``header``, ``bold`` or a status)."""

    value: Any
    style: str


class _Sheet:
    """A streaming sheet that counts its rows (for the filter range) and styles its cells.

    Past Excel's 1,048,576 rows a sheet it goes on in a new sheet beside it (``结果 (2)``, …)
    with the same header: no row is ever left out. ``parts`` are the titles of all its sheets.
    """

    def __init__(self, book: _Book, title: str, used: set[str] | None = None):
        self.book, self.title, self.used = book, title, used if used is not None else set()
        self.ws = book.add(title)
        self.used.add(title.lower())
        self.parts = [title]
        self.rows = 0
        self.width = 0
        self._head: tuple[list[str], list[int]] | None = None

    def header(self, names: list[str], widths: Iterable[int] = ()) -> None:
        sizes = list(widths)
        self._head = (names, sizes)
        for i, name in enumerate(names):
            width = sizes[i] if i < len(sizes) else min(max(_width(name), 8), 40)
            self.ws.set_column(i, i, width)
        self.ws.freeze_panes(1, 0)
        self.append([Styled(name, "header") for name in names])

    def append(self, values: list[Any]) -> None:
        if self.rows >= EXCEL_ROWS:
            self._next_part()
        row, ws, book = self.rows, self.ws, self.book
        for col, value in enumerate(values):
            if value is None:
                continue
            style = None
            if isinstance(value, Styled):
                value, style = value.value, book.formats[value.style]
            if isinstance(value, bool):
                ws.write_boolean(row, col, value, style)
            elif isinstance(value, int | float):
                ws.write_number(row, col, value, style)
            elif isinstance(value, Decimal):
                ws.write_number(row, col, float(value), style)
            elif isinstance(value, Fraction):
                number = _number(value)
                if isinstance(number, str):
                    ws.write_string(row, col, number, style)
                else:
                    ws.write_number(row, col, number, style)
            else:
                text = _fit(visible(str(value)))
                if not text:
                    if style is not None:
                        ws.write_blank(row, col, None, style)
                elif is_formula_like(text):
                    ws.write_string(row, col, text, book.formats["quoted"])  # text, never a formula
                else:
                    ws.write_string(row, col, text, style)
        self.width = max(self.width, len(values))
        self.rows += 1

    def _next_part(self) -> None:
        """Go on in a new sheet placed right after this one's last, with the same header."""
        columns = len(self._head[0]) if self._head else 0
        self.autofilter(columns)
        title = _sheet_title(f"{self.title} ({len(self.parts) + 1})", self.used)
        self.ws = self.book.add(title, after=self.ws)
        self.parts.append(title)
        self.rows = 0
        if self._head is not None:
            self.header(*self._head)

    def status(self, status: str, lang: Lang) -> Styled:
        """A coloured status cell."""
        return Styled(status_text(status, lang), f"status:{status}")

    def bold(self, text: str) -> Styled:
        return Styled(text, "bold")

    def autofilter(self, columns: int) -> None:
        if self.rows > 1 and columns:
            self.ws.autofilter(0, 0, self.rows - 1, columns - 1)


#: zlib level of the workbook's zip members. xlsxwriter leaves zipfile's default (6); level 1
#: compresses a large report's sheet XML about 3.4× faster (140 MB of it: 0.47 s against 1.6 s)
#: for a file about a quarter larger (20.0 MB against 16.0 MB), which Excel and LibreOffice
#: open alike. At a million rows the compression was a sixth of the whole xlsx run.
ZIP_LEVEL = 1

#: xlsxwriter makes its ``ZipFile`` itself, so the level is set by lending it a subclass while
#: a workbook closes; the lock keeps two closing workbooks from restoring each other's.
_ZIP_LOCK = threading.Lock()


class _LevelZip(zipfile.ZipFile):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("compresslevel", ZIP_LEVEL)
        super().__init__(*args, **kwargs)


class _Book:
    """The xlsxwriter workbook in ``constant_memory`` mode, its formats, and sheets in a chosen order."""

    def __init__(self, target: Any, lang: Lang):
        import tempfile

        import xlsxwriter

        # its sheets' temporary files in a folder of our own, removed however the writing ends
        # (xlsxwriter leaves them in TMPDIR when a write fails, e.g. on a full disk)
        self._scratch = tempfile.TemporaryDirectory(prefix="lifeservices-xlsx-")
        try:
            self._open(target, lang, xlsxwriter)
        except BaseException:  # an interrupt before the book is handed over: the caller cannot clean up
            self._scratch.cleanup()
            raise

    def _open(self, target: Any, lang: Lang, xlsxwriter: Any) -> None:
        self.wb = xlsxwriter.Workbook(
            target,
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "tmpdir": self._scratch.name,
            },
        )
        self.wb.set_properties(
            {
                "title": w("report_title", lang),
                "author": f"lifeservices-cli {__version__}",
                "created": datetime(*FIXED_TIME),
            }
        )
        add = self.wb.add_format
        wrap = {"text_wrap": True, "valign": "top"}
        self.formats: dict[str, Any] = {
            "header": add({"bold": True, "bg_color": "#DDDDDD", **wrap}),
            "bold": add({"bold": True, **wrap}),
            "quoted": add({"quote_prefix": True}),
        }
        for status, (fill, color) in FILLS.items():
            self.formats[f"status:{status}"] = add({"bg_color": f"#{fill}", "font_color": f"#{color}", **wrap})

    def add(self, title: str, after: Any = None) -> Any:
        ws = self.wb.add_worksheet(title)
        if after is not None:  # move it right after ``after`` (xlsxwriter keeps sheets in creation order)
            sheets = self.wb.worksheets_objs
            sheets.insert(sheets.index(after) + 1, sheets.pop(sheets.index(ws)))
            for index, sheet in enumerate(sheets):
                sheet.index = index
        return ws

    def abandon(self) -> None:
        """Close the sheets' temporary files without writing the workbook."""
        for ws in self.wb.worksheets():
            if ws.row_data_fh is not None and not ws.row_data_fh_closed:
                ws.row_data_fh.close()
                ws.row_data_fh_closed = True

    def close(self) -> None:
        import xlsxwriter.workbook as module

        try:
            with _ZIP_LOCK:
                saved, module.ZipFile = module.ZipFile, _LevelZip
                try:
                    self.wb.close()
                finally:
                    module.ZipFile = saved
        finally:
            self._scratch.cleanup()


def sheets_needed(records: int) -> int:
    """How many sheets the results of ``records`` records take (one row each, a header on each)."""
    per_sheet = EXCEL_ROWS - 1
    return max(1, -(-records // per_sheet))


def _fit(text: str) -> str:
    """``text`` cut to what one Excel cell holds (the JSON and CSV reports keep it whole)."""
    if len(text) <= EXCEL_CELL // 2:  # short enough whatever its characters
        return text
    units = text.encode("utf-16-le")
    if len(units) <= 2 * EXCEL_CELL:
        return text
    return units[: 2 * (EXCEL_CELL - 1)].decode("utf-16-le", "ignore") + "…"


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) + 2


def _number(value: Fraction | Any, against: Shown = None) -> Any:
    """A number cell: the digits ``number_text`` shows (more where its comparison with ``against`` needs them)."""
    if not isinstance(value, Fraction):
        return value
    if abs(value) >= EXCEL_MAX:  # no double holds it: Excel would call the file corrupt; keep the digits
        return number_text(value, against)
    return int(value) if value.denominator == 1 else float(Decimal(number_text(value, against)))


def _data_cell(text: str) -> Any:
    """A record's own cell: plain decimal numbers (not ids like 001) become numbers."""
    return Decimal(text) if _NUMERIC_CELL.fullmatch(text) else text


def _sheet_title(name: str, used: set[str]) -> str:
    base = _SHEET_BAD.sub("_", visible(name)).strip("'") or "_"
    if base.lower() == "history":
        base += "_"
    title, n = base[:31], 1
    while title.lower() in used:
        n += 1
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
    used.add(title.lower())
    return title


class _Problems:
    """One sheet of problems per group (district, department or indicator), created as groups appear."""

    def __init__(self, wb: _Book, view: View, indicators: dict[str, CompiledIndicator], lang: Lang, used: set[str]):
        self.wb, self.view, self.indicators, self.lang, self.used = wb, view, indicators, lang, used
        self.sheets: dict[str | None, _Sheet] = {}
        self.names = [
            w(k, lang)
            for k in ("indicator_id", "clause", "record_id", "record_name", "district", "status", "value", "gap")
        ] + [w("message", lang), w("source", lang), w("line", lang)]

    def _sheet(self, key: str | None) -> _Sheet:
        sheet = self.sheets.get(key)
        if sheet is None:
            name = key if self.view is View.indicator and key else group_name(key, self.lang)
            sheet = self.sheets[key] = _Sheet(self.wb, _sheet_title(name, self.used), self.used)
            sheet.header(self.names, [28, 10, 14, 20, 12, 12, 12, 10, 60, 28, 6])
        return sheet

    def add(self, ind: CompiledIndicator, r: Result) -> None:
        for key in group_keys(self.view, ind, r.district):
            sheet = self._sheet(key)
            value = value_text(r.value, None, self.lang) if isinstance(r.value, bool) else r.value
            if isinstance(value, date):
                value = value.isoformat()  # a date metric stays readable text, not a serial number
            sheet.append(
                [ind.id, ind.spec.clause.ref, r.record_id, r.record_name, r.district, sheet.status(r.status, self.lang)]
                + [_number(value, r.threshold), _number(r.gap, ZERO), r.message, r.source, r.line]
            )

    def add_aggregate(self, ind: CompiledIndicator, a: AggregateResult) -> None:
        for key in group_keys(self.view, ind, a.group):
            sheet = self._sheet(key)
            row = [
                ind.id,
                ind.spec.clause.ref,
                None,
                w("aggregate_row", self.lang, group=group_name(a.group, self.lang)),
            ]
            status = sheet.status(a.status, self.lang)
            numbers = [_number(a.value, a.threshold), _number(a.gap, ZERO)]
            sheet.append(row + [a.group, status, *numbers, a.message, None, None])

    def finish(self) -> None:
        for sheet in self.sheets.values():
            sheet.autofilter(len(self.names))


def _results_sheet(
    sheet: _Sheet, report: Report, districts: dict[str | None, Counter[str]], problems: _Problems | None
) -> None:
    lang = report.lang
    plan = layout(report)
    header = plan.header(lang)
    sheet.header(header)
    indicators = {ic.indicator.id: ic.indicator for ic in plan.indicators}
    for row in rows(report, every=True):  # the districts sheet counts every result
        if not listed(report, row):
            for r in row.results.values():
                districts.setdefault(r.district, Counter())[r.status] += 1
            continue
        out: list[Any] = [_data_cell(c) for c in row.cells]
        for ic in plan.indicators:
            got = row.results.get(ic.indicator.id)
            out.extend(result_values(sheet, got, ic, lang) if got is not None else [None, None, None])
            if got is not None:
                districts.setdefault(got.district, Counter())[got.status] += 1
                if problems is not None and got.status in PROBLEMS:
                    problems.add(indicators[got.indicator], got)
        sheet.append(out + [row.info.source, row.line])
    sheet.autofilter(len(header))


def result_values(sheet: _Sheet, r: Result, ic: IndicatorColumns, lang: Lang) -> list[Any]:
    """The status, value and gap cells of one result on the results sheet, as ``_Sheet.append`` takes them."""
    _, value, _ = result_cells(r, ic, lang)
    return [sheet.status(r.status, lang), _number(value, r.threshold), _number(r.gap, ZERO)]


def _summary_sheet(sheet: _Sheet, report: Report, full: list[_Sheet]) -> None:
    lang = report.lang
    s = report.summary()
    sheet.header([w("summary", lang), w("count", lang)], [60, 14])
    for other in full:
        parts = w("list_sep", lang).join(other.parts[1:])
        sheet.append([w("sheet_continued", lang, sheet=other.title, rows=EXCEL_ROWS, parts=parts), len(other.parts)])
    sheet.append([w("records_n", lang), s["records"]])
    sheet.append([w("checks_n", lang), s["checks"]])
    for status in SHOWN:
        sheet.append([sheet.status(status, lang), s[status]])
    sheet.append([None, None])
    sheet.append([sheet.bold(w("aggregates", lang)), s["aggregates"]["checks"]])
    for status in PROBLEMS + ("pass", "not_applicable"):
        sheet.append([sheet.status(status, lang), s["aggregates"][status]])
    sheet.append([None, None])
    sheet.append([sheet.bold(w("inputs", lang)), None])
    for info in report.inputs:
        sheet.append([info.source, info.records])
        sheet.append([f"  {info.entity} · {info.encoding}", None])
    for warning in report.warnings():
        sheet.append([f"! {warning}", None])
    sheet.append([None, None])
    sheet.append([sheet.bold(w("clauses", lang)), None])
    for ind in report.packset.indicators:
        spec = ind.spec
        sheet.append([f"{spec.clause.ref} {spec.title.get(lang)} [{ind.id}]", None])
        sheet.append([f"  {w('rule', lang)}: {rule_text(ind, lang)}", None])
        sheet.append([f"  {w('departments', lang)}: {w('list_sep', lang).join(spec.departments)}", None])
        sheet.append([f"  {w('quote', lang)}: {spec.clause.quote}", None])


def _districts_sheet(sheet: _Sheet, report: Report, districts: dict[str | None, Counter[str]]) -> None:
    lang = report.lang
    present = {a.indicator for a in report.aggregates}
    aggregates = [ind for ind in report.packset.indicators if ind.id in present]
    by_group: dict[tuple[str, str | None], AggregateResult] = {(a.indicator, a.group): a for a in report.aggregates}
    names = [w("district", lang)] + [status_text(s, lang) for s in SHOWN]
    for ind in aggregates:
        names += [
            f"{ind.spec.title.get(lang)}：{w('status', lang)}",
            f"{ind.spec.title.get(lang)}：{w('rate', lang)} %",
        ]
    sheet.header(names, [16] + [10] * len(SHOWN) + [24, 14] * len(aggregates))
    groups = list(districts) + [a.group for a in report.aggregates if a.group not in districts]
    for group in dict.fromkeys(groups):
        counts = districts.get(group, Counter())
        row: list[Any] = [group_name(group, lang)] + [counts[s] for s in SHOWN]
        for ind in aggregates:
            a = by_group.get((ind.id, group))
            row += [sheet.status(a.status, lang) if a else None, a.value if a else None]
        sheet.append(row)
    sheet.autofilter(len(names))


def write_file(report: Report, path: Path, *, by: View | None = None) -> None:
    """Write the workbook to ``path`` (a temporary file beside it, then a rename)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        _write(report, str(tmp), by)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def render(report: Report, *, by: View | None = None) -> bytes:
    """The workbook as bytes: results, summary, per-district, and per-group problems with ``by``."""
    buffer = io.BytesIO()
    _write(report, buffer, by)
    return buffer.getvalue()


def _write(report: Report, target: Any, by: View | None) -> None:
    if FAST and by is None and report.store.spooled:  # a large run: the results sheet made in polars
        from lifeservices_cli.render import fastrows

        book = _Book(target, report.lang)
        try:
            _fill(report, book, by, fast=True)
            return
        except fastrows.NotFast:  # nothing is written before the book closes: start again the ordinary way
            book.abandon()
        finally:
            book._scratch.cleanup()
    book = _Book(target, report.lang)
    try:
        _fill(report, book, by)
    finally:  # written or not (a full disk, an interrupt), no temporary sheet is left behind
        book._scratch.cleanup()


def _fill(report: Report, book: _Book, by: View | None, fast: bool = False) -> None:
    lang = report.lang
    used = {w(k, lang).lower() for k in ("results", "summary", "by_district")}
    indicators = {ind.id: ind for ind in report.packset.indicators}
    problems = _Problems(book, by, indicators, lang, used) if by is not None else None
    districts: dict[str | None, Counter[str]] = {}
    # Sheets appear in creation order: results first (the sheet Excel opens), problem sheets last.
    results, summary, per_district = (_Sheet(book, w(k, lang), used) for k in ("results", "summary", "by_district"))
    if fast:
        from lifeservices_cli.render import fastxlsx

        fastxlsx.results_sheet(results, report, districts)
    else:
        _results_sheet(results, report, districts, problems)
    full = [x for x in [results, *(problems.sheets.values() if problems else ())] if len(x.parts) > 1]
    _summary_sheet(summary, report, full)
    _districts_sheet(per_district, report, districts)
    if problems is not None:
        for a in report.aggregates:
            if a.status in PROBLEMS:
                problems.add_aggregate(indicators[a.indicator], a)
        problems.finish()
    book.close()


#: Whether a large run's results sheet is made in polars (``render.fastxlsx``); the tests turn it off to compare.
FAST = True
