"""Blocks of whole lines, as the columnar reader and the spool scan read large files."""

from __future__ import annotations

import io

import pytest

from lifeservices_cli.sources.lineblocks import line_blocks

TEXT = b"header\n" + b"".join(b"line %d\n" % n for n in range(50)) + b"no line end"


@pytest.mark.parametrize("size", [1, 5, 16, 64, 4096])
@pytest.mark.parametrize(("start", "end"), [(0, None), (7, None), (7, len(TEXT) - 11), (0, 0)])
def test_blocks_are_whole_lines_and_give_back_every_byte(size: int, start: int, end: int | None):
    fh = io.BytesIO(TEXT)
    blocks = list(line_blocks(fh, start, end, size))
    assert b"".join(blocks) == TEXT[start:end]
    assert all(block.endswith(b"\n") for block in blocks[:-1])
    assert all(blocks)


def test_the_file_may_be_used_between_blocks():
    fh = io.BytesIO(TEXT)
    out = []
    for block in line_blocks(fh, 0, None, 10):
        fh.seek(0, 2)  # e.g. the spool appended to or read elsewhere
        out.append(block)
    assert b"".join(out) == TEXT
