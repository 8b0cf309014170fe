"""Reading records from CSV, YAML and JSON files.

A reader turns a file into a header and rows of raw text cells, each with its line; binding
then maps headers to an entity's fields (aliases, units) and turns cells into values. Records
are yielded one at a time, so a large CSV is never held in memory.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from lifeservices_cli import units, yamlio
from lifeservices_cli.cells import Converter, make_converter, match_header, normalize, python_value_to_cell
from lifeservices_cli.errors import UsageError
from lifeservices_cli.i18n import Lang, t
from lifeservices_cli.packs import Entity, PackSet
from lifeservices_cli.spreadsheet import read_xlsx
from lifeservices_cli.values import Value, missing

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

CHUNK = 1 << 20
SAMPLE = CHUNK  # what encoding detection weighs once a file turns out not to be pure UTF-8


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
    """What the report says about one input file."""

    path: str
    entity: str
    encoding: str
    records: int = 0
    columns: dict[str, str | None] = field(default_factory=dict)  # header -> field (None: unused)
    warnings: list[str] = field(default_factory=list)


#: A row problem found while reading: a code (``not_mapping``, ``nested``) and the column index, if any.
RowProblem = tuple[str, int | None]


@dataclass
class Table:
    header: list[str]
    rows: Iterator[tuple[int, list[str], tuple[RowProblem, ...]]]  # (line, cells, problems)
    encoding: str
    entity_hint: str | None = None
    header_line: int = 1
    delimiter: str = ","


# --------------------------------------------------------------------------- readers


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK).

    A file that is UTF-8 but for a few stray bytes stays UTF-8, so only the cells holding them
    are invalid (with their line), instead of every Chinese header being garbled as GB18030.
    """
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            fh.seek(0)
            return "utf-8" if _mostly_utf8(fh.read(SAMPLE)) else "gb18030"
    return "utf-8"


