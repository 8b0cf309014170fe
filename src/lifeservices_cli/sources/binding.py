"""Binding a table to an entity: headers to fields (aliases, units), cells to values, and the
checks that need the whole table — 小计/合计 against the rows they total, check-mark columns,
district names."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from lifeservices_cli.errors import UsageError
from lifeservices_cli.i18n import Lang, t
from lifeservices_cli.packs.compiler import Entity
from lifeservices_cli.packs.packset import PackSet
from lifeservices_cli.semantics import units
from lifeservices_cli.semantics.cells import Converter, make_converter, normalize
from lifeservices_cli.semantics.values import Value, missing
from lifeservices_cli.sources import layout as lay
from lifeservices_cli.sources.model import InputInfo, Record, RowProblem, Table

CHECK_MARKS = frozenset({"√", "✓", "✔", "☑", "✅"})
#: Units whose values do not add up in a 合计 row.
NOT_ADDITIVE = frozenset({"年", "天", "类", "%"})


def _distinctive(header: list[str], packset: PackSet) -> dict[str, list[str]]:
    """For each entity, the headers that name one of its fields and no other entity's."""
    names = [[h] for h in header]
    matches = {
        name: {h for h, n in zip(header, names, strict=True) if lay.match(n, ent)[0]}
        for name, ent in packset.entities.items()
    }
    return {
        name: [h for h in header if h in hs and not any(h in other for o, other in matches.items() if o != name)]
        for name, hs in matches.items()
    }


def choose_entity(header: list[str], packset: PackSet, path: Path, asked: str | None) -> Entity:
    """The entity whose fields the header covers best (``序号`` counts for none); a tie stops."""
    if asked is not None:
        if asked not in packset.entities:
            raise UsageError(f"unknown entity {asked!r}; known: {', '.join(packset.entities)}", path)
        return packset.entities[asked]
    head = lay.Header(0, 1, [[h] for h in header], list(header), [False] * len(header), False)
    scores = {name: lay.score(head, ent) for name, ent in packset.entities.items()}
    return packset.entities[_winner(scores, header, packset, path)]


def _winner(scores: dict[str, int], header: list[str], packset: PackSet, path: Path, where: str = "") -> str:
    top = max(scores.values(), default=0)
    tied = [name for name, s in scores.items() if s == top and top > 0]
    if len(tied) > 1:  # the same number of fields: the one with more fields no other entity has
        distinct = _distinctive(header, packset)
        most = max(len(distinct[n]) for n in tied)
        tied = [n for n in tied if len(distinct[n]) == most]
    if len(tied) == 1:
        return tied[0]
    expected = "; ".join(
        f"{name}: {', '.join(f.title.zh for f in ent.spec.fields.values())}" for name, ent in packset.entities.items()
    )
    why = "the columns fit no entity" if not tied else f"the columns fit several entities ({', '.join(tied)})"
    raise UsageError(f"{where}{why}; use --entity. Columns each entity expects — {expected}", path)


