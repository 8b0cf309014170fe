"""Reading a large file in blocks of whole lines: the columnar reader's CSV and the result spool."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO


def line_blocks(fh: IO[bytes], start: int, end: int | None, size: int) -> Iterator[bytes]:
    """The bytes of ``fh`` from ``start`` to ``end`` (None: the end of the file) in blocks of about
    ``size`` bytes, each ending with a line end (the last one may not).

    The position is set before every read, so the caller may use the file between blocks.
    """
    position, rest = start, b""
    while True:
        want = size if end is None else min(size, end - position)
        fh.seek(position)
        chunk = fh.read(want) if want > 0 else b""
        position += len(chunk)
        data = rest + chunk
        if not chunk:  # the end: what is left, a last line without a line end
            if data:
                yield data
            return
        cut = data.rfind(b"\n") + 1
        if cut == 0:  # no line end yet: read on
            rest = data
            continue
        yield data[:cut]
        rest = data[cut:]