def _mostly_utf8(data: bytes) -> bool:
    """Whether text that is not valid UTF-8 is still mostly UTF-8: its multi-byte characters
    far outnumber its invalid bytes. (GB18030 Chinese is invalid nearly byte for byte.)"""
    good = data.decode("utf-8", "ignore")  # the well-formed characters only
    size = len(good.encode("utf-8"))
    bad = len(data) - size  # the bytes that were dropped
    return size - len(good) > 4 * bad  # 1-3 bytes past the first of each multi-byte character


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(path: Path, encoding: str | None) -> Table:
    enc = encoding or detect_encoding(path)
    try:
        codecs.lookup(enc)
    except LookupError:
        raise UsageError(f"unknown encoding {enc!r}", path) from None
    fh = path.open("r", encoding=enc, errors="surrogateescape", newline="")
    try:
        first = ""
        while not first.strip():
            first = fh.readline()
            if not first:
                break
        fh.seek(0)
    except UnicodeError as exc:  # only a BOM-less UTF-16 file or an unusual --encoding gets here
        fh.close()
        raise UsageError(f"cannot decode the file as {enc}: {exc.reason}", path) from None
    delimiter = _sniff_delimiter(first)
    reader = csv.reader(fh, delimiter=delimiter)
    header: list[str] | None = None
    header_line = 0
    previous = 0
    for row in reader:
        start, previous = previous + 1, reader.line_num
        if any(cell.strip() for cell in row):
            header, header_line = row, start
            break
    if header is None:
        fh.close()
        raise UsageError("the file is empty: no header row", path)

    def rows() -> Iterator[tuple[int, list[str], tuple[RowProblem, ...]]]:
        nonlocal previous
        with fh:
            for row in reader:
                start, previous = previous + 1, reader.line_num
                if row and any(cell.strip() for cell in row):
                    yield start, row, ()

    return Table(header, rows(), enc, header_line=header_line, delimiter=delimiter)


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]|[^\s\[\]{},:"]+')


def _json_item_lines(text: str, depth: int) -> list[int]:
    """The 1-based line where each element of the array at ``depth`` (1: top level) starts."""
    lines: list[int] = []
    stack: list[str] = []
    expect_item = False
    for m in _JSON_TOKEN.finditer(text):
        token = m.group()
        if expect_item and token not in ("]", ","):
            lines.append(text.count("\n", 0, m.start()) + 1)
            expect_item = False
        if token in ("[", "{"):
            stack.append(token)
            expect_item = token == "[" and len(stack) == depth
        elif token in ("]", "}"):
            stack.pop()
        elif token == "," and len(stack) == depth and stack[-1] == "[":
            expect_item = True
    return lines


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(f"duplicate key {key!r}")
        data[key] = value
    return data


def _load_json(text: str, path: Path) -> tuple[Any, list[int]]:
    try:
        data = json.loads(text, parse_float=str, parse_int=str, parse_constant=str, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise UsageError(f"invalid JSON: {exc.msg}", path, exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"invalid JSON: {exc}", path) from None
    return data, _json_item_lines(text, 2 if isinstance(data, dict) else 1)


def _load_yaml(text: str, path: Path) -> tuple[Any, list[int]]:
    try:
        data, node = yamlio.load(text, plain_text=True)
    except yamlio.YamlError as exc:
        raise UsageError(exc.message, path, exc.line) from None
    seq = node
    if isinstance(node, yaml.MappingNode):
        seq = next((v for k, v in node.value if k.value == "records"), None)
    lines = [item.start_mark.line + 1 for item in seq.value] if isinstance(seq, yaml.SequenceNode) else []
    return data, lines


def read_structured(path: Path, encoding: str | None) -> Table:
    """YAML or JSON: a list of records, or a mapping with ``entity`` and ``records``."""
    try:
        text = path.read_text(encoding=encoding or "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"not valid {encoding or 'UTF-8'} text (byte {exc.start})", path) from None
    data, lines = (_load_json if path.suffix.lower() == ".json" else _load_yaml)(text, path)
    hint = None
    if isinstance(data, dict):
        unknown = set(data) - {"entity", "records"}
        if unknown or "records" not in data:
            raise UsageError("expected a list of records, or a mapping with 'entity' and 'records'", path, 1)
        hint = data.get("entity")
        if hint is not None and not isinstance(hint, str):
            raise UsageError("'entity' must be a name", path, 1)
        data = data["records"]
    if data is None or data == "":
        data = []
    if not isinstance(data, list):
        raise UsageError("expected a list of records", path, 1)
    return table_from_items(data, lines, encoding or "utf-8", hint)


def table_from_items(data: list[Any], lines: list[int], encoding: str = "utf-8", hint: str | None = None) -> Table:
    """A table from a list of mappings (read from YAML/JSON, or built in Python)."""
    header: list[str] = []
    seen: set[str] = set()
    for item in data:
        if isinstance(item, dict):
            for key in item:
                if str(key) not in seen:
                    seen.add(str(key))
                    header.append(str(key))

    def rows() -> Iterator[tuple[int, list[str], tuple[RowProblem, ...]]]:
        for index, item in enumerate(data):
            line = lines[index] if index < len(lines) else 0
            if not isinstance(item, dict):
                yield line, [""] * len(header), (("not_mapping", None),)
                continue
            cells: list[str] = []
            problems: list[RowProblem] = []
            for column, key in enumerate(header):
                cell = python_value_to_cell(item.get(key)) if key in item else ""
                if cell is None:
                    problems.append(("nested", column))
                    cell = ""
                cells.append(cell)
            yield line, cells, tuple(problems)

    return Table(header, rows(), encoding, hint)


READERS: dict[str, Callable[[Path, str | None], Table]] = {
    ".csv": read_csv,
    ".tsv": read_csv,
    ".txt": read_csv,
    ".yaml": read_structured,
    ".yml": read_structured,
    ".json": read_structured,
    ".xlsx": read_xlsx,
}


def raw_rows(path: str | Path, encoding: str | None = None) -> Table:
    """The input as it was read: header and raw cells per line (for outputs that repeat the record)."""
    path = Path(path)
    return READERS[path.suffix.lower()](path, encoding)


# --------------------------------------------------------------------------- binding


def _distinctive(header: list[str], packset: PackSet) -> dict[str, list[str]]:
    """For each entity, the headers that name one of its fields and no other entity's."""
    matches = {name: {h for h in header if match_header(h, ent.aliases)[0]} for name, ent in packset.entities.items()}
    return {
        name: [h for h in header if h in hs and not any(h in other for o, other in matches.items() if o != name)]
        for name, hs in matches.items()
    }


def choose_entity(header: list[str], packset: PackSet, path: Path, asked: str | None) -> Entity:
    if asked is not None:
        if asked not in packset.entities:
            raise UsageError(f"unknown entity {asked!r}; known: {', '.join(packset.entities)}", path)
        return packset.entities[asked]
    fits = [name for name, hs in _distinctive(header, packset).items() if hs]
    if len(fits) == 1:
        return packset.entities[fits[0]]
    expected = "; ".join(
        f"{name}: {', '.join(f.title.zh for f in ent.spec.fields.values())}" for name, ent in packset.entities.items()
    )
    why = "the columns fit no entity" if not fits else f"the columns fit several entities ({', '.join(fits)})"
    raise UsageError(f"{why}; use --entity. Columns each entity expects — {expected}", path)


def bind(table: Table, entity: Entity, path: Path, lang: Lang) -> tuple[list[tuple[int, str, Converter]], InputInfo]:
    """Map each header to a field and build its cell converter."""
    info = InputInfo(str(path), entity.name, table.encoding)
    seen: dict[str, str] = {}
    for header in table.header:
        key = normalize(header)
        if key and key in seen:
            raise UsageError(f"duplicate column {header!r} (also {seen[key]!r})", path, table.header_line)
        seen[key] = header
    bound: list[tuple[int, str, Converter]] = []
    by_field: dict[str, str] = {}
    unused: list[str] = []
    for index, header in enumerate(table.header):
        fname, unit_text = match_header(header, entity.aliases)
        info.columns[header] = fname
        if fname is None:
            if header.strip():
                unused.append(header)
            continue
        if fname in by_field:
            both = f"columns {by_field[fname]!r} and {header!r} both give field {fname!r}"
            raise UsageError(both, path, table.header_line)
        by_field[fname] = header
        spec = entity.spec.fields[fname]
        header_unit = None
        if unit_text is not None and spec.type == "number" and spec.unit is not None:
            if units.conversion(unit_text, spec.unit) is None:
                known = units.lookup(unit_text)
                what = f"unit {unit_text!r} does not convert to {spec.unit}" if known else f"unknown unit {unit_text!r}"
                raise UsageError(f"column {header!r}: {what}", path, table.header_line)
            header_unit = unit_text
        minimum = Fraction(str(spec.minimum)) if spec.minimum is not None else None
        conv = make_converter(
            spec.type,
            column=header,
            field=fname,
            field_unit=spec.unit,
            header_unit=header_unit,
            minimum=minimum,
            encoding=table.encoding,
            lang=lang,
        )
        bound.append((index, fname, conv))
    if unused:
        info.warnings.append(t("warn.unknown_columns", lang, path=path, entity=entity.name, columns=", ".join(unused)))
    return bound, info


def _absent_values(
    entity: Entity, bound: list[tuple[int, str, Converter]], info: InputInfo, lang: Lang
) -> dict[str, Value]:
    present = {fname for _, fname, _ in bound}
    values: dict[str, Value] = {}
    for fname, spec in entity.spec.fields.items():
        if fname in present:
            continue
        default = spec.default_when_absent
        if default is None:
            values[fname] = missing(fname)
            continue
        conv = make_converter(spec.type, column=spec.title.get(lang), field=fname, field_unit=spec.unit, lang=lang)
        values[fname] = conv(str(default).lower() if isinstance(default, bool) else str(default), 0)
        shown = (t("words.yes", lang) if default else t("words.no", lang)) if isinstance(default, bool) else default
        info.warnings.append(t("warn.default_absent", lang, path=info.path, field=spec.title.get(lang), value=shown))
    return values


def open_input(
    path_text: str, packset: PackSet, *, entity: str | None = None, encoding: str | None = None, lang: Lang = "zh"
) -> tuple[InputInfo, Iterator[Record]]:
    """Open one data file: its description and an iterator over its records."""
    binding = open_binding(path_text, packset, entity=entity, encoding=encoding, lang=lang)
    return binding.info, binding.records()


def open_binding(
    path_text: str, packset: PackSet, *, entity: str | None = None, encoding: str | None = None, lang: Lang = "zh"
) -> Binding:
    """Open one data file and bind its columns (the records are read when asked for)."""
    path = Path(path_text)
    if path.is_dir():
        raise UsageError("is a folder, not a data file", path)
    if not path.exists():
        raise UsageError("no such file", path)
    if not path.is_file():  # a device or a FIFO (perhaps through a symlink): never ends, or blocks
        raise UsageError("not a regular file", path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UsageError(
            f"unsupported file type {path.suffix or '(none)'!r}; use .csv, .tsv, .xlsx, .yaml, .yml or .json", path
        )
    try:
        table = reader(path, encoding)
    except OSError as exc:
        raise UsageError(f"cannot read: {exc.strerror or exc}", path) from None
    return bind_table(table, path, packset, entity=entity, lang=lang)


@dataclass
class Binding:
    """A table bound to an entity: builds records from raw cells and keeps the input's counts."""

    table: Table
    path: Path
    entity: Entity
    info: InputInfo
    bound: list[tuple[int, str, Converter]]
    absent: dict[str, Value]
    lang: Lang

    def build(self, line: int, cells: list[str], found: tuple[RowProblem, ...] = ()) -> Record:
        """One record from its raw cells (counted in ``info.records``)."""
        lang, width = self.lang, len(self.table.header)
        values = dict(self.absent)
        problems: tuple[str, ...] = ()
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            problems = (t("row.too_many_cells", lang, line=line, cells=len(cells), width=width),)
        for code, column in found:
            if code == "not_mapping":
                problems += (t("row.not_mapping", lang, line=line),)
            else:
                problems += (t("row.nested", lang, line=line, column=self.table.header[column or 0]),)
        for index, fname, conv in self.bound:
            values[fname] = conv(cells[index] if index < len(cells) else "", line)
        self.info.records += 1
        return Record(str(self.path), line, values, problems)

    def records(self) -> Iterator[Record]:
        ids: dict[str, list[int]] = {}
        for line, cells, found in self.table.rows:
            record = self.build(line, cells, found)
            rid = record.values.get("id")
            if isinstance(rid, str):
                ids.setdefault(rid, []).append(line)
            yield record
        self.finish({rid: lines for rid, lines in ids.items() if len(lines) > 1})

    def finish(self, duplicates: dict[str, list[int]]) -> None:
        """Add the end-of-input warnings: duplicate ids, no records."""
        for rid, lines in duplicates.items():
            self.info.warnings.append(
                t("warn.duplicate_id", self.lang, path=self.path, id=rid, lines=", ".join(map(str, lines)))
            )
        if self.info.records == 0:
            self.info.warnings.append(t("warn.no_records", self.lang, path=self.path))


def bind_table(
    table: Table, path: Path, packset: PackSet, *, entity: str | None = None, lang: Lang = "zh"
) -> Binding:
    """Bind a table's columns to an entity's fields."""
    chosen = choose_entity(table.header, packset, path, entity or table.entity_hint)
    bound, info = bind(table, chosen, path, lang)
    absent = _absent_values(chosen, bound, info, lang)
    return Binding(table, path, chosen, info, bound, absent, lang)


def open_table(
    table: Table, path: Path, packset: PackSet, *, entity: str | None = None, lang: Lang = "zh"
) -> tuple[InputInfo, Iterator[Record]]:
    """Bind a table's columns to an entity's fields: its description and an iterator over its records."""
    binding = bind_table(table, path, packset, entity=entity, lang=lang)
    return binding.info, binding.records()