@dataclass
class Column:
    """One bound column."""

    index: int
    field: str
    convert: Converter
    unit: str | None  # the unit its values are written in (None: the field's own)
    additive: bool
    factor: Fraction = Fraction(1)  # one of ``unit`` in the field's unit


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
    columns: list[Column] = field(default_factory=list)
    districts: dict[str, str] = field(default_factory=dict)
    unknown_districts: dict[str, int] = field(default_factory=dict)
    _sums: dict[str, Any] = field(default_factory=dict)
    _totals_seen: int = 0

    @property
    def source(self) -> str:
        return self.info.source

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
        if self._sums:
            self._add_to_sums(values)
        return Record(self.info.source, line, values, problems)

    # ------------------------------------------------------------------ totals

    def _start_sums(self) -> None:
        additive = [c for c in self.columns if c.additive]
        if additive:
            self._sums = {  # per field: [whole numbers, the rest]
                "group": {c.field: [0, Fraction(0)] for c in additive},
                "all": {c.field: [0, Fraction(0)] for c in additive},
                "group_gaps": {c.field: 0 for c in additive},
                "all_gaps": {c.field: 0 for c in additive},
                "group_rows": 0,
                "all_rows": 0,
            }

    def _add_to_sums(self, values: dict[str, Value]) -> None:
        self._settle_totals()
        sums = self._sums
        sums["group_rows"] += 1
        sums["all_rows"] += 1
        group, whole, gaps = sums["group"], sums["all"], sums["group_gaps"]
        for fname in group:
            value = values.get(fname)
            if isinstance(value, Fraction):
                # whole numbers (most cells) as ints: Fraction additions cost more than the rest of the row
                if value.denominator == 1:
                    group[fname][0] += value.numerator
                    whole[fname][0] += value.numerator
                else:
                    group[fname][1] += value
                    whole[fname][1] += value
            else:
                gaps[fname] += 1
                sums["all_gaps"][fname] += 1

    def _settle_totals(self) -> None:
        """Check the 小计/合计 rows read since the last record against the rows they total."""
        totals = self.table.totals
        while self._totals_seen < len(totals):
            entry = totals[self._totals_seen]
            self._totals_seen += 1
            raw = entry.pop("raw", [])
            entry["cells"] = {
                self.table.header[c]: text.strip()
                for c, text in enumerate(raw)
                if c < len(self.table.header) and text.strip()
            }
            entry["checks"] = []
            if not self._sums:
                continue
            scope = "group" if entry["kind"] == "subtotal" else "all"
            for column in self.columns:
                if not column.additive or column.index >= len(raw) or not raw[column.index].strip():
                    continue
                stated = column.convert(raw[column.index], entry["line"])
                if not isinstance(stated, Fraction):
                    continue
                computed = self._sums[scope][column.field][1] + self._sums[scope][column.field][0]
                gaps = self._sums[f"{scope}_gaps"][column.field]
                header = self.table.header[column.index]
                check: dict[str, Any] = {
                    "column": header,
                    "stated": _plain(stated, column),
                    "computed": _plain(computed, column),
                    "rows": self._sums[f"{scope}_rows"],
                }
                if gaps:
                    check["ok"] = None
                    check["rows_without_value"] = gaps
                else:
                    check["ok"] = _agrees(stated, computed, raw[column.index], column)
                    if not check["ok"]:
                        self.info.warnings.append(
                            t(
                                "warn.total_mismatch",
                                self.lang,
                                path=self.info.source,
                                line=entry["line"],
                                label=entry["label"],
                                column=header,
                                stated=check["stated"],
                                computed=check["computed"],
                                rows=check["rows"],
                            )
                        )
                entry["checks"].append(check)
            if scope == "group":
                for fname in self._sums["group"]:
                    self._sums["group"][fname] = [0, Fraction(0)]
                    self._sums["group_gaps"][fname] = 0
                self._sums["group_rows"] = 0

    # ------------------------------------------------------------------ reading

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
        """Add the end-of-input facts: totals, skipped rows, duplicate ids, districts, no records."""
        self._settle_totals()
        info, lang = self.info, self.lang
        info.skipped = self.table.skipped
        info.totals = self.table.totals
        for rid, lines in duplicates.items():
            info.warnings.append(
                t("warn.duplicate_id", lang, path=info.source, id=rid, lines=", ".join(map(str, lines)))
            )
        if self.table.skipped:
            reasons: dict[str, list[int]] = {}
            for row in self.table.skipped:
                if row["reason"] in ("footer", "below_footer", "header_repeated"):
                    reasons.setdefault(row["reason"], []).append(row["line"])
            for reason, lines in reasons.items():
                info.warnings.append(
                    t(f"warn.skipped_{reason}", lang, path=info.source, lines=_lines(lines), count=len(lines))
                )
        if self.table.totals:
            info.warnings.append(
                t(
                    "warn.totals",
                    lang,
                    path=info.source,
                    count=len(self.table.totals),
                    lines=_lines([x["line"] for x in self.table.totals]),
                )
            )
        outside = self.table.layout.get("outside_cells")
        if outside:
            cells = "; ".join(f"{line}: {', '.join(refs)}" for line, refs in outside[:10])
            more = len(outside) - 10
            info.warnings.append(
                t("warn.outside", lang, path=info.source, cells=cells + (f" (+{more})" if more > 0 else ""))
            )
        if not self.table.layout.get("district_names", True):
            del self.table.layout["district_names"]
        if self.unknown_districts:
            names = "、".join(sorted(self.unknown_districts))
            info.warnings.append(t("warn.unknown_districts", lang, path=info.source, names=names))
        if info.records == 0:
            info.warnings.append(t("warn.no_records", lang, path=info.source))


