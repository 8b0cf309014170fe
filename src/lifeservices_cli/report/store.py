"""Results in input order, in memory or spooled to disk.

Small runs keep ``Result`` objects (exact fractions, handy for the API and tests). When the
columnar path adds result lines, the store switches to a spool: a temporary file holding the
JSON report's ``results`` entries exactly as they will be written (``,\\n    `` between them),
so writing the JSON report copies it, and memory does not grow with the input.

A store given a ``folder`` spools into a hidden file there, after ``reserve()`` bytes left
free: the JSON report to a file in that folder is then written *in place* — its head into the
free space (padded with spaces, which JSON ignores), its tail appended, the file renamed — so
a gigabyte of results reaches the disk once instead of twice (``finish_in_place``).
"""

from __future__ import annotations

import codecs
import json
import os
import tempfile
import weakref
from collections import Counter
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import IO, Any

from lifeservices_cli.engine.results import SEPARATOR, Result, path_text
from lifeservices_cli.report.tally import Tally
from lifeservices_cli.semantics.dates import parse_date
from lifeservices_cli.sources.lineblocks import line_blocks

SCAN_BYTES = 2 << 20  # the spool is read back in blocks of this size (see ``scan``)
_SEP = SEPARATOR.encode()
# In an entry's JSON a '"' inside a string is escaped, so this text can only be the keys themselves
# (report.result_dict's order: the record's fields, then indicator and status).
_SOURCE = r'^\s*\{"source": "((?:[^"\\]|\\.)*)"'
_DISTRICT = r', "district": (null|"(?:[^"\\]|\\.)*"), '
_HEAD = r', "indicator": "(?P<indicator>[^"\\]*)", "status": "(?P<status>[a-z_]+)"'


