"""Reading records from CSV, spreadsheets (.xlsx, .xlsm, .xls, .ods), YAML and JSON files.

One reader model for every format: a file becomes grids (``grid``: a CSV file, or each sheet of
a workbook, as text cells with merged ranges and hidden rows); ``layout`` finds the table in a
grid (header rows, units row, totals and footers) and the entity it fits; ``binding`` maps its
headers to the entity's fields and turns cells into values. Records are yielded one at a time,
so a large CSV is never held in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from lifeservices_cli.errors import UsageError
from lifeservices_cli.i18n import Lang, t
from lifeservices_cli.packs.compiler import Entity
from lifeservices_cli.packs.packset import PackSet
from lifeservices_cli.sources import layout as _layout
from lifeservices_cli.sources.binding import Binding, Options, _winner, bind, bind_table, choose_entity
from lifeservices_cli.sources.delimited import detect_encoding, read_csv_grid
from lifeservices_cli.sources.grid import Grid
from lifeservices_cli.sources.model import SHEET_MARK, InputInfo, Record, RowProblem, Rows, Table
from lifeservices_cli.sources.structured import read_structured, table_from_items
from lifeservices_cli.sources.workbook import SUFFIXES as WORKBOOK_SUFFIXES
from lifeservices_cli.sources.workbook import Workbook, cell_text

CSV_SUFFIXES = (".csv", ".tsv", ".txt")
STRUCTURED_SUFFIXES = (".yaml", ".yml", ".json")
SUPPORTED = CSV_SUFFIXES + WORKBOOK_SUFFIXES + STRUCTURED_SUFFIXES
#: Sheets that total other sheets: never checked as records unless named with --sheet.
SUMMARY_SHEETS = ("汇总", "合计", "总表", "summary")


def _check_path(path: Path) -> None:
    if path.is_dir():
        raise UsageError("is a folder, not a data file", path)
    if not path.exists():
        raise UsageError("no such file", path)
    if not path.is_file():  # a device or a FIFO (perhaps through a symlink): never ends, or blocks
        raise UsageError("not a regular file", path)
    if path.suffix.lower() not in SUPPORTED:
        raise UsageError(
            f"unsupported file type {path.suffix or '(none)'!r}; use .csv, .tsv, .xlsx, .xlsm, .xls, .ods, .yaml, .yml "
            "or .json",
            path,
        )


def open_bindings(
    path_text: str | Path,
    packset: PackSet,
    *,
    entity: str | None = None,
    encoding: str | None = None,
    lang: Lang = "zh",
    options: Options | None = None,
) -> list[Binding]:
    """Open one data file and bind each of its tables (one per checked sheet of a workbook)."""
    options = options or Options(entity=entity, encoding=encoding)
    if entity is not None:
        options.entity = entity
    if encoding is not None:
        options.encoding = encoding
    path = Path(path_text)
    _check_path(path)
    if options.entity is not None and options.entity not in packset.entities:
        raise UsageError(f"unknown entity {options.entity!r}; known: {', '.join(packset.entities)}", path)
    suffix = path.suffix.lower()
    try:
        if suffix in STRUCTURED_SUFFIXES:
            table = read_structured(path, options.encoding)
            return [bind_table(table, path, packset, entity=options.entity, lang=lang, options=options)]
        if suffix in CSV_SUFFIXES:
            return [_bind_grid(read_csv_grid(path, options.encoding), path, packset, options, lang)]
        return _bind_workbook(path, packset, options, lang)
    except OSError as exc:
        raise UsageError(f"cannot read: {exc.strerror or exc}", path) from None


def _bind_workbook(path: Path, packset: PackSet, options: Options, lang: Lang) -> list[Binding]:
    book = Workbook(path)
    chosen = options.sheets
    if chosen:
        missing = [s for s in chosen if s not in book.sheets]
        if missing:
            raise UsageError(f"no sheet {missing[0]!r}; the sheets are: {', '.join(book.sheets)}", path)
    bindings: list[Binding] = []
    skipped: list[dict[str, str]] = []
    for name in chosen or book.sheets:
        if not chosen and any(word in name.lower() for word in SUMMARY_SHEETS):
            skipped.append({"sheet": name, "reason": t("sheet.summary", lang)})
            continue
        try:
            binding = _bind_grid(book.grid(name), path, packset, options, lang)
        except UsageError as exc:
            if chosen:
                raise
            skipped.append({"sheet": name, "reason": exc.message})
            continue
        if name in book.hidden_sheets:
            binding.info.warnings.append(t("warn.hidden_sheet", lang, path=binding.info.source))
        bindings.append(binding)
    if not bindings:
        why = "; ".join(f"{s['sheet']}: {s['reason']}" for s in skipped)
        raise UsageError(f"no sheet holds a table of records ({why})", path)
    first = bindings[0].info
    first.skipped_sheets = skipped
    for s in skipped:
        first.warnings.append(t("warn.skipped_sheet", lang, path=str(path), sheet=s["sheet"], reason=s["reason"]))
    return bindings


def _bind_grid(grid: Grid, path: Path, packset: PackSet, options: Options, lang: Lang) -> Binding:
    entities = packset.entities
    found = _layout.Layout(grid, entities, path, asked=options.entity, header_rows=options.header_rows)
    # the entity whose fields the header covers best (the one asked for: its score is all there is)
    ent = entities[_winner(found.scores, found.header.shown, packset, path, found.where)]
    table = _table(found, grid, ent, path, packset, options)
    sample = [cells for _, cells in found.look[found.body :]]
    return bind_table(table, path, packset, lang=lang, options=options, chosen=ent, sample=sample)


def _table(found: _layout.Layout, grid: Grid, ent: Entity, path: Path, packset: PackSet, options: Options) -> Table:
    header = found.header
    labels = tuple(
        c
        for c, names in enumerate(header.names)
        if (names and _layout.is_serial(names[-1])) or _layout.match(names, ent)[0] in ("id", "name", "district")
    )
    # a CSV whose header is one row: the columnar path reads its lines after the header and units rows itself
    plain = grid.csv and found.header_first == found.header_last
    table = Table(
        list(header.shown),
        iter(()),
        grid.encoding,
        header_line=found.header_last,
        delimiter=grid.delimiter,
        sheet=grid.sheet,
        names=header.names,
        units=found.units,
        plain=plain,
        skip_lines=max(found.header_last, found.units_line or 0, found.codes_line or 0),
        label_columns=labels,
    )
    table.layout = found.describe()
    table.skipped = list(found.skipped)
    outside: list[tuple[int, list[str]]] = []

    def rows() -> Rows:
        yield from found.rows(labels, outside, table)
        if outside:
            table.layout["outside_cells"] = outside

    table.rows = rows()
    if grid.again is not None:
        again_grid = grid.again

        def again() -> Rows:
            copy = Grid(
                again_grid(), grid.encoding, grid.sheet, grid.delimiter, grid.merges, [], [], grid.csv, again_grid
            )
            second = _layout.Layout(
                copy, {ent.name: ent}, path, asked=ent.name, header_rows=(found.header_first, found.header_last)
            )
            scratch = Table(list(header.shown), iter(()), grid.encoding)
            return second.rows(labels, [], scratch)

        table.again = again
    return table


def open_binding(
    path_text: str | Path,
    packset: PackSet,
    *,
    entity: str | None = None,
    encoding: str | None = None,
    lang: Lang = "zh",
    options: Options | None = None,
) -> Binding:
    """Open one data file and bind its columns (the first checked sheet of a workbook)."""
    return open_bindings(path_text, packset, entity=entity, encoding=encoding, lang=lang, options=options)[0]


def open_input(
    path_text: str, packset: PackSet, *, entity: str | None = None, encoding: str | None = None, lang: Lang = "zh"
) -> tuple[InputInfo, Iterator[Record]]:
    """Open one data file: its description and an iterator over its records."""
    binding = open_binding(path_text, packset, entity=entity, encoding=encoding, lang=lang)
    return binding.info, binding.records()


def open_table(
    table: Table, path: Path, packset: PackSet, *, entity: str | None = None, lang: Lang = "zh"
) -> tuple[InputInfo, Iterator[Record]]:
    """Bind a table's columns to an entity's fields: its description and an iterator over its records."""
    binding = bind_table(table, path, packset, entity=entity, lang=lang)
    return binding.info, binding.records()


def reread(info: InputInfo, packset: PackSet, encoding: str | None = None) -> Table:
    """An input's table read again exactly as it was (same sheet, header rows and entity)."""
    rows = info.layout.get("header_rows") if info.layout else None
    options = Options(
        entity=info.entity,
        encoding=encoding,
        sheets=[info.sheet] if info.sheet is not None else None,
        header_rows=(rows[0], rows[1]) if rows else None,
    )
    bindings = open_bindings(info.path, packset, options=options)
    return bindings[0].table


__all__ = [
    "SHEET_MARK",
    "Binding",
    "Grid",
    "InputInfo",
    "Options",
    "Record",
    "RowProblem",
    "Table",
    "bind",
    "bind_table",
    "cell_text",
    "choose_entity",
    "detect_encoding",
    "open_binding",
    "open_bindings",
    "open_input",
    "open_table",
    "read_structured",
    "reread",
    "table_from_items",
]
