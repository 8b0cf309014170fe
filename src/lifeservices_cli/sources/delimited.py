"""CSV and TSV files (UTF-8, UTF-16 with BOM, or GB18030/GBK as WPS and Excel export them) as grids."""

from __future__ import annotations

import codecs
import csv
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lifeservices_cli.errors import UsageError
from lifeservices_cli.sources.grid import Grid, GridRows
from lifeservices_cli.sources.lineblocks import MAX_LINE, TOO_LONG

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

CHUNK = 1 << 20
SAMPLE = CHUNK  # what encoding detection weighs once a file turns out not to be pure UTF-8
#: Cells in one row at most: Excel's 16,384 columns. Finding the header costs time for every
#: column (100,000 columns took 47 s for three rows); no planning table is wider.
MAX_COLUMNS = 16_384


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK).

    A file that is UTF-8 but for a few stray bytes stays UTF-8, so only the cells holding them
    are invalid (with their line), instead of every Chinese header being garbled as GB18030.
    """
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            fh.seek(0)
            return "utf-8" if _mostly_utf8(fh.read(SAMPLE)) else "gb18030"
    return "utf-8"


def _mostly_utf8(data: bytes) -> bool:
    """Whether text that is not valid UTF-8 is still mostly UTF-8: its multi-byte characters
    far outnumber its invalid bytes. (GB18030 Chinese is invalid nearly byte for byte.)"""
    good = data.decode("utf-8", "ignore")  # the well-formed characters only
    size = len(good.encode("utf-8"))
    bad = len(data) - size  # the bytes that were dropped
    return size - len(good) > 4 * bad  # 1-3 bytes past the first of each multi-byte character


def _sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the most of the first lines into the same number of cells
    (a title line above the table has none; commas inside a TSV's cells vary from line to line)."""
    from collections import Counter

    best, score = ",", (0, 0)
    for d in (",", "\t", ";"):
        counts = Counter(n for n in (line.count(d) for line in lines) if n)
        if counts:
            count, lines_with = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
            if (lines_with, count) > score:
                best, score = d, (lines_with, count)
    return best


def read_csv_grid(path: Path, encoding: str | None) -> Grid:
    enc = encoding or detect_encoding(path)
    try:
        codecs.lookup(enc)
    except LookupError:
        raise UsageError(f"unknown encoding {enc!r}", path) from None
    try:
        with path.open("r", encoding=enc, errors="surrogateescape", newline="") as fh:
            first: list[str] = []
            while len(first) < 30:
                line = fh.readline(1 << 20)
                if not line:
                    break
                if line.strip():
                    first.append(line)
    except UnicodeError as exc:  # only a BOM-less UTF-16 file or an unusual --encoding gets here
        raise UsageError(f"cannot decode the file as {enc}: {getattr(exc, 'reason', exc)}", path) from None
    if not first:
        raise UsageError("the file is empty: no header row", path)
    delimiter = _sniff_delimiter(first)

    def rows() -> GridRows:
        with path.open("r", encoding=enc, errors="surrogateescape", newline="") as fh:
            reader = csv.reader(_lines(fh, path), delimiter=delimiter)
            previous = 0
            for row in reader:
                start, previous = previous + 1, reader.line_num
                if len(row) > MAX_COLUMNS:
                    raise UsageError(
                        f"a row of {len(row):,} cells, more than the {MAX_COLUMNS:,} columns a table may have",
                        path,
                        start,
                    )
                if row and any(cell.strip() for cell in row):
                    yield start, row

    return Grid(rows(), enc, delimiter=delimiter, csv=True, again=rows)


def _lines(fh: Any, path: Path) -> Iterator[str]:
    """The file's lines, none longer than ``MAX_LINE`` characters (a longer one: exit 2, before
    more of it is read)."""
    number = 0
    while line := fh.readline(MAX_LINE + 1):
        number += 1
        if len(line) > MAX_LINE:
            raise UsageError(TOO_LONG, path, number)
        yield line
