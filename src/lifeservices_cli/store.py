"""Results in input order, in memory or spooled to disk.

Small runs keep ``Result`` objects (exact fractions, handy for the API and tests). When the
columnar path adds result lines, the store switches to a spool: a temporary file holding the
JSON report's ``results`` entries exactly as they will be written (``,\\n    `` between them),
so writing the JSON report copies it, and memory does not grow with the input.
"""

from __future__ import annotations

import codecs
import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import IO, Any

from lifeservices_cli.dates import parse_date
from lifeservices_cli.engine import Result

SEPARATOR = ",\n    "


class ResultStore:
    def __init__(self, to_dict: Callable[[Result], dict[str, Any]]):
        self._items: list[Result] = []
        self._spool: IO[str] | None = None
        self._to_dict = to_dict
        self.total = 0
        self.counts: Counter[str] = Counter()

    @property
    def spooled(self) -> bool:
        return self._spool is not None

    def add(self, result: Result) -> None:
        self.total += 1
        self.counts[result.status] += 1
        if self._spool is None:
            self._items.append(result)
        else:
            self._write(json.dumps(self._to_dict(result), ensure_ascii=False))

    def add_text(self, text: str, total: int, counts: Counter[str]) -> None:
        """Add ``total`` results already rendered as JSON entries joined by ``SEPARATOR``."""
        if not text:
            return
        self.spool()
        self._write(text)
        self.total += total
        self.counts.update(counts)

    def spool(self) -> None:
        """From now on keep results on disk (those in memory move there first)."""
        if self._spool is not None:
            return
        self._spool = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")
        self._empty = True
        items, self._items = self._items, []
        self._moved = items  # kept so a rollback to before the spool can restore them
        for result in items:
            self._write(json.dumps(self._to_dict(result), ensure_ascii=False))

    def _write(self, text: str) -> None:
        assert self._spool is not None
        if not self._empty:
            self._spool.write(SEPARATOR)
        self._spool.write(text)
        self._empty = False

    def mark(self) -> tuple[int | None, int, int, Counter[str], bool]:
        """A point to roll back to (see ``rollback``)."""
        position = self._spool.tell() if self._spool is not None else None
        return position, len(self._items), self.total, Counter(self.counts), getattr(self, "_empty", True)

    def rollback(self, mark: tuple[int | None, int, int, Counter[str], bool]) -> None:
        position, items, self.total, self.counts, empty = mark
        if position is None and self._spool is not None:  # the spool began after the mark: back to memory
            self._spool.close()
            self._spool, self._items = None, self._moved
        if self._spool is not None and position is not None:
            self._spool.seek(position)
            self._spool.truncate()
            self._empty = empty
        del self._items[items:]

    def copy_to(self, out: IO[str]) -> None:
        """Write the JSON ``results`` entries (without the brackets)."""
        if self._spool is None:
            out.write(SEPARATOR.join(json.dumps(self._to_dict(r), ensure_ascii=False) for r in self._items))
            return
        self._spool.flush()
        raw = self._spool.buffer  # bytes straight through: no decoding and encoding again
        raw.seek(0)
        target = getattr(out, "buffer", None)
        if target is not None:
            out.flush()
            shutil.copyfileobj(raw, target, 1 << 22)
            target.flush()
        else:  # a text-only target (StringIO): decode without splitting a character between chunks
            decoder = codecs.getincrementaldecoder("utf-8")()
            while chunk := raw.read(1 << 22):
                out.write(decoder.decode(chunk))
        self._spool.seek(0, 2)

    def __iter__(self) -> Iterator[Result]:
        if self._spool is None:
            yield from self._items
            return
        self._spool.flush()
        self._spool.seek(0)
        try:
            for line in self._spool:
                text = line.strip().rstrip(",")
                if text:
                    yield result_from_dict(json.loads(text))
        finally:
            self._spool.seek(0, 2)

    def __len__(self) -> int:
        return self.total


def _exact(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(repr(value))
    if isinstance(value, str):
        return parse_date(value) or value
    return value


def result_from_dict(data: dict[str, Any]) -> Result:
    """A ``Result`` back from its JSON form (numbers are the report's rounded values)."""
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
        data["comparator"],
        data["unit"],
        _exact(data["gap"]),
        data["message"],
        _exact(data["shortfall"]),
    )