def _lines(lines: list[int]) -> str:
    shown = ", ".join(map(str, lines[:12]))
    return shown + (f" … (+{len(lines) - 12})" if len(lines) > 12 else "")


def _plain(value: Fraction, column: Column) -> str:
    """A value in the unit its column is written in, as plain decimal text."""
    from lifeservices_cli.semantics.numbers import display

    return display(value / column.factor, 6)


def _agrees(stated: Fraction, computed: Fraction, raw: str, column: Column) -> bool:
    """Whether a stated total is the sum, to the decimals it is written with (half a unit of
    its last digit): ``1000.8`` states ``1000.75``; ``1000`` does not state ``1000.75``."""
    if stated == computed:
        return True
    text = normalize(raw)
    digits = 0
    if "." in text:
        digits = len(text.split(".", 1)[1]) - len(text.split(".", 1)[1].lstrip("0123456789"))
    step = Fraction(1, 10**digits) * column.factor
    return abs(stated - computed) * 2 <= step


# --------------------------------------------------------------------------- districts


def district_key(text: str, districts: dict[str, str]) -> str:
    """The spelling key of a district name: width, spaces and the city's name in front ignored."""
    key = "".join(normalize(text).split())
    if key in districts:
        return key
    for prefix in districts.get("\0cities", "").split("\0"):
        if prefix and key.startswith(prefix) and key[len(prefix) :] in districts:
            return key[len(prefix) :]
    return key


# --------------------------------------------------------------------------- binding


@dataclass
class Options:
    """How to read inputs beyond their own content: the CLI's --entity, --encoding, --sheet,
    --header-rows and --unit."""

    entity: str | None = None
    encoding: str | None = None
    sheets: list[str] | None = None
    header_rows: tuple[int, int] | None = None
    units: dict[str, str] = field(default_factory=dict)  # field -> unit its unitless column is in


