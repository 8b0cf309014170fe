"""Reading a CSV input in blocks of whole lines, as the record reader reads its rows."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from lifeservices_cli.engine.columnar.plan import Plan
from lifeservices_cli.engine.columnar.rationals import NotFast
from lifeservices_cli.errors import UsageError
from lifeservices_cli.sources.lineblocks import MAX_LINE, TOO_LONG, LineTooLong, line_blocks

BLOCK_BYTES = 1 << 19  # about 8,000 rows of a typical community file


class _Spans(Exception):
    """A quoted cell spans lines: rows are not lines, and the record reader counts them."""


#: What Python's ``str.strip`` removes (the record reader's test of a blank row): polars' own
#: white space lacks U+001C–U+001F.
_WHITE = "".join(c for c in map(chr, range(0x3100)) if c.isspace())


def batches(plan: Plan) -> Generator[tuple[pl.DataFrame, int]]:
    """The input in batches of string columns ``c0..cN`` with the physical ``_line`` (blank lines
    dropped), each with the bytes of the file read so far.

    The file is read in blocks of whole lines (``BLOCK_BYTES``), each parsed on its own, so
    memory stays flat whatever the file's size. Each block is parsed behind a line of empty
    cells (so a blank first line or a byte-order mark at its start is read as the record
    reader reads it). A block whose rows are not its lines — a quoted cell with a line break,
    or a carriage return alone, which Python's csv module takes for a line end — raises ``_Spans``.
    """
    names = [f"c{i}" for i in range(len(plan.header))]
    lead = plan.delimiter.encode() * (len(names) - 1) + b"\n"
    skip = getattr(plan, "skip_lines", 1)  # the title rows, the header and a units row: lines, one each
    with plan.path.open("rb") as fh:
        done = 0
        for _ in range(skip):
            head = fh.readline()
            if head.count(b'"') % 2 or head.count(b"\r") != head.count(b"\r\n"):
                raise _Spans
            done += len(head)
        line = skip + 1
        blocks = line_blocks(fh, done, None, BLOCK_BYTES, MAX_LINE)
        while True:
            try:
                block = next(blocks, None)
            except LineTooLong:
                raise UsageError(TOO_LONG, plan.source, line) from None
            if block is None:
                break
            done += len(block)
            lines = block.count(b"\n") + (not block.endswith(b"\n"))
            if block.count(b"\r") != block.count(b"\r\n"):
                raise _Spans
            batch = _parse(plan, names, lead + block)
            if batch.width != len(names) or batch.height != lines + 1:
                raise _Spans
            batch = batch.slice(1).with_row_index("_line", offset=line)
            if getattr(plan, "values", False):  # a renderer's rows too: they need the lines with a quote
                batch = batch.with_columns(_quoted(block, batch.height).alias("_raw"))
            line += lines
            batch, lead_blank = _drop_blank(batch, names)
            _no_totals(plan, batch, names, lead_blank)
            yield batch, done


def _quoted(block: bytes, height: int) -> pl.Series:
    """Each line of the block that holds a double quote, as text (without its line end); null
    for the others. Python's csv module and polars part ways on odd quoting (``"b"c"d"``), so a
    renderer reads these lines' cells again as the record reader does."""
    out = pl.Series([None] * height, dtype=pl.Utf8)
    if b'"' not in block:
        return out
    where, texts, seen, at = [], [], 0, 0
    quote = block.find(b'"')
    while quote != -1:
        start = block.rfind(b"\n", 0, quote) + 1
        end = block.find(b"\n", quote)
        end = len(block) if end == -1 else end
        seen += block.count(b"\n", at, start)
        at = start
        where.append(seen)
        texts.append(block[start:end].removesuffix(b"\r").decode("utf-8"))
        quote = block.find(b'"', end)
    return out.scatter(where, texts)


def _parse(plan: Plan, names: list[str], data: bytes, columns: list[int] | None = None) -> pl.DataFrame:
    """Lines of the input (behind a line of empty cells) as string columns ``c0..``: the one
    parse both ``batches`` and ``cells_at`` use, so a line read again gives the cells it gave."""
    return pl.read_csv(
        data,
        has_header=False,
        new_columns=names,
        separator=plan.delimiter,
        infer_schema=False,
        quote_char='"',
        encoding="utf8",
        truncate_ragged_lines=False,
        raise_if_empty=False,
        columns=columns,
    )


def cells_at(plan: Plan, wanted: set[int], index: int) -> Iterator[tuple[int, str | None]]:
    """The raw cell ``c{index}`` of the physical lines ``wanted``, read again as ``batches`` read them.

    Only those lines are parsed (by the same ``read_csv`` call, behind the same line of empty
    cells): ``batches`` has found that the file's rows are its lines, so a line parsed alone
    gives the cells it gave in its block. Lines are numbered as ``batches`` numbers them."""
    names = [f"c{i}" for i in range(len(plan.header))]
    lead = plan.delimiter.encode() * (len(names) - 1) + b"\n"
    skip = getattr(plan, "skip_lines", 1)
    order = sorted(wanted)
    with plan.path.open("rb") as fh:
        done = sum(len(fh.readline()) for _ in range(skip))
        line = skip + 1
        for block in line_blocks(fh, done, None, BLOCK_BYTES, MAX_LINE):
            lines = block.count(b"\n") + (not block.endswith(b"\n"))
            here = order[bisect_left(order, line) : bisect_left(order, line + lines)]
            if here:
                texts = block.split(b"\n")
                picked = b"\n".join(texts[n - line].removesuffix(b"\r") for n in here) + b"\n"
                cells = _parse(plan, names, lead + picked, [index])
                yield from zip(here, cells.get_column(names[index]).slice(1).to_list(), strict=True)
            line += lines


