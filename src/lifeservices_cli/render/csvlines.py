"""The CSV's rows of a large run, made while the check runs.

``render.fastrows`` makes a large run's CSV after the check: it reads every input again and
every result back from the spool. When the check is asked for a CSV (``check_files(...,
prepare=["csv"])``), the columnar engine's batches carry what a row needs instead — the
record's cells as read, each result's status and the JSON text of its value and gap — and the
row is one more polars expression computed with the results, in the same worker threads
(``begin``). The rows go to a temporary file; the CSV report is its header and that file.

Every row is the text the ordinary path (``render.rows`` and Python's csv module) writes, or it
is made by that path's own functions: a row the columns leave to the record engine (a hard
row), a cell that starts like a formula, a number that is not a plain decimal of at most six
places, a value of an indicator whose checks have different units. Its line is then written
in Python from the record's cells and its results (``_python_line``).

The file serves only a report that lists every record (``--results all``) in UTF-8, and only
when every input went through the columns; otherwise ``usable`` is False and the CSV is made
after the check as before.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator
from typing import IO, Any

# the columnar engine first: it sets polars' allocator up before polars loads (this module is
# imported before the check, where the engine would have been the first to load polars)
import lifeservices_cli.engine.columnar  # noqa: F401

# isort: split
import polars as pl

from lifeservices_cli.engine.results import SEPARATOR, Result
from lifeservices_cli.i18n import t
from lifeservices_cli.render.common import clean, status_text
from lifeservices_cli.render.fastrows import _PLAIN_JSON, _STATUSES, _number, csv_cell, csv_quoted, maybe_formula
from lifeservices_cli.render.rows import _keys, layout, neutralise
from lifeservices_cli.report.model import Report

#: The encodings whose bytes the file's UTF-8 rows already are.
ENCODINGS = ("utf-8", "utf-8-sig")


class Lines:
    """A CSV report's rows, made by the columnar engine's batches (``driver.run``'s sink)."""

    def __init__(self, report: Report):
        self.report = report
        self.layout = layout(report)
        self._positions: dict[tuple[str, int], int] = {}
        for info in report.inputs:
            for key in _keys(list(info.columns)):
                self._positions.setdefault(key, len(self._positions))
        try:  # beside the JSON report's spool when there is one, else in the temporary folder
            self._file: IO[bytes] = tempfile.TemporaryFile(dir=report.spool_folder)  # noqa: SIM115 - kept open
        except OSError:
            self._file = tempfile.TemporaryFile()  # noqa: SIM115
        self._done: set[int] = set()  # the inputs whose rows are all here (by id)
        self._where: list[int] = []  # the current input's header cells' columns
        self._source = ""
        self._delimiter = ","
        self._ids: list[str] = []  # the current input's indicators, in its results' order

    # ------------------------------------------------------------------ the driver's side

    def begin(self, binding: Any, plan: Any) -> pl.Expr | None:
        """The expression of one record's row over the batch's columns, or None (this input's
        rows are left to the ordinary path, and so is the whole CSV)."""
        info, table = binding.info, binding.table
        if info.path in self.report.tables or info.sheet is not None or not table.plain:
            return None
        if table.layout.get("check_mark_columns") or not table.delimiter:
            return None
        if [key for key in _keys(list(table.header))] != _keys(list(info.columns)):
            return None
        self._delimiter = table.delimiter
        self._where = [self._positions[key] for key in _keys(list(table.header))]
        self._source = clean(info.source)
        self._ids = [ind.id for ind, _ in plan.indicators]
        return self._expression(len(table.header))

    def mark(self) -> int:
        return self._file.tell()

    def rollback(self, mark: int) -> None:
        self._file.seek(mark)
        self._file.truncate()

    def add(self, frame: pl.DataFrame, texts: pl.Series) -> None:
        """Write the batch's rows: those the expression made, the others (a hard row, an odd cell)
        in Python from the results' lines ``texts`` as the spool keeps them (a large run's CSV
        shows what its JSON report says: a hard row's exact value has that report's digits)."""
        made = frame.get_column("_row").struct.unnest()
        cells, results = made.get_column("cells"), made.get_column("results")
        raw = frame.get_column("_raw")  # a line with a quote: its cells as Python's csv module reads them
        whole = results.is_null() | frame.get_column("hard")  # the whole row in Python, from its results
        own = (cells.is_null() | raw.is_not_null()) & ~whole  # only the record's cells in Python
        names = [f"c{i}" for i in range(len(self._where))]

        def records(where: pl.Series) -> list[list[str]]:
            """The cells of these rows: a line with a quote read again, the others as the columns read them."""
            picked = [frame.get_column(name).gather(where).to_list() for name in ("_raw", *names)]
            out = []
            for line, *row in zip(*picked, strict=True):
                if line is not None:
                    out.append(next(csv.reader([line], delimiter=self._delimiter), []))
                else:
                    out.append([cell or "" for cell in row])
            return out

        if own.any():
            where = own.arg_true()
            cells = cells.scatter(where, [self._python_cells(row) for row in records(where)])
        rows = (cells + "," + results).alias("_row")  # null where the whole row is made below
        if whole.any():
            where = whole.arg_true()
            python = []
            lines, entries = frame.get_column("_line").gather(where).to_list(), texts.gather(where).to_list()
            for row, line, text in zip(records(where), lines, entries, strict=True):
                made_results = [self.report.store.entry(e) for e in text.split(SEPARATOR)]
                python.append(self._python_line(row, made_results, line))
            rows = rows.scatter(where, python)
        rows.to_frame().write_csv(
            self._file, include_header=False, quote_style="never", line_terminator="\r\n"
        )

    def end(self, binding: Any) -> None:
        self._done.add(id(binding.info))

    # ------------------------------------------------------------------ the renderer's side

    def usable(self, report: Report, csv_encoding: str) -> bool:
        """Whether the file is this report's CSV body: every input's rows, all listed, in UTF-8."""
        return (
            report is self.report
            and report.listed is None
            and csv_encoding in ENCODINGS
            and all(id(info) in self._done for info in report.inputs)
            and layout(report) == self.layout
        )

    def chunks(self, size: int = 1 << 22) -> Iterator[bytes]:
        """The rows as bytes, in pieces of ``size``."""
        self._file.flush()
        self._file.seek(0)
        try:
            while chunk := self._file.read(size):
                yield chunk
        finally:
            self._file.seek(0, 2)

    def copy_to(self, out: IO[bytes]) -> None:
        """Append the rows to the file ``out`` (by the kernel where it can: no copy through Python)."""
        out.flush()
        self._file.flush()
        size, start = self._file.seek(0, 2), out.seek(0, 2)
        try:
            done = 0
            while done < size and (sent := os.sendfile(out.fileno(), self._file.fileno(), done, size - done)):
                done += sent
            if done == size:
                out.seek(0, 2)
                return
        except (AttributeError, OSError):  # no sendfile here, or not between these two files
            pass
        out.seek(start)
        out.truncate()
        for chunk in self.chunks():
            out.write(chunk)

    # ------------------------------------------------------------------ the rows

    def _expression(self, width: int) -> pl.Expr:
        """A record's row as CSV text (without its line end) in two parts: ``cells``, the record's
        own cells (null where one starts like a formula: made in Python), and ``results``, its
        indicators' cells, the file and the line (null where a value or gap is no plain number)."""
        lang = self.report.lang
        at = dict(zip(self._where, range(width), strict=True))
        parts: list[pl.Expr] = []
        odd: list[pl.Expr] = []
        for position in range(len(self.layout.columns)):
            index = at.get(position)
            if index is None:
                parts.append(pl.lit(""))
                continue
            cell = pl.col(f"c{index}").fill_null("")
            odd.append(maybe_formula(cell))
            parts.append(csv_quoted(cell))
        cells = pl.concat_str(parts, separator=",")
        if odd:
            cells = pl.when(pl.any_horizontal(odd)).then(pl.lit(None, dtype=pl.Utf8)).otherwise(cells)
        parts = []
        yes, no = csv_cell(t("words.yes", lang)), csv_cell(t("words.no", lang))
        words = {s: csv_cell(status_text(s, lang)) for s in _STATUSES}
        for ic in self.layout.indicators:
            if ic.indicator.id not in self._ids:
                parts += [pl.lit(""), pl.lit(""), pl.lit("")]
                continue
            k = self._ids.index(ic.indicator.id)
            value, gap = pl.col(f"_vj{k}"), pl.col(f"_gj{k}")
            number = value.str.contains(_PLAIN_JSON)
            if ic.mixed:  # the value goes with its check's unit: made in Python
                number = pl.lit(False)
            parts.append(pl.col(f"s{k}").replace_strict(words, default=None, return_dtype=pl.Utf8))
            parts.append(
                pl.when(value == "null")
                .then(pl.lit(""))
                .when(value == "true")
                .then(pl.lit(yes))
                .when(value == "false")
                .then(pl.lit(no))
                .when(number)
                .then(_number(value))
            )
            parts.append(pl.when(gap == "null").then(pl.lit("")).when(gap.str.contains(_PLAIN_JSON)).then(_number(gap)))
        parts += [pl.lit(csv_cell(self._source)), pl.col("_line").cast(pl.Utf8)]
        results = pl.concat_str(parts, separator=",")  # null when one part is: made in Python
        return pl.struct(cells.alias("cells"), results.alias("results"))

    def _placed(self, cells: list[str]) -> list[str]:
        """The record's cells in the layout's columns, as ``rows.rows`` places them."""
        out = [""] * len(self.layout.columns)
        for index, cell in zip(self._where, cells, strict=False):
            out[index] = clean(cell)
        return out

    def _python_cells(self, cells: list[str]) -> str:
        """The record's own cells of a row, as ``render.csv`` writes them (each neutralised and
        quoted by itself, as the csv module quotes a field of a longer row)."""
        return ",".join(map(csv_cell, self._placed(cells)))

    def _python_line(self, cells: list[str], results: list[Result], line: int) -> str:
        """The row as ``render.csv`` writes it from the record reader's row (its own functions)."""
        from lifeservices_cli.render.csv import text_cells

        lang = self.report.lang
        out = self._placed(cells)
        mine = {r.indicator: r for r in results}
        for ic in self.layout.indicators:
            r = mine.get(ic.indicator.id)
            out.extend(text_cells(r, ic, lang) if r is not None else ("", "", ""))
        out.extend([self._source, str(line)])
        buffer = io.StringIO()  # the line end as render.csv writes it: it decides what is quoted (CR, LF)
        csv.writer(buffer, lineterminator="\r\n").writerow([neutralise(cell) for cell in out])
        return buffer.getvalue().removesuffix("\r\n")
