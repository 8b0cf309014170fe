"""The spreadsheet rows of ``render.rows`` built in polars, for a large run (a spooled store).

``rows.rows`` re-reads every input with the record reader and parses every result back into a
Python object: at a million records that is most of a CSV report's time. Here the input is read
in blocks of whole lines by polars, the results' lines by polars too, and a record's cells and
its results' three columns are put side by side as columns, text as the CSV shows it.

Every cell is the text ``rows.rows`` and ``csv.indicator_cells`` give, or this path is not
taken (``NotFast``: the caller starts again the ordinary way):

- only plain CSV inputs in UTF-8 that the record reader read with nothing set aside (no total,
  footer or repeated header), one header row; a block holding a quote is read by Python's csv
  module, as the record reader reads it; a carriage return alone, a NUL, a row longer than its
  header or invalid UTF-8 gives up;
- the records' lines must be the results' lines, in order, each record with one result per
  indicator in one fixed order (else the record reader's path tells what changed);
- numbers are converted in polars only when their JSON text is a plain decimal of at most six
  places (what ``numbers.display`` shows unchanged, less trailing zeros); any other value, and
  every value of an indicator whose checks have different units, is made in Python from its
  result, by the same function the ordinary path uses.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from lifeservices_cli.i18n import Lang, t
from lifeservices_cli.render.common import clean, status_text
from lifeservices_cli.render.rows import Layout, _keys, _reread_encoding, neutralise
from lifeservices_cli.report.model import Report
from lifeservices_cli.sources.lineblocks import MAX_LINE, line_blocks

#: Bytes of input read at a time (about 50,000 rows of a community file).
BLOCK_BYTES = 1 << 20
#: Bytes of the result spool read at a time.
SPOOL_BYTES = 2 << 20
#: What Python's ``str.strip`` removes (the record reader's test of a blank row).
_WHITE = "".join(c for c in map(chr, range(0x3100)) if c.isspace())
#: A JSON number that ``numbers.display`` (6 places) shows as it stands, less trailing zeros.
_PLAIN_JSON = r"^-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,6})?$"
_STATUS = r'"status": "([a-z_]+)", '
_NUMBERS = r'"value": (?P<value>[^,"]*), "threshold": [^,"]*, "gap": (?P<gap>[^,"]*), "shortfall": '

_SET_ASIDE = ("footer", "below_footer", "header_repeated")


class NotFast(Exception):
    """This report's rows are not made here (see the module's notes); the ordinary path makes them."""


@dataclass
class _Input:
    path: Path
    source: str  # as the report names it (cleaned)
    prefix: str  # how its results' lines start: '{"source": "…", "line": '
    delimiter: str
    skip: int  # lines before the first record
    width: int  # the header's cells
    where: list[int]  # each header cell's column in the layout
    wanted: int  # results per record


def plan(report: Report, layout: Layout) -> list[_Input]:
    """How each input is read, or ``NotFast`` when one cannot be read here."""
    if not report.store.spooled:
        raise NotFast("results in memory")
    positions: dict[tuple[str, int], int] = {}
    for info in report.inputs:
        for key in _keys(list(info.columns)):
            positions.setdefault(key, len(positions))
    per_entity: dict[str, int] = {}
    for ind in report.packset.indicators:
        if ind.spec.kind != "aggregate":
            per_entity[ind.spec.entity] = per_entity.get(ind.spec.entity, 0) + 1
    out = []
    for info in report.inputs:
        path = Path(info.path)
        if info.path in report.tables or info.sheet is not None:
            raise NotFast("not a file")
        if path.suffix.lower() not in (".csv", ".tsv", ".txt") or info.encoding not in ("utf-8", "utf-8-sig"):
            raise NotFast("not a UTF-8 CSV file")
        if info.totals or any(s.get("reason") in _SET_ASIDE for s in info.skipped):
            raise NotFast("rows set aside")
        table = report.raw_table(info, _reread_encoding(info))  # the header only: its rows are not read
        close = getattr(table.rows, "close", None)
        if close is not None:
            close()
        if not table.plain or table.layout.get("check_mark_columns") or not table.delimiter:
            raise NotFast("not a plain table")
        source = clean(info.source)
        out.append(
            _Input(
                path,
                source,
                '{"source": ' + json.dumps(source, ensure_ascii=False) + ', "line": ',
                table.delimiter,
                table.skip_lines,
                len(table.header),
                [positions[key] for key in _keys(table.header)],
                per_entity.get(info.entity, 0),
            )
        )
    return out


def _records(item: _Input, block_bytes: int = BLOCK_BYTES) -> Iterator[pl.DataFrame]:
    """The input's records in blocks: ``_line`` and the cells ``c0..`` of its header (blank rows dropped).

    Lines are split at the delimiter in polars; a line with a quote is read by Python's csv
    module, as the record reader reads it."""
    names = [f"c{i}" for i in range(item.width)]
    with item.path.open("rb") as fh:
        done = 0
        for _ in range(item.skip):
            head = fh.readline()
            if head.count(b'"') or head.count(b"\r") != head.count(b"\r\n"):
                raise NotFast("a quote or a carriage return before the records")
            done += len(head)
        line = item.skip + 1
        try:
            for block in line_blocks(fh, done, None, block_bytes, MAX_LINE):
                if block.count(b"\r") != block.count(b"\r\n") or b"\x00" in block:
                    raise NotFast("a carriage return alone or a NUL")
                text = block.decode("utf-8")  # invalid UTF-8: the record reader names the line
                if text.endswith("\n"):
                    text = text[:-1]
                lines = pl.Series("_text", [text]).str.split("\n").explode().str.strip_suffix("\r")
                frame = pl.DataFrame(lines).with_row_index("_line", offset=line)
                line += frame.height
                frame = _split(frame, item, names)
                blank = pl.all_horizontal([pl.col(n).str.strip_chars(_WHITE) == "" for n in names])
                yield frame.filter(~blank).select("_line", *names)
        except NotFast:
            raise
        except Exception as exc:  # invalid UTF-8, a line too long: the record reader's path says
            raise NotFast(str(exc)) from None


def _split(frame: pl.DataFrame, item: _Input, names: list[str]) -> pl.DataFrame:
    """Each line's cells: split at the delimiter; a line with a quote read by Python's csv module."""
    quoted = frame.get_column("_text").str.contains('"', literal=True)
    parts = frame.get_column("_text").str.split(item.delimiter)
    if (parts.list.len() > item.width).any():
        if (parts.filter(~quoted).list.len() > item.width).any():
            raise NotFast("a row longer than the header")
    out = frame.with_columns(
        pl.Series(parts).list.get(i, null_on_oob=True).fill_null("").alias(n) for i, n in enumerate(names)
    ).drop("_text")
    where = quoted.arg_true()
    if not where.len():
        return out
    rows = []
    for text in frame.get_column("_text").gather(where):
        read = list(csv.reader([text], delimiter=item.delimiter))
        if len(read) != 1 or len(read[0]) > item.width:
            raise NotFast("a cell spanning lines, or a row longer than the header")
        rows.append(read[0] + [""] * (item.width - len(read[0])))
    return out.with_columns(out.get_column(n).scatter(where, [row[i] for row in rows]) for i, n in enumerate(names))


class _Results:
    """The spool's result lines, taken ``count`` at a time across its blocks."""

    def __init__(self, report: Report, spool_bytes: int = SPOOL_BYTES):
        self._blocks = report.store.lines(spool_bytes)
        self._rest: list[pl.DataFrame] = []
        self._held = 0

    def take(self, count: int) -> pl.DataFrame:
        while self._held < count:
            frame = next(self._blocks, None)
            if frame is None:
                raise NotFast("fewer results than records")
            self._rest.append(frame)
            self._held += frame.height
        whole = pl.concat(self._rest) if len(self._rest) > 1 else self._rest[0]
        taken, rest = whole.slice(0, count), whole.slice(count)
        self._rest, self._held = ([rest] if rest.height else []), rest.height
        return taken

    def done(self) -> bool:
        return self._held == 0 and next(self._blocks, None) is None


