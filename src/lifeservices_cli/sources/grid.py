"""A sheet or a CSV file as it is on disk: rows of text cells, with merged ranges and hidden rows.

Nothing here knows about entities: ``layout`` finds the table in a grid, ``binding`` its fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

#: A merged range: first row, first column, last row, last column (0-based, inclusive).
Merge = tuple[int, int, int, int]

#: Rows of a grid: (1-based line, cells); blank rows are left out.
GridRows = Iterator[tuple[int, list[str]]]


@dataclass
class Grid:
    """One sheet (or one CSV file) as text cells."""

    rows: GridRows
    encoding: str = "utf-8"
    sheet: str | None = None
    delimiter: str = ","
    merges: list[Merge] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)  # 1-based lines
    hidden_columns: list[int] = field(default_factory=list)  # 0-based
    #: Whether rows are physical CSV lines (the columnar path reads such files itself).
    csv: bool = False
    #: A fresh iterator over the same rows, for a second pass.
    again: Callable[[], GridRows] | None = None
    #: Cells holding a formula saved without its value (read as blank): ``A1`` references.
    uncalculated: list[str] = field(default_factory=list)


def column_name(index: int) -> str:
    """A spreadsheet column's letters: 0 → A, 26 → AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def cell_ref(row: int, column: int) -> str:
    """``A1`` for 0-based row and column."""
    return f"{column_name(column)}{row + 1}"


def range_ref(merge: Merge) -> str:
    r0, c0, r1, c1 = merge
    return f"{cell_ref(r0, c0)}:{cell_ref(r1, c1)}"


def trim(cells: list[str]) -> list[str]:
    """Drop empty cells at the end of a row (Excel keeps formatting far beyond the data)."""
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]