class ResultStore:
    def __init__(
        self,
        to_dict: Callable[[Result], dict[str, Any]],
        folder: Path | None = None,
        reserve: Callable[[], int] = lambda: 0,
        from_dict: Callable[[dict[str, Any]], Result] | None = None,
    ):
        #: A result back from its JSON entry (the report's: it knows each indicator's comparator and unit).
        self.from_dict = from_dict or result_from_dict
        self._items: list[Result] = []
        self._spool: IO[bytes] | None = None
        self._to_dict = to_dict
        self._folder, self._reserve = folder, reserve
        self._path: Path | None = None  # the spool's name, when it is a file that may become the report
        self._start = 0  # where the results begin in the spool
        self._end: int | None = None  # where they end, once a tail follows them
        self._empty, self._trailing = True, False  # no entry spooled yet; none ends in a separator
        self.total = 0
        self.counts: Counter[str] = Counter()
        #: The summaries' counts and first positions per (source, district, indicator, status).
        self.tally = Tally()

    @property
    def spooled(self) -> bool:
        return self._spool is not None

    def add(self, result: Result) -> None:
        self.tally.add((path_text(result.source), result.district, result.indicator, result.status), self.total)
        self.total += 1
        self.counts[result.status] += 1
        if self._spool is None:
            self._items.append(result)
        else:
            self._write(self._encode(result))

    def _encode(self, result: Result) -> bytes:
        return json.dumps(self._to_dict(result), ensure_ascii=False).encode()

    def add_entries(
        self, write: Callable[[IO[bytes]], None], total: int, counts: Counter[str], tally: Any = None
    ) -> None:
        """Add ``total`` results that ``write`` puts in the spool, each followed by ``SEPARATOR``;
        ``tally``: what ``Tally.add_batch`` takes of them (positions from ``self.total`` on)."""
        if not total:
            return
        if tally is None:
            self.tally.give_up()
        else:
            self.tally.add_batch(*tally)
        self.spool()
        assert self._spool is not None
        if not self._empty and not self._trailing:
            self._spool.write(_SEP)
        write(self._spool)
        self._empty, self._trailing = False, True
        self.total += total
        self.counts.update(counts)

    def spool(self) -> None:
        """From now on keep results on disk (those in memory move there first)."""
        if self._spool is not None:
            return
        self._spool, self._start = self._open()
        self._empty = True
        self._trailing = False  # the spool ends with a separator that no entry follows yet
        items, self._items = self._items, []
        self._moved = items  # kept so a rollback to before the spool can restore them
        for result in items:
            self._write(self._encode(result))

    def _open(self) -> tuple[IO[bytes], int]:
        if self._folder is not None:
            try:
                fh = tempfile.NamedTemporaryFile("w+b", dir=self._folder, prefix=".lifeservices-", delete=False)  # noqa: SIM115
            except OSError:  # the report's folder will not take it: an anonymous spool does
                pass
            else:
                self._path = Path(fh.name)
                weakref.finalize(self, _remove, self._path)  # removed unless it became the report
                start = self._reserve()
                fh.seek(start)  # left as a hole: the report's head is written there at the end
                return fh, start
        return tempfile.TemporaryFile("w+b"), 0

    def finish_in_place(self, head: bytes, gap: bytes, tail: bytes, target: Path) -> bool:
        """Make the spool the JSON report ``target``: ``head`` + spaces + ``gap`` before the results, ``tail`` after.

        False (nothing changed) when the spool is not a file beside ``target`` or the head does
        not fit in the space left for it; the caller then writes the report the usual way.
        """
        fh, path = self._spool, self._path
        if fh is None or path is None or path.parent.resolve() != target.parent.resolve():
            return False
        if len(head) + len(gap) > self._start:
            return False
        end = self._results_end()
        fh.seek(0)
        fh.write(head + b" " * (self._start - len(head) - len(gap)) + gap)
        fh.seek(end)
        fh.write(tail)  # over a trailing separator, if any
        fh.truncate()
        fh.flush()
        os.fchmod(fh.fileno(), 0o666 & ~_umask())  # as any new file, not the spool's private 0600
        os.fsync(fh.fileno())
        os.replace(path, target)
        self._path, self._end = None, end  # the store still reads its results from the file
        return True

    def _results_end(self) -> int:
        """Where the results end in the spool (a trailing separator is not theirs)."""
        assert self._spool is not None
        if self._end is not None:
            return self._end
        self._spool.flush()
        return self._spool.seek(0, 2) - (len(_SEP) if self._trailing else 0)

    def _write(self, data: bytes) -> None:
        assert self._spool is not None
        if not self._empty and not self._trailing:
            self._spool.write(_SEP)
        self._spool.write(data)
        self._empty = self._trailing = False

    def mark(self) -> tuple[Any, ...]:
        """A point to roll back to (see ``rollback``)."""
        position = self._spool.tell() if self._spool is not None else None
        empty, trailing = self._empty, self._trailing
        return position, len(self._items), self.total, Counter(self.counts), empty, trailing, self.tally.snapshot()

    def rollback(self, mark: tuple[Any, ...]) -> None:
        position, items, self.total, self.counts, empty, trailing, tally = mark
        self.tally.restore(tally)
        if position is None and self._spool is not None:  # the spool began after the mark: back to memory
            self._spool.close()
            if self._path is not None:
                _remove(self._path)
            self._spool, self._items, self._path = None, self._moved, None
        if self._spool is not None and position is not None:
            self._spool.seek(position)
            self._spool.truncate()
            self._empty, self._trailing = empty, trailing
        del self._items[items:]

    def copy_to(self, out: IO[str], statuses: frozenset[str] | None = None) -> None:
        """Write the JSON ``results`` entries (without the brackets); only those of ``statuses`` if given."""
        if statuses is not None:  # entry by entry: never the whole list as one string
            for n, entry in enumerate(self._entries(statuses)):
                out.write(SEPARATOR + entry if n else entry)
            return
        if self._spool is None:  # in batches: never the whole list as one string (100k results: 300 MiB)
            items = self._items
            for start in range(0, len(items), 2048):
                if start:
                    out.write(SEPARATOR)
                batch = items[start : start + 2048]
                out.write(SEPARATOR.join(json.dumps(self._to_dict(r), ensure_ascii=False) for r in batch))
            return
        raw = self._spool
        size = self._results_end() - self._start
        raw.seek(self._start)
        target = getattr(out, "buffer", None)
        if target is not None:  # bytes straight through: no decoding and encoding again
            out.flush()
        decoder = codecs.getincrementaldecoder("utf-8")()
        while size > 0 and (chunk := raw.read(min(size, 1 << 22))):
            size -= len(chunk)
            if target is not None:
                target.write(chunk)
            else:  # a text-only target (StringIO): decode without splitting a character between chunks
                out.write(decoder.decode(chunk))
        if target is not None:
            target.flush()
        raw.seek(0, 2)

    def _entries(self, statuses: frozenset[str]) -> Iterator[str]:
        """The JSON entries of the results of ``statuses``, in input order (a spool: filtered in polars)."""
        if self._spool is None:
            for r in self._items:
                if r.status in statuses:
                    yield json.dumps(self._to_dict(r), ensure_ascii=False)
            return
        if not statuses:
            return
        import polars as pl

        for frame in self.scan():
            kept = frame.filter(pl.col("status").is_in(sorted(statuses)))
            yield from kept.get_column("entry").str.strip_chars().str.strip_chars_end(",")

    def count(self, statuses: frozenset[str] | None) -> int:
        """How many results have one of ``statuses`` (all: None)."""
        return self.total if statuses is None else sum(self.counts[s] for s in statuses)

    def write_lines(self, out: IO[bytes], statuses: frozenset[str] | None = None) -> None:
        """Write the JSON ``results`` entries one per line (NDJSON), without re-encoding the spool;
        only those of ``statuses`` if given."""
        if statuses is not None:
            for entry in self._entries(statuses):
                out.write(entry.encode() + b"\n")
            return
        if self._spool is None:
            for r in self._items:
                out.write(json.dumps(self._to_dict(r), ensure_ascii=False).encode() + b"\n")
            return
        self._spool.flush()
        try:
            for block in line_blocks(self._spool, self._start, self._results_end(), SCAN_BYTES):
                lines = block.replace(_SEP, b"\n").lstrip(b" ").rstrip(b"\n").rstrip(b",")
                if lines:
                    out.write(lines + b"\n")
        finally:
            self._spool.seek(0, 2)

    def __iter__(self) -> Iterator[Result]:
        if self._spool is None:
            yield from self._items
            return
        self._spool.flush()
        self._spool.seek(self._start)
        try:
            left = self.total  # one entry per line; a tail after them is not read
            for line in self._spool:
                if left <= 0:
                    break
                if line.strip():
                    left -= 1
                    yield self.entry(line)
        finally:
            self._spool.seek(0, 2)

    def scan(self, block: int | None = None, source: bool = False, district: bool = False) -> Iterator[Any]:
        """The spooled results in polars frames of about ``block`` bytes: ``n`` (the result's
        position), ``indicator``, ``status`` and ``entry`` (its line, for ``entry``),
        read without parsing the JSON in Python; with ``source``, also ``source`` (as JSON string
        content: a grouping key); with ``district``, also ``district`` (its JSON: ``null`` or a
        string). Only for a spooled store (polars is loaded then)."""
        import polars as pl

        assert self._spool is not None
        fh, n = self._spool, 0
        try:
            for lines in line_blocks(fh, self._start, self._results_end(), block or SCAN_BYTES):
                frame = (
                    pl.read_csv(  # one column of whole lines: JSON text holds no raw NUL or line break
                        lines, has_header=False, separator="\x00", quote_char=None, new_columns=["entry"]
                    )
                    .with_columns(pl.col("entry").str.extract_groups(_HEAD).struct.unnest())
                    .filter(pl.col("status").is_not_null())  # not the indentation after a last separator
                    .with_row_index("n", offset=n)
                )
                if source:
                    frame = frame.with_columns(pl.col("entry").str.extract(_SOURCE, 1).alias("source"))
                if district:
                    frame = frame.with_columns(pl.col("entry").str.extract(_DISTRICT, 1).alias("district"))
                n += frame.height
                yield frame
        finally:
            fh.seek(0, 2)

    def entries_at(self, positions: list[int]) -> dict[int, Result]:
        """The spooled results at ``positions`` (0 is the first), read up to the last one asked for,
        each line counted, only those asked for parsed."""
        assert self._spool is not None
        wanted = sorted(set(positions))
        found: dict[int, Result] = {}
        if not wanted:
            return found
        fh, n, i = self._spool, 0, 0
        fh.flush()
        try:
            for block in line_blocks(fh, self._start, self._results_end(), SCAN_BYTES):
                count = block.count(b"\n") + (not block.endswith(b"\n"))  # one entry a line
                if wanted[i] >= n + count:
                    n += count
                    continue
                lines = [line for line in block.split(b"\n") if line.strip()]
                while i < len(wanted) and wanted[i] < n + len(lines):
                    found[wanted[i]] = self.entry(lines[wanted[i] - n])
                    i += 1
                n += len(lines)
                if i == len(wanted):
                    break
        finally:
            fh.seek(0, 2)
        if i < len(wanted):
            raise ValueError(f"result {wanted[i]} is not in the spool ({n} results)")
        return found

    def lines(self, block: int | None = None) -> Iterator[Any]:
        """The spooled results' lines in polars frames of about ``block`` bytes: one column,
        ``entry`` (a result's JSON entry, indented, maybe followed by a comma), nothing parsed.
        Only for a spooled store (polars is loaded then)."""
        import polars as pl

        assert self._spool is not None
        fh = self._spool
        fh.flush()
        try:
            for lines in line_blocks(fh, self._start, self._results_end(), block or SCAN_BYTES):
                frame = pl.read_csv(  # one column of whole lines: JSON text holds no raw NUL or line break
                    lines, has_header=False, separator="\x00", quote_char=None, new_columns=["entry"]
                )
                # not the indentation after a last separator
                yield frame.filter(pl.col("entry").str.strip_chars(" ") != "")
        finally:
            fh.seek(0, 2)

    def __len__(self) -> int:
        return self.total

    def entry(self, line: str | bytes) -> Result:
        """A ``Result`` back from its line in the spool (indented, maybe followed by a comma)."""
        return self.from_dict(_loads(line))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove(path: Path) -> None:
    path.unlink(missing_ok=True)


class _FromFloat(Fraction):
    """A number read back from a report where it was a float (``0.0`` for 0.0000001): the JSON
    of it stays a float, as the exact value's was (``numbers.to_json``)."""

    json_float = True


def _exact(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return _FromFloat(repr(value))
    if isinstance(value, str):
        return parse_date(value) or value
    return value


def _loads(line: str | bytes) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        line.strip().rstrip(b",") if isinstance(line, bytes) else line.strip().rstrip(",")
    )
    return data


def result_from_dict(data: dict[str, Any], comparator: str | None = None, unit: str | None = None) -> Result:
    """A ``Result`` back from its JSON form (numbers are the report's rounded values).

    The report keeps an indicator's comparator and unit once, in ``indicators``; they are given here.
    """
    return Result(
        data["source"],
        data["line"],
        data["record_id"],
        data["record_name"],
        data["district"],
        data["indicator"],
        data["status"],
        _exact(data["value"]),
        _exact(data["threshold"]),
        comparator,
        unit,
        _exact(data["gap"]),
        data["message"],
        _exact(data["shortfall"]),
        data.get("check", 0),
        data.get("year"),
    )