def _number(expr: pl.Expr) -> pl.Expr:
    """A plain JSON decimal as ``numbers.display`` shows it (trailing zeros and point dropped, ``-0`` is 0)."""
    trimmed = expr.str.strip_chars_end("0").str.strip_chars_end(".")
    text = pl.when(expr.str.contains(".", literal=True)).then(trimmed).otherwise(expr)
    return pl.when(text == "-0").then(pl.lit("0")).otherwise(text)


def blocks(
    report: Report,
    layout: Layout,
    slow_cells: Callable[[Any, Any], tuple[str, ...]],
    finish: Callable[[str], str] = lambda text: text,
    every: bool = False,
    block_bytes: int = BLOCK_BYTES,
    spool_bytes: int = SPOOL_BYTES,
) -> Iterator[pl.DataFrame]:
    """The CSV's rows in blocks: one string column per CSV column (record cells, three per
    indicator, file and line); with ``--results problems`` only the records with a problem
    unless ``every``. The record's cells and the file are the text as read; the indicators'
    cells are final: ``slow_cells(result, columns)`` gives the three cells of one result the
    ordinary way (a ``Result`` and its ``IndicatorColumns``), ``finish`` makes a fixed word
    (a status, yes, no) final; numbers made here are plain ASCII decimals, final as they are.
    ``block_bytes`` and ``spool_bytes`` size the blocks read from the inputs and the spool: a
    renderer that holds more per row than the CSV does (the workbook's XML) asks for smaller ones."""
    lang: Lang = report.lang
    inputs = plan(report, layout)
    width = len(layout.columns)
    statuses = report.listed
    if statuses is not None and not statuses and not every:  # --results none: no record is listed
        return
    results = _Results(report, spool_bytes)
    words = {"true": finish(t("words.yes", lang)), "false": finish(t("words.no", lang))}
    status_words = {s: finish(status_text(s, lang)) for s in _STATUSES}
    for item in inputs:
        order: list[str] | None = None
        for records in _records(item, block_bytes):
            if not records.height:
                continue
            if not item.wanted:  # no indicator for these records: listed only under --results all
                if statuses is None or every:
                    yield _shape(records, item, layout, width)
                continue
            got = results.take(records.height * item.wanted)
            if order is None:
                order = _order(got, item.wanted)
            parts: dict[str, pl.DataFrame] = {}
            for k, indicator in enumerate(order):
                part = got.gather_every(item.wanted, offset=k)
                expected = pl.lit(item.prefix) + records.get_column("_line").cast(pl.String) + pl.lit(", ")
                ok = part.select(
                    (
                        pl.col("entry").str.strip_chars_start(" ").str.starts_with(expected)
                        & pl.col("entry").str.contains(f'"indicator": {json.dumps(indicator)}, ', literal=True)
                    ).all()
                ).item()
                if not ok:
                    raise NotFast("the results are not the records'")
                parts[indicator] = part
            frame = records
            problem: pl.Series | None = None
            for ic in layout.indicators:
                its = parts.get(ic.indicator.id)
                if its is None:
                    continue
                codes, cells = _cells(report, its, ic, words, status_words, slow_cells)
                frame = frame.with_columns(cells)
                if statuses is not None:
                    mine = codes.is_in(sorted(statuses))
                    problem = mine if problem is None else problem | mine
            if statuses is not None and not every:
                frame = frame.filter(problem) if problem is not None else frame.clear()
            if frame.height:
                yield _shape(frame, item, layout, width)
    if not results.done():
        raise NotFast("more results than records")