def bind(
    table: Table,
    entity: Entity,
    path: Path,
    lang: Lang,
    options: Options | None = None,
    sample: list[list[str]] | None = None,
) -> tuple[list[tuple[int, str, Converter]], InputInfo, list[Column]]:
    """Map each header to a field and build its cell converter."""
    options = options or Options()
    info = InputInfo(str(path), entity.name, table.encoding, sheet=table.sheet)
    info.layout = table.layout
    if table.layout.get("uncalculated"):
        cells = table.layout["uncalculated"]
        shown = ", ".join(cells[:12]) + (f" … (+{len(cells) - 12})" if len(cells) > 12 else "")
        info.warnings.append(t("warn.uncalculated", lang, path=info.source, cells=shown))
    hidden = table.layout.get("hidden")
    if hidden:
        rows = _lines(hidden["rows"]) if hidden["rows"] else "—"
        info.warnings.append(
            t("warn.hidden", lang, path=info.source, rows=rows, columns=", ".join(hidden["columns"]) or "—")
        )
    seen: dict[str, str] = {}
    for header in table.header:
        key = normalize(header)
        if key and key in seen:
            raise UsageError(
                f"{_where(table)}duplicate column {header!r} (also {seen[key]!r})", path, table.header_line
            )
        seen[key] = header
    bound: list[tuple[int, str, Converter]] = []
    columns: list[Column] = []
    by_field: dict[str, str] = {}
    unused: list[str] = []
    assumed: list[str] = []  # number columns whose unit the data never states
    table_units = list(table.layout.get("table_units", ()))
    column_units: dict[str, dict[str, str]] = {}
    for index, header in enumerate(table.header):
        names = table.names[index] if table.names is not None else [header]
        if names and lay.is_serial(names[-1]):
            info.columns[header] = None
            table.layout.setdefault("serial_column", header)
            continue
        fname, unit_text = lay.match(names, entity)
        info.columns[header] = fname
        if fname is None:
            if header.strip():
                unused.append(header)
            continue
        if fname in by_field:
            both = f"columns {by_field[fname]!r} and {header!r} both give field {fname!r}"
            raise UsageError(f"{_where(table)}{both}", path, table.header_line)
        by_field[fname] = header
        spec = entity.spec.fields[fname]
        stated = unit_text
        how = "header"
        if stated is None and table.units is not None and index < len(table.units) and table.units[index]:
            stated, how = table.units[index], "units_row"
        if stated is None and fname in options.units:
            stated, how = options.units[fname], "option"
        if stated is None and spec.type == "number" and spec.unit is not None:
            stated = next((u for u in table_units if units.conversion(u, spec.unit) is not None), None)
            how = "table_unit"
        header_unit = None
        if stated is not None and spec.type == "number" and spec.unit is not None:
            if units.conversion(stated, spec.unit) is None:
                known = units.lookup(stated)
                what = f"unit {stated!r} does not convert to {spec.unit}" if known else f"unknown unit {stated!r}"
                raise UsageError(f"{_where(table)}column {header!r}: {what}", path, table.header_line)
            header_unit = stated
            column_units[header] = {"unit": stated, "from": how}
        elif spec.type == "number" and spec.unit is not None and units.alternatives(spec.unit):
            hint = _assumed(header, fname, spec, index, sample or [], lang)
            assumed.append(t("warn.unit_assumed", lang, path=info.source, column=header, unit=spec.unit, hint=hint))
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
        factor = (units.conversion(header_unit, spec.unit) if header_unit and spec.unit else None) or Fraction(1)
        additive = (
            spec.type == "number"
            and spec.unit is not None
            and "/" not in spec.unit
            and spec.unit not in NOT_ADDITIVE
            and fname != "id"
        )
        bound.append((index, fname, conv))
        columns.append(Column(index, fname, conv, header_unit, additive, factor))
    if column_units:
        table.layout["units"] = column_units
    if unused:
        info.warnings.append(
            t("warn.unknown_columns", lang, path=info.source, entity=entity.name, columns=", ".join(unused))
        )
    info.warnings.extend(assumed)
    return bound, info, columns


def _where(table: Table) -> str:
    return f"sheet {table.sheet!r}: " if table.sheet is not None else ""


def _assumed(header: str, fname: str, spec: Any, index: int, sample: list[list[str]], lang: Lang) -> str:
    """A hint for a number column whose unit the data never states: the unit its values suggest."""
    numbers: list[Fraction] = []
    probe = make_converter("number", column=header, field=fname, lang=lang)
    for cells in sample:
        if index < len(cells):
            value = probe(cells[index], 0)
            if isinstance(value, Fraction):
                numbers.append(value)
    unit = spec.unit
    hint = ""
    dim = units.lookup(unit)
    if dim is not None and dim.dimension == "money" and numbers and unit == "元":
        middle = statistics.median(numbers)
        if abs(middle) < 1000:  # community facilities of a few hundred yuan: surely 万元
            likely = spec.entry_unit or "万元"
            hint = t("warn.unit_hint", lang, median=f"{float(middle):g}", likely=likely, header=header, field=fname)
    return hint


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
        info.warnings.append(t("warn.default_absent", lang, path=info.source, field=spec.title.get(lang), value=shown))
    return values


