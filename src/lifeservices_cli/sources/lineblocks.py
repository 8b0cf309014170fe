"""Reading a large file in blocks of whole lines: the columnar reader's CSV and the result spool."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

#: The longest line of an input (bytes in the columnar reader, characters in the record reader).
#: Reading a line costs about twelve times its length in memory (a 300 MB line took 3.5 GB and
#: three minutes), and no table row is this long: a longer one is refused, exit 2.
MAX_LINE = 64 << 20
TOO_LONG = f"a line longer than {MAX_LINE >> 20} MiB, more than any table row holds (is this a table?)"


class LineTooLong(Exception):
    """A line of more than ``longest`` bytes, with no line end within them."""


def line_blocks(fh: IO[bytes], start: int, end: int | None, size: int, longest: int | None = None) -> Iterator[bytes]:
    """The bytes of ``fh`` from ``start`` to ``end`` (None: the end of the file) in blocks of about
    ``size`` bytes, each ending with a line end (the last one may not).

    The position is set before every read, so the caller may use the file between blocks. A line
    longer than ``longest`` raises ``LineTooLong`` before more of it is read.
    """
    position, rest = start, b""
    while True:
        want = size if end is None else min(size, end - position)
        fh.seek(position)
        chunk = fh.read(want) if want > 0 else b""
        position += len(chunk)
        data = rest + chunk
        if not chunk:  # the end: what is left, a last line without a line end
            if longest is not None and len(data) > longest:
                raise LineTooLong
            if data:
                yield data
            return
        cut = data.rfind(b"\n") + 1
        if cut == 0:  # no line end yet: read on
            if longest is not None and len(data) > longest:
                raise LineTooLong
            rest = data
            continue
        yield data[:cut]
        rest = data[cut:]