_STATUSES = ("pass", "fail", "missing_data", "invalid_data", "not_applicable", "eligible", "not_eligible")


def _order(got: pl.DataFrame, wanted: int) -> list[str]:
    """The indicators of the first record's results, in order (every record's must be the same)."""
    head = got.head(wanted).select(pl.col("entry").str.extract(r'"indicator": "([^"\\]*)", "status": ', 1))
    order = head.to_series().to_list()
    if None in order or len(set(order)) != wanted:
        raise NotFast("a record's results are not one per indicator")
    return order


def _cells(
    report: Report,
    part: pl.DataFrame,
    ic: Any,
    words: dict[str, str],
    status_words: dict[str, str],
    slow_cells: Callable[[Any, Any], tuple[str, ...]],
) -> tuple[pl.Series, list[pl.Series]]:
    """The statuses of one indicator's results (one per record) and their status, value and gap cells."""
    ind = ic.indicator.id
    entry = pl.col("entry")
    numbers = entry.str.extract_groups(_NUMBERS).alias("_numbers")
    tail = part.select(entry.str.extract(_STATUS, 1).alias("status"), numbers).unnest("_numbers")
    value, gap, status = pl.col("value"), pl.col("gap"), pl.col("status")
    mixed = ic.mixed
    fast_value = (value == "null") | (value == "true") | (value == "false") | value.str.contains(_PLAIN_JSON)
    fast = status.is_not_null() & fast_value & ((gap == "null") | gap.str.contains(_PLAIN_JSON))
    shown = tail.select(
        status,
        status.replace_strict(status_words, default=None).alias("s"),
        pl.when(value == "null")
        .then(pl.lit(""))
        .when(value == "true")
        .then(pl.lit(words["true"]))
        .when(value == "false")
        .then(pl.lit(words["false"]))
        .otherwise(_number(value))
        .alias("v"),
        pl.when(gap == "null").then(pl.lit("")).otherwise(_number(gap)).alias("g"),
        (pl.lit(False) if mixed else fast.fill_null(False)).alias("fast"),
    )
    codes, s, v, g = (shown.get_column(n) for n in ("status", "s", "v", "g"))
    slow = (~shown.get_column("fast")).arg_true()
    if slow.len():
        made = []
        for entry in part.get_column("entry").gather(slow):
            r = report.store.entry(entry)
            made.append((r.status, *slow_cells(r, ic)))
        codes = codes.scatter(slow, [m[0] for m in made])
        s = s.scatter(slow, [m[1] for m in made])
        v = v.scatter(slow, [m[2] for m in made])
        g = g.scatter(slow, [m[3] for m in made])
    return codes, [s.alias(f"s:{ind}"), v.alias(f"v:{ind}"), g.alias(f"g:{ind}")]