_TOTAL_WORDS = r"(小计|合计|总计|汇总|共计)"
_FOOTER_WORDS = r"^\s*(注|说明|备注|附注|填表|填报|制表|统计人|审核|负责人|单位负责人|分管领导|联系|电话|报送)"


def _drop_blank(batch: pl.DataFrame, names: list[str]) -> tuple[pl.DataFrame, pl.Series]:
    """The batch without its blank rows (every cell white space, as ``str.strip`` sees it), and
    for each row left whether its first cell is blank. Only the rows whose first cell is blank
    (few) have their other cells looked at."""
    lead = batch.get_column(names[0]).fill_null("").str.strip_chars(_WHITE) == ""
    where = lead.arg_true()
    if not where.len():
        return batch, lead
    drop = where  # a row of one cell is blank when that cell is
    if len(names) > 1:
        rest = batch.select(names[1:]).gather(where)
        blank = [pl.col(n).fill_null("").str.strip_chars(_WHITE) == "" for n in names[1:]]
        drop = where.filter(rest.select(pl.all_horizontal(blank)).to_series())
    if not drop.len():
        return batch, lead
    keep = pl.repeat(True, batch.height, eager=True).scatter(drop, False)
    return batch.filter(keep), lead.filter(keep)


#: Every word of ``_TOTAL_WORDS`` holds one of these: rows without them need no closer look.
_TOTAL_CHARS = "[计总]"


def _no_totals(plan: Plan, batch: pl.DataFrame, names: list[str], lead_blank: pl.Series) -> None:
    """Raise ``NotFast`` when the batch holds a 小计/合计 row, a footer or a repeated header: the
    record reader sets those aside (and checks the totals), so it takes the whole file.

    ``lead_blank`` says for each row whether its first cell is blank: a row's first non-blank
    cell is its first cell but for those few. Rows are picked in polars by a wider test (a
    total's characters, the footer words, the first header cell) and judged in Python."""
    from lifeservices_cli.sources import layout

    labels = [f"c{i}" for i in getattr(plan, "labels", ()) if i < len(names)]
    c0 = pl.col(names[0])
    suspect = c0.str.contains(_FOOTER_WORDS) | c0.str.contains(_TOTAL_CHARS)
    suspect = (suspect | (c0.str.strip_chars() == plan.header[0].strip())).fill_null(False)
    for n in labels:
        suspect = suspect | pl.col(n).str.contains(_TOTAL_CHARS).fill_null(False)
    rows = batch.filter(suspect)
    where = lead_blank.arg_true()
    if where.len():  # for these few, the first non-blank cell is further on
        first = pl.coalesce([pl.when(pl.col(n).str.strip_chars(_WHITE) != "").then(pl.col(n)) for n in names[1:]])
        later = (first.str.contains(_FOOTER_WORDS) | first.str.contains(_TOTAL_CHARS)).fill_null(False)
        rows = pl.concat([rows, batch.gather(where).filter(later)])
    if not rows.height:
        return
    header = [layout._squash(h) for h in plan.header]
    for row in rows.select(names).iter_rows():
        cells = [c or "" for c in row]
        texts = [cells[int(n[1:])] for n in labels] + [next((c for c in cells if c.strip()), "")]
        if layout.is_footer(texts[-1]) or any(layout.total_label(c) for c in texts if c.strip()):
            raise NotFast("a total or footer row")
        if [layout._squash(c) for c in cells] == header:
            raise NotFast("a repeated header row")


def why_not(binding: Any) -> str | None:
    """Why an input cannot use the columnar path (None when it can)."""
    table, path = binding.table, binding.path
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        return "not a CSV file"
    if table.encoding not in ("utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312"):
        return f"encoding {table.encoding}"
    if not table.plain:
        return "the header is more than one row"
    if table.layout.get("check_mark_columns"):
        return "a check-mark column"
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # bytes the name did not decode from: polars cannot open it
        return "the file name is not UTF-8"
    return None


def _as_utf8(path: Path, encoding: str) -> Path:
    """A UTF-8 copy of a GB18030/GBK file in the temporary folder (polars reads UTF-8 only).

    Lines stay lines, so record lines are unchanged; bytes that are not valid in the encoding
    raise ``NotFast`` so the record reader can name their lines.
    """
    import codecs
    import tempfile

    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    out = tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False)  # noqa: SIM115 - removed by the caller
    try:
        with path.open("rb") as fh, out:
            while chunk := fh.read(1 << 20):
                out.write(decoder.decode(chunk).encode("utf-8"))
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError:
        Path(out.name).unlink(missing_ok=True)
        raise NotFast(f"bytes that are not valid {encoding}") from None
    except OSError as exc:  # e.g. a full temporary folder: the record reader needs no copy
        Path(out.name).unlink(missing_ok=True)
        raise NotFast(f"cannot make a UTF-8 copy: {exc.strerror or exc}") from None
    except BaseException:  # interrupted: no partial copy of the data is left behind
        Path(out.name).unlink(missing_ok=True)
        raise
    return Path(out.name)