def _check_marks(binding: Binding, columns: list[Column], sample: list[list[str]]) -> None:
    """A yes/no column whose filled cells are all check marks reads a blank as 否 (with a warning)."""
    table = binding.table
    booleans = [c for c in columns if binding.entity.spec.fields[c.field].type == "boolean"]
    likely = [c for c in booleans if any(c.index < len(r) and normalize(r[c.index]) in CHECK_MARKS for r in sample)]
    if not likely or table.again is None:
        return
    marks = {c.index: True for c in likely}
    blanks = {c.index: 0 for c in likely}
    for _line, cells, _ in table.again():
        for index in list(marks):
            text = normalize(cells[index]) if index < len(cells) else ""
            if not text:
                blanks[index] += 1
            elif text not in CHECK_MARKS:
                del marks[index]
        if not marks:
            return
    for column in likely:
        if column.index not in marks or not blanks[column.index]:
            continue
        inner = column.convert

        def convert(raw: str, line: int, inner: Converter = inner) -> Value:
            return False if not raw.strip() else inner(raw, line)

        column.convert = convert
        binding.bound = [(i, f, convert if i == column.index else c) for i, f, c in binding.bound]
        header = table.header[column.index]
        binding.info.warnings.append(
            t("warn.check_marks", binding.lang, path=binding.info.source, column=header, count=blanks[column.index])
        )
        table.layout.setdefault("check_mark_columns", []).append(header)


def bind_table(
    table: Table,
    path: Path,
    packset: PackSet,
    *,
    entity: str | None = None,
    lang: Lang = "zh",
    options: Options | None = None,
    chosen: Entity | None = None,
    sample: list[list[str]] | None = None,
) -> Binding:
    """Bind a table's columns to an entity's fields."""
    if chosen is None:
        chosen = choose_entity(table.header, packset, path, entity or table.entity_hint)
    bound, info, columns = bind(table, chosen, path, lang, options, sample)
    absent = _absent_values(chosen, bound, info, lang)
    districts = districts_of(packset)
    binding = Binding(table, path, chosen, info, bound, absent, lang, columns, districts)
    if districts:
        _canonical_districts(binding)
    _check_marks(binding, columns, sample or [])
    binding._start_sums()
    return binding


def _canonical_districts(binding: Binding) -> None:
    """The district column reads 白城市洮北区, 洮北 and 洮北区 as 洮北区; other names are kept, and noted."""
    unknown = binding.unknown_districts
    districts = binding.districts
    renamed: dict[str, str] = {}
    binding.table.layout["district_names"] = renamed  # spellings read as the pack's names

    for column in binding.columns:
        if column.field != "district":
            continue
        inner = column.convert

        seen: dict[str, str | None] = {}  # a file names few districts: look each spelling up once

        def convert(raw: str, line: int, inner: Converter = inner, seen: dict[str, str | None] = seen) -> Value:
            value = inner(raw, line)
            if not isinstance(value, str):
                return value
            if value in seen:
                found = seen[value]
            else:
                found = districts.get(district_key(value, districts))
                if len(seen) < 10_000:
                    seen[value] = found
            if found is None:
                unknown[value] = unknown.get(value, 0) + 1
                return value
            if found != value:
                renamed[value] = found
            return found

        column.convert = convert
        binding.bound = [(i, f, convert if i == column.index else c) for i, f, c in binding.bound]


def districts_of(packset: PackSet) -> dict[str, str]:
    """Every spelling key of the packs' districts → the district's name (``"\\0cities"``: city names)."""
    found: dict[str, str] = {}
    cities: list[str] = []
    for pack, _ in packset.packs:
        where = getattr(pack, "jurisdiction", None)
        if where is None:
            continue
        cities.extend("".join(normalize(n).split()) for n in [where.name, *where.spellings] if n)
        for district in where.districts:
            for spelling in (district.name, *district.spellings):
                found["".join(normalize(spelling).split())] = district.name
    if found:
        found["\0cities"] = "\0".join(sorted(set(cities), key=len, reverse=True))
    return found
