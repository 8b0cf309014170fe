"""The floor: Python's ``csv.reader`` parsing the file and doing nothing else.

``python csv_floor.py DATA.csv [ENCODING]`` decodes the file (UTF-8 by default) and walks every
row with the standard library's C parser, counting rows and cells; it prints the counts. No
tool written in Python that reads the file with ``csv`` can be faster than this on the same
interpreter, so it shows how much of a check's time is spent on anything but reading.

What it does not do: anything with the cells — no header matching, no parsing, no checks, no
report.
"""

from __future__ import annotations

import csv
import sys


def count(path: str, encoding: str = "utf-8") -> tuple[int, int]:
    """(rows, cells) of the file, the header row included."""
    rows = cells = 0
    with open(path, encoding=encoding, newline="") as fh:
        for row in csv.reader(fh):
            rows += 1
            cells += len(row)
    return rows, cells


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 2):
        print("usage: csv_floor.py DATA.csv [ENCODING]", file=sys.stderr)
        return 2
    rows, cells = count(*argv)
    print(f"{rows} rows, {cells} cells")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
