"""What reading produces: records, and what the report says about each input it read them from."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lifeservices_cli.semantics.values import Value

#: A row problem found while reading: a code (``not_mapping``, ``nested``) and the column index, if any.
RowProblem = tuple[str, int | None]

#: Rows of a table: (line, cells, problems).
Rows = Iterator[tuple[int, list[str], tuple[RowProblem, ...]]]

#: Between a workbook's path and its sheet in a result's ``source`` (``统计表.xlsx#洮南市``).
SHEET_MARK = "#"


_SHEET_SOURCE = None


def file_of(source: str) -> str:
    """The file a result's ``source`` is in: ``统计表.xlsx#洮南市`` → ``统计表.xlsx`` (for tools
    that point at files: SARIF, GitHub annotations, JUnit)."""
    import re

    global _SHEET_SOURCE
    if _SHEET_SOURCE is None:
        _SHEET_SOURCE = re.compile(r"^(.*\.(?:xlsx|xlsm|xls|ods|et))#[^/\\]*$", re.IGNORECASE)
    m = _SHEET_SOURCE.match(source)
    return m.group(1) if m else source


@dataclass(slots=True)
class Record:
    """One data row: where it came from and its values by canonical field name."""

    source: str
    line: int
    values: dict[str, Value]
    problems: tuple[str, ...] = ()  # reasons the whole row is unreadable (too many cells, ...)

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return value if isinstance(value, str) else None


@dataclass
class InputInfo:
    """What the report says about one input: a file, or one sheet of a workbook."""

    path: str
    entity: str
    encoding: str
    records: int = 0
    columns: dict[str, str | None] = field(default_factory=dict)  # header -> field (None: unused)
    warnings: list[str] = field(default_factory=list)
    sheet: str | None = None
    #: How the table was found (see ``layout.Layout.describe``): header rows, units row, ...
    layout: dict[str, Any] = field(default_factory=dict)
    #: Rows that are no record, each with its reason: ``{"line", "reason", "text"}``.
    skipped: list[dict[str, Any]] = field(default_factory=list)
    #: 小计/合计 rows: ``{"line", "label", "kind", "cells", "checks"}``.
    totals: list[dict[str, Any]] = field(default_factory=list)
    #: Sheets of the same workbook that were not checked: ``{"sheet", "reason"}``.
    skipped_sheets: list[dict[str, str]] = field(default_factory=list)

    @property
    def source(self) -> str:
        """The input as results name it: the path, and the sheet for a workbook."""
        return self.path if self.sheet is None else f"{self.path}{SHEET_MARK}{self.sheet}"

    def to_dict(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "path": self.path,
            "entity": self.entity,
            "encoding": self.encoding,
            "records": self.records,
            "columns": self.columns,
            "warnings": self.warnings,
        }
        if self.sheet is not None:
            entry["sheet"] = self.sheet
            entry["source"] = self.source
        entry["layout"] = self.layout
        entry["skipped"] = self.skipped
        entry["totals"] = self.totals
        if self.skipped_sheets:
            entry["skipped_sheets"] = self.skipped_sheets
        return entry


@dataclass
class Table:
    """A header and the rows under it, as text cells; ``rows`` yields records' rows only."""

    header: list[str]
    rows: Rows
    encoding: str
    entity_hint: str | None = None
    header_line: int = 1
    delimiter: str = ","
    sheet: str | None = None
    #: Per column, the names tried against an entity's aliases (None: the header alone).
    names: list[list[str]] | None = None
    #: Per column, the unit a units row (or a 单位： line above the table) gives it.
    units: list[str | None] | None = None
    #: Filled in while ``rows`` is read: rows that are no record, and 小计/合计 rows.
    skipped: list[dict[str, Any]] = field(default_factory=list)
    totals: list[dict[str, Any]] = field(default_factory=list)
    #: What reading found out about the table's shape (for ``InputInfo.layout``).
    layout: dict[str, Any] = field(default_factory=dict)
    #: Whether the rows are a plain CSV body after one header row (the columnar path's condition),
    #: and the physical lines before the body (title rows, the header, a units row).
    plain: bool = False
    skip_lines: int = 1
    #: A fresh iterator over the same rows (a second pass, e.g. to look at a whole column).
    again: Callable[[], Rows] | None = None
    #: The columns that are labels (id, name, district, 序号): where 小计/合计 are written.
    label_columns: tuple[int, ...] = ()
