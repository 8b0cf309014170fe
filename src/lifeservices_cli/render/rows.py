"""One row per input record for the spreadsheet formats (CSV, Excel): the record's own cells,
re-read from its file, beside its results.

The results of one record are consecutive in the report, in input order, so the input files
are re-read alongside one pass over ``report.iter_results()``: nothing is held but the current
record. The columns are the headers of the inputs, in order of first appearance (one input:
exactly its own header), then three columns per record-level indicator.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lifeservices_cli.engine.results import Result
from lifeservices_cli.errors import UsageError
from lifeservices_cli.i18n import Lang, w
from lifeservices_cli.packs.compiler import CompiledIndicator
from lifeservices_cli.render.common import clean
from lifeservices_cli.report.model import Report
from lifeservices_cli.sources import InputInfo

#: What a spreadsheet would run as a formula when a cell starts with it (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(text: str) -> str:
    """Prefix ``'`` to a text cell a spreadsheet would run as a formula; numbers stay numbers."""
    return "'" + text if is_formula_like(text) else text


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet would take this text for a formula (``=``, ``+``, ``-``, ``@``, tab, CR)."""
    return text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text)


@dataclass(frozen=True)
class IndicatorColumns:
    """The status, value and gap columns of one record-level indicator."""

    indicator: CompiledIndicator
    unit: str | None  # the unit of value and gap, when all the indicator's checks share one

    @property
    def mixed(self) -> bool:
        """Whether the checks have different units: the value column then shows each one's."""
        return self.unit is None and any(c.unit for c in self.indicator.checks)

    def headers(self, lang: Lang) -> list[str]:
        title = self.indicator.spec.title.get(lang)
        if self.unit:
            return [
                w("col_status", lang, title=title),
                w("col_value_unit", lang, title=title, unit=self.unit),
                w("col_gap_unit", lang, title=title, unit=self.unit),
            ]
        return [w("col_status", lang, title=title), w("col_value", lang, title=title), w("col_gap", lang, title=title)]


@dataclass(frozen=True)
class Layout:
    columns: list[str]  # the inputs' own headers
    indicators: list[IndicatorColumns]

    def header(self, lang: Lang) -> list[str]:
        head = list(self.columns)
        for ic in self.indicators:
            head.extend(ic.headers(lang))
        return head + [w("source", lang), w("line", lang)]


@dataclass(frozen=True)
class Row:
    """One input record: its cells aligned to ``Layout.columns`` and its results by indicator id."""

    info: InputInfo
    line: int
    cells: list[str]
    results: dict[str, Result]


def _keys(header: list[str]) -> list[tuple[str, int]]:
    """Header cells as (text, occurrence): two blank headers stay two columns."""
    seen: dict[str, int] = {}
    keys = []
    for h in header:
        seen[h] = seen.get(h, 0) + 1
        keys.append((h, seen[h]))
    return keys


def _reread_encoding(info: InputInfo) -> str:
    # The readers were given no --encoding or the user's; "utf-8" also reads a file with a BOM
    # the way the first read did (the structured readers default to utf-8-sig).
    return "utf-8-sig" if info.encoding == "utf-8" else info.encoding


def layout(report: Report) -> Layout:
    """The columns of the spreadsheet: the inputs' headers, then each indicator's three columns."""
    columns: dict[tuple[str, int], None] = {}
    for info in report.inputs:
        for key in _keys(list(info.columns)):
            columns.setdefault(key, None)
    entities = {info.entity for info in report.inputs}
    indicators = []
    for ind in report.packset.indicators:
        if ind.spec.kind != "aggregate" and ind.spec.entity in entities:
            units = {c.unit for c in ind.checks}
            indicators.append(IndicatorColumns(ind, units.pop() if len(units) == 1 else None))
    return Layout([clean(text) for text, _ in columns], indicators)


def listed(report: Report, row: Row) -> bool:
    """Whether ``--results`` lists this record: ``all`` every one, ``problems`` those with a problem."""
    statuses = report.listed
    return statuses is None or any(r.status in statuses for r in row.results.values())


def rows(report: Report, *, every: bool = False) -> Iterator[Row]:
    """Every input record with its results, in input order (one pass over the results).

    With ``--results problems`` only the records with a problem (their other results beside it),
    with ``--results none`` none; with ``every``, all of them whatever ``--results`` says."""
    positions: dict[tuple[str, int], int] = {}
    for info in report.inputs:
        for key in _keys(list(info.columns)):
            positions.setdefault(key, len(positions))
    width = len(positions)
    per_entity: dict[str, int] = {}
    for ind in report.packset.indicators:
        if ind.spec.kind != "aggregate":
            per_entity[ind.spec.entity] = per_entity.get(ind.spec.entity, 0) + 1
    results = report.iter_results()
    for info in report.inputs:
        table = report.raw_table(info, _reread_encoding(info))
        where = [positions[key] for key in _keys(table.header)]
        wanted = per_entity.get(info.entity, 0)
        for line, raw, _problems in table.rows:
            cells = [""] * width
            for index, cell in zip(where, raw, strict=False):
                cells[index] = clean(cell)
            mine: dict[str, Result] = {}
            while len(mine) < wanted:
                r = next(results, None)
                if r is None or clean(r.source) != clean(info.source) or r.line != line:  # spooled: cleaned
                    raise UsageError("the file changed while the report was written; run the check again", info.path)
                mine[r.indicator] = r
            row = Row(info, line, cells, mine)
            if every or listed(report, row):  # --results problems|none: records without a problem left out
                yield row
