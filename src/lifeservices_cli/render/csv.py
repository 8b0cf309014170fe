"""CSV for planners: one row per input record, its own columns first, then the status, value and
gap of each indicator, then the file and line, so it re-opens in Excel/WPS next to the original.

UTF-8 with a BOM by default (Excel and WPS then read Chinese correctly); ``gb18030`` for older
tools. Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR at the
start) gets a leading ``'``; numbers stay numbers. Rows end in CRLF, as Excel writes them.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Callable
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from lifeservices_cli.errors import UsageError
from lifeservices_cli.i18n import Lang
from lifeservices_cli.render.common import clean, number_text, status_text, value_text
from lifeservices_cli.report.model import Report
from lifeservices_cli.semantics.numbers import ZERO, Shown

if TYPE_CHECKING:  # every check validates --csv-encoding here; the rows are needed only for a CSV
    from lifeservices_cli.engine.results import Result
    from lifeservices_cli.render.csvlines import Lines
    from lifeservices_cli.render.rows import IndicatorColumns, Row

DEFAULT_ENCODING = "utf-8-sig"


def indicator_cells(row: Row, ic: IndicatorColumns, lang: Lang) -> tuple[str, Shown, str]:
    """Status text, value (a number where it is one) and gap of one indicator for one row."""
    r = row.results.get(ic.indicator.id)
    if r is None:
        return "", None, ""
    return result_cells(r, ic, lang)


def result_cells(r: Result, ic: IndicatorColumns, lang: Lang) -> tuple[str, Shown, str]:
    """Status text, value (a number where it is one) and gap of one result in its indicator's columns."""
    value = r.value
    if isinstance(r.value, Fraction) and ic.unit is None and r.unit:
        value = value_text(r.value, r.unit, lang, r.threshold)  # mixed units: the unit goes with the number
    elif isinstance(r.value, bool):
        value = value_text(r.value, None, lang)
    elif isinstance(r.value, date):
        value = r.value.isoformat()  # a date metric (e.g. the day of assessment)
    return status_text(r.status, lang), value, number_text(r.gap, ZERO)


def text_cells(r: Result, ic: IndicatorColumns, lang: Lang) -> tuple[str, str, str]:
    """The CSV's three cells of one result (before neutralising)."""
    status, value, gap = result_cells(r, ic, lang)
    if isinstance(value, Fraction):
        return status, number_text(value, r.threshold), gap
    return status, value if isinstance(value, str) else "", gap  # yes/no and dates are text already


def check_encoding(encoding: str) -> str:
    """The codec's name, or a UsageError for an unknown one (exit 2 before any work)."""
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise UsageError(f"unknown --csv-encoding {encoding!r}; use utf-8-sig (default), utf-8 or gb18030") from None
    return encoding


def render(report: Report, *, csv_encoding: str = DEFAULT_ENCODING) -> bytes:
    """The CSV as bytes in ``csv_encoding``."""
    check_encoding(csv_encoding)
    lines = _prepared(report, csv_encoding)
    if lines is not None:
        return _head(report, csv_encoding) + b"".join(lines.chunks())
    buffer = io.StringIO()
    _write(report, buffer)
    return _encoded(buffer.getvalue(), csv_encoding)


def write_file(report: Report, path: Path, *, csv_encoding: str = DEFAULT_ENCODING) -> None:
    """Write the CSV to ``path`` as it is made, a block of rows at a time (a temporary file
    beside it, then a rename): a million records are never one string in memory."""
    check_encoding(csv_encoding)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    lines = _prepared(report, csv_encoding)
    try:
        if lines is not None:  # the rows made while checking (render.csvlines): its header, then them
            with open(tmp, "wb") as fh:
                fh.write(_head(report, csv_encoding))
                lines.copy_to(fh)
            os.replace(tmp, path)
            return
        with open(tmp, "wb") as fh:
            buffer = io.StringIO()
            encoders = [codecs.getincrementalencoder(csv_encoding)()]  # one BOM, at the start

            def flush() -> None:
                fh.write(_encoded(buffer.getvalue(), csv_encoding, encoders[0].encode))
                buffer.seek(0)
                buffer.truncate()

            def restart() -> None:  # the fast path gave up: from the start again
                fh.seek(0)
                fh.truncate()
                encoders[0] = codecs.getincrementalencoder(csv_encoding)()

            _write(report, buffer, flush, restart)
            flush()
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _prepared(report: Report, csv_encoding: str) -> Lines | None:
    """The rows a large run made while it was checked, when they are this CSV's (``render.csvlines``)."""
    lines = report.prepared.get("csv")
    if lines is None or not FAST or not lines.usable(report, csv_encoding):
        return None
    return lines  # type: ignore[no-any-return]


def _head(report: Report, csv_encoding: str) -> bytes:
    """The header row, encoded (the byte-order mark first for utf-8-sig)."""
    from lifeservices_cli.render.rows import layout, neutralise

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([neutralise(h) for h in layout(report).header(report.lang)])
    return _encoded(buffer.getvalue(), csv_encoding)


def _encoded(text: str, csv_encoding: str, encode: Callable[[str], bytes] | None = None) -> bytes:
    try:
        return encode(text) if encode is not None else text.encode(csv_encoding)
    except UnicodeEncodeError as exc:
        raise UsageError(
            f"the report has {text[exc.start]!r}, which {csv_encoding} cannot encode; use utf-8-sig or gb18030"
        ) from None


def _write(
    report: Report,
    buffer: io.StringIO,
    flush: Callable[[], None] | None = None,
    restart: Callable[[], None] | None = None,
) -> None:
    from lifeservices_cli.render.rows import layout, neutralise, rows

    lang = report.lang
    plan = layout(report)
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in plan.header(lang)])
    if report.store.spooled and FAST:  # a large run: the rows made in polars (render.fastrows)
        from lifeservices_cli.render import fastrows

        start = buffer.tell()
        try:
            made = lambda r, ic: tuple(fastrows.csv_cell(x) for x in text_cells(r, ic, lang))  # noqa: E731
            for block in fastrows.blocks(report, plan, made, fastrows.csv_cell):
                buffer.write(fastrows.csv_text(block))
                if flush is not None:
                    flush()
            return
        except fastrows.NotFast:
            if restart is not None and flush is not None:
                restart()
                buffer.seek(0)
                buffer.truncate()
                writer.writerow([neutralise(h) for h in plan.header(lang)])
            else:
                buffer.seek(start)
                buffer.truncate()
    for n, row in enumerate(rows(report), start=1):
        out = list(row.cells)
        for ic in plan.indicators:
            r = row.results.get(ic.indicator.id)
            out.extend(text_cells(r, ic, lang) if r is not None else ("", "", ""))
        out.extend([clean(row.info.source), str(row.line)])
        writer.writerow([neutralise(cell) for cell in out])
        if flush is not None and n % 10_000 == 0:
            flush()


#: Whether a large run's rows are made in polars (``render.fastrows``); the tests turn it off to compare.
FAST = True