def _shape(frame: pl.DataFrame, item: _Input, layout: Layout, width: int) -> pl.DataFrame:
    """The block's columns in the CSV's order: layout columns, three per indicator, file, line."""
    at = {position: f"c{i}" for i, position in enumerate(item.where)}
    columns: list[pl.Expr] = []
    for position in range(width):
        name = at.get(position)
        columns.append((pl.col(name).fill_null("") if name else pl.lit("")).alias(f"col{position}"))
    for ic in layout.indicators:
        ind = ic.indicator.id
        for kind in ("s", "v", "g"):
            name = f"{kind}:{ind}"
            columns.append(pl.col(name) if name in frame.columns else pl.lit("").alias(name))
    columns.append(pl.lit(item.source).alias("_source"))
    columns.append(pl.col("_line").cast(pl.String).alias("_line_text"))
    return frame.select(columns)


#: A cell that is a plain number in ASCII digits: never a formula, whatever its first character.
_PLAIN_ASCII = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"


def csv_cell(text: str) -> str:
    """A cell as Python's csv module writes it (minimal quoting), neutralised first."""
    text = neutralise(text)
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def maybe_formula(text: pl.Expr) -> pl.Expr:
    """Whether a text cell may start like a formula (``rows.is_formula_like`` decides, in Python)."""
    return text.str.contains(r"^[=+\-@\t\r]") & ~text.str.contains(_PLAIN_ASCII)


def csv_quoted(text: pl.Expr) -> pl.Expr:
    """A neutralised cell as ``csv_cell`` writes it: quoted when it holds a comma, a quote, CR or LF."""
    quoted = pl.lit('"') + text.str.replace_all('"', '""', literal=True) + pl.lit('"')
    return pl.when(text.str.contains(r'[,"\r\n]')).then(quoted).otherwise(text)


def csv_text(block: Any) -> str:
    """A block of rows (string columns, in order) as CSV text: the record's cells and the file
    neutralised and quoted as Python's csv module quotes (a cell with a comma, a quote, CR or
    LF); the indicators' cells are final already (``fastrows.blocks``). CRLF line ends."""
    columns = []
    for series in block.iter_columns():
        name = series.name
        if name == "_source":  # one file: its text made once
            columns.append(pl.lit(csv_cell(series[0]) if len(series) else "").alias(name))
            continue
        if name == "_line_text" or name.startswith(("s:", "v:", "g:")):
            columns.append(pl.col(name))
            continue
        where = block.select(maybe_formula(pl.col(name))).to_series().arg_true()
        if where.len():  # rare: what starts like a formula is decided by the same function as always
            series = series.scatter(where, [neutralise(x) for x in series.gather(where)])
            block = block.with_columns(series)
        columns.append(csv_quoted(pl.col(name)))
    line = pl.concat_str(columns, separator=",") + pl.lit("\r\n")
    joined: str = block.select(line.str.join("")).item()
    return joined
