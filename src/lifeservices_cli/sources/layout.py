"""Finding the table in a grid: the header (one row or several), the units row, and the rows
that are no record — 小计/合计, footers, a repeated header.

The header is the row, or the rows, among the first ``LOOK`` whose cells best match an
entity's fields: a title, 填报单位/填报日期 and 单位：… rows above it are passed over. A group
cell merged across columns (or, in CSV, a group text followed by blanks) is joined with the
cells under it (``综合服务设施`` over ``面积（㎡）`` → ``综合服务设施面积（㎡）``); ``其中：…`` columns
are parts of the group and are matched only with it. A row of units only (``户 / ㎡ / 万元``)
under the header gives each column its unit; a row of column numbers (甲 乙 1 2 3) is passed over.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lifeservices_cli.errors import UsageError
from lifeservices_cli.packs.compiler import Entity
from lifeservices_cli.semantics import units
from lifeservices_cli.semantics.cells import match_header
from lifeservices_cli.sources.grid import Grid, cell_ref, column_name, range_ref
from lifeservices_cli.sources.model import Rows, Table

LOOK = 30  # rows looked at for the header
MAX_HEADER_ROWS = 4

#: A serial-number column (序号): no field of any entity, never a reason to choose one.
SERIAL = frozenset({"序号", "序", "no", "no.", "#", "编号序号", "顺序号"})
_TOTAL = re.compile(r"^(?P<group>.{0,30}?)(?P<kind>小计|合计|总计|汇总|总合计|共计)(?:[(（].*[)）])?$")
_FOOTER = re.compile(
    r"^(?:注|说明|备注|附注|填表说明|填表人|填报人|制表人|统计人|审核人|审核|负责人|单位负责人|分管领导|联系人|"
    r"联系电话|电话|填报日期|填表日期|制表日期|报送日期)\s*(?:[:：]|\d|[一二三四五六七八九十]?[、.．])"
)
_GROUP_END = re.compile(r"(?:区|市|县|旗|镇|乡|街道|社区|省|州|盟|页|全部|各地|开发区|园区|新区)$")
_FOOTER_STARTS = frozenset("注说备附填制统审负单分联电报")
_SUB = re.compile(r"^其中\s*[:：]?\s*")
_UNIT_LINE = re.compile(r"(?:^|\s)(?:计量)?单位\s*[:：]\s*(?P<units>[^\s:：]+(?:\s*[、，,/]\s*[^\s:：]+)*)")
_CODES = frozenset("甲乙丙丁戊己庚辛壬癸")
_NUMBERISH = re.compile(r"^[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?%?$")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def is_serial(text: str) -> bool:
    return _squash(text).lower() in SERIAL


def total_label(text: str) -> re.Match[str] | None:
    """``小计``, ``合 计``, ``洮北区小计``… (None: no total)."""
    squashed = _squash(text)
    m = _TOTAL.match(squashed) if squashed else None
    if m is None or not m.group("group"):
        return m
    # 洮北区小计, 全市合计, 本页小计: an area or a page before the word; not a name (王合计)
    return m if _GROUP_END.search(m.group("group")) or m.group("group") in ("全", "本", "总") else None


def is_footer(text: str) -> bool:
    return bool(_FOOTER.match(unicodedata.normalize("NFKC", text).strip()))


def unit_of(text: str) -> str | None:
    """The unit a units-row cell names (``㎡``, ``（万元）``, ``单位：户``), or None."""
    s = re.sub(r"^(?:计量)?单位\s*[:：]\s*", "", text.strip())
    s = s.strip("()（）[]【】 \u3000")
    return s if s and units.lookup(s) is not None else None


@dataclass
class Header:
    start: int  # index into the looked-at rows
    height: int
    names: list[list[str]]  # per column, the names to match
    shown: list[str]  # per column, the header as shown
    subs: list[bool]  # per column, whether it is a 其中 part of a group
    grouped: bool


def _candidate(rows: list[list[str]], group_fill: bool) -> Header:
    rows = [list(r) for r in rows]
    width = max((len(r) for r in rows), default=0)
    for r in rows:
        r.extend([""] * (width - len(r)))
    grouped = False
    if group_fill:
        for k in range(len(rows) - 1):  # CSV style: a group text followed by blanks over text
            carry = ""
            for c in range(width):
                if rows[k][c].strip():
                    carry = rows[k][c]
                elif carry and rows[k + 1][c].strip():
                    rows[k][c] = carry
                    grouped = True
                else:
                    carry = ""
    names: list[list[str]] = []
    shown: list[str] = []
    subs: list[bool] = []
    for c in range(width):
        parts: list[str] = []
        for r in rows:
            text = r[c].strip()
            if text and (not parts or _squash(parts[-1]) != _squash(text)):
                parts.append(text)
        if len(parts) > 1 and any(_squash(rows[k][c]) == _squash(rows[k][c - 1]) for k in range(len(rows) - 1) if c):
            grouped = True
        sub = len(parts) > 1 and bool(_SUB.match(parts[-1]))
        clean = [_SUB.sub("", p) for p in parts]
        single = [r[c] for r in rows if r[c].strip()]
        shown.append("/".join(parts) if len(parts) > 1 else (single[-1] if single else ""))
        subs.append(sub)
        if len(parts) <= 1:
            names.append(parts)
        elif sub:
            names.append(["".join(clean)])
        else:
            names.append(["".join(clean), clean[-1]])
    return Header(0, len(rows), names, shown, subs, grouped)


def match(names: list[str], entity: Entity) -> tuple[str | None, str | None]:
    for name in names:
        found = match_header(name, entity.aliases)
        if found[0] is not None:
            return found
    return None, None


def score(header: Header, entity: Entity) -> int:
    fields = set()
    for names in header.names:
        if names and not is_serial(names[-1]):
            fname, _ = match(names, entity)
            if fname is not None:
                fields.add(fname)
    return len(fields)


def _numeric(text: str) -> bool:
    return bool(_NUMBERISH.match(_squash(text)))


def _is_units_row(cells: list[str]) -> bool:
    filled = [c for c in cells if c.strip()]
    return bool(filled) and all(unit_of(c) is not None or is_serial(c) or c.strip() in ("—", "-") for c in filled)


def _is_codes_row(cells: list[str]) -> bool:
    filled = [_squash(c) for c in cells if c.strip()]
    if len(filled) < 2:
        return False
    numbers = [c for c in filled if c not in _CODES and not is_serial(c)]
    return (
        all(c in _CODES or is_serial(c) or c.isdigit() for c in filled)
        and (numbers == [str(n) for n in range(int(numbers[0]), int(numbers[0]) + len(numbers))] if numbers else True)
        and any(c in _CODES for c in filled) | (len(numbers) >= 3 and numbers[0] in ("1", "0"))
    )


def _not_a_group_row(cells: list[str]) -> bool:
    """A row that cannot head the columns below it: one text across it (a title, merged or not),
    or 填报单位：… / 单位：… label-and-value cells."""
    texts = {_squash(c) for c in cells if c.strip()}
    return len(texts) < 2 or any(_LABEL.match(x) for x in texts)


_LABEL = re.compile(r"^(?!其中)[^:：]{1,12}[:：]")


def header_rows_option(text: str | None) -> tuple[int, int] | None:
    """``--header-rows 3`` or ``3-4`` (1-based, inclusive)."""
    if text is None:
        return None
    m = re.fullmatch(r"\s*(\d{1,6})\s*(?:[-–:]\s*(\d{1,6}))?\s*", text)
    if not m:
        raise UsageError(f"--header-rows: expected a row number like 3 or a range like 3-4, not {text!r}")
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    if first < 1 or last < first or last - first >= MAX_HEADER_ROWS * 2:
        raise UsageError(f"--header-rows: {text!r} is not a range of rows from the first to the last, 1-based")
    return first, last


class Layout:
    """The table found in one grid, for one entity (or the best-fitting entity)."""

    def __init__(
        self,
        grid: Grid,
        entities: dict[str, Entity],
        path: Path,
        *,
        asked: str | None = None,
        header_rows: tuple[int, int] | None = None,
    ) -> None:
        self.grid, self.path = grid, path
        where = f"sheet {grid.sheet!r}: " if grid.sheet is not None else ""
        self.where = where
        rows = grid.rows
        self.look: list[tuple[int, list[str]]] = []
        limit = LOOK if header_rows is None else max(LOOK, header_rows[1] + 2)
        for item in rows:
            self.look.append(item)
            if len(self.look) >= limit:
                break
        self.rest = rows
        if not self.look:
            raise UsageError(
                f"{where}the {'sheet' if grid.sheet is not None else 'file'} is empty: no header row", path
            )
        lines = [line for line, _ in self.look]
        filled = self._filled_look()
        choices = {asked: entities[asked]} if asked is not None else entities
        best: tuple[Any, ...] | None = None
        found: Header | None = None
        scores: dict[str, int] = {}
        candidates: list[tuple[int, int]] = []
        if header_rows is not None:
            first, last = header_rows
            if first not in lines or last not in lines:
                raise UsageError(f"{where}--header-rows {first}-{last}: no such rows with text", path)
            i, j = lines.index(first), lines.index(last)
            candidates = [(i, j - i + 1)]
        else:
            for i in range(len(self.look)):
                for h in range(1, MAX_HEADER_ROWS + 1):
                    if i + h > len(self.look) or lines[i + h - 1] - lines[i] != h - 1:
                        break
                    if h > 1 and any(
                        _is_units_row(filled[k]) or _is_codes_row(filled[k]) or any(_numeric(c) for c in filled[k])
                        for k in range(i + 1, i + h)
                    ):
                        break
                    if h > 1 and _not_a_group_row(filled[i + h - 2]):
                        break
                    candidates.append((i, h))
        for i, h in candidates:
            cand = _candidate(filled[i : i + h], group_fill=True)
            cand.start = i
            per = {name: score(cand, ent) for name, ent in choices.items()}
            top = max(per.values(), default=0)
            key = (top, cand.grouped and h > 1, -h, -i)
            if best is None or key > best:
                best, found, scores = key, cand, per
        if found is None or best is None or best[0] == 0:
            raise UsageError(self._no_header(entities if asked is None else choices), path)
        # a header cell merged down over rows below makes them part of the header
        end = lines[found.start] + found.height - 1
        for r0, _c0, r1, _c1 in grid.merges:
            if lines[found.start] <= r0 + 1 <= end < r1 + 1 and header_rows is None:
                end = r1 + 1
        if end > lines[found.start] + found.height - 1 and end in lines:
            start = found.start
            found = _candidate(filled[start : lines.index(end) + 1], group_fill=True)
            found.start = start
            scores = {name: score(found, ent) for name, ent in choices.items()}
        self.header = found
        self.scores = scores
        self.header_first = lines[found.start]
        self.header_last = lines[found.start + found.height - 1]
        self.above = self.look[: found.start]
        body = found.start + found.height
        self.units_line: int | None = None
        self.codes_line: int | None = None
        self.units: list[str | None] = [None] * len(found.shown)
        self.skipped: list[dict[str, Any]] = []
        for _ in range(2):
            if body < len(self.look):
                line, cells = self.look[body]
                if self.units_line is None and _is_units_row(cells):
                    self.units_line = line
                    self.units = [unit_of(c) if c.strip() else None for c in cells][: len(found.shown)]
                    self.units += [None] * (len(found.shown) - len(self.units))
                    self.skipped.append({"line": line, "reason": "units_row", "text": _shown(cells)})
                    body += 1
                elif self.codes_line is None and _is_codes_row(cells):
                    self.codes_line = line
                    self.skipped.append({"line": line, "reason": "column_numbers", "text": _shown(cells)})
                    body += 1
        self.body = body
        self.table_units: list[str] = []
        for _, cells in self.above:
            for cell in cells:
                m = _UNIT_LINE.search(unicodedata.normalize("NFKC", cell))
                if m:
                    for u in re.split(r"\s*[、，,/]\s*", m.group("units")):
                        if unit_of(u) is not None:
                            self.table_units.append(unit_of(u) or u)

    # ------------------------------------------------------------------ header area

    def _filled_look(self) -> list[list[str]]:
        """The looked-at rows with every merged range filled with its first cell's text."""
        rows = [list(cells) for _, cells in self.look]
        index = {line: k for k, (line, _) in enumerate(self.look)}
        for r0, c0, r1, c1 in self.grid.merges:
            if r0 + 1 not in index:
                continue
            top = rows[index[r0 + 1]]
            value = top[c0] if c0 < len(top) else ""
            for r in range(r0, r1 + 1):
                k = index.get(r + 1)
                if k is None:
                    continue
                row = rows[k]
                if len(row) <= c1:
                    row.extend([""] * (c1 + 1 - len(row)))
                for c in range(c0, c1 + 1):
                    if not row[c].strip():
                        row[c] = value
        return rows

    def _no_header(self, entities: dict[str, Entity]) -> str:
        seen = "; ".join(
            f"{line}: " + " | ".join(c.strip() for c in cells if c.strip())[:80] for line, cells in self.look[:5]
        )
        seen = re.sub("[\ud800-\udfff]", "\ufffd", seen)  # bytes that did not decode
        expected = "; ".join(
            f"{name}: {', '.join(f.title.zh for f in ent.spec.fields.values())}" for name, ent in entities.items()
        )
        return (
            f"{self.where}no header row found: the columns fit no entity in the first {len(self.look)} rows "
            f"(first rows — {seen}); use --header-rows or --entity. Columns each entity expects — {expected}"
        )

    # ------------------------------------------------------------------ rows

    def describe(self) -> dict[str, Any]:
        facts: dict[str, Any] = {
            "header_rows": [self.header_first, self.header_last],
            "data_from": self.look[self.body][0] if self.body < len(self.look) else None,
            "units_row": self.units_line,
        }
        if self.codes_line is not None:
            facts["column_numbers_row"] = self.codes_line
        if self.above:
            facts["above_header"] = [
                {"line": line, "text": " ".join(c.strip() for c in cells if c.strip())[:200]}
                for line, cells in self.above
            ]
        if self.table_units:
            facts["table_units"] = self.table_units
        if self.grid.merges:
            facts["merged"] = [range_ref(m) for m in self.grid.merges[:200]]
        width = len(self.header.shown)
        hidden_rows = [r for r in self.grid.hidden_rows if r > self.header_last]
        hidden_cols = [c for c in self.grid.hidden_columns if c < width]
        if hidden_rows or hidden_cols:
            facts["hidden"] = {"rows": hidden_rows[:1000], "columns": [column_name(c) for c in hidden_cols]}
        if self.grid.uncalculated:
            facts["uncalculated"] = self.grid.uncalculated[:200]
        facts["scores"] = self.scores
        return facts

    def rows(self, label_columns: tuple[int, ...], outside: list[tuple[int, list[str]]], table: Table) -> Rows:
        """The data rows: merged cells filled down, totals and footers set aside (into ``table``)."""
        width = len(self.header.shown)
        header_keys = [_squash(s) for s in self.header.shown]
        vertical = [m for m in self.grid.merges if m[2] > m[0] and m[0] + 1 > self.header_last]
        starts: dict[int, list[tuple[int, int]]] = {}
        for r0, c0, r1, _c1 in vertical:
            starts.setdefault(r0 + 1, []).append((c0, r1 + 1))
        pending: dict[int, tuple[int, str]] = {}  # column -> (last line, text)
        footer: int | None = None
        sheet = not self.grid.csv

        def source() -> Iterator[tuple[int, list[str]]]:
            yield from self.look[self.body :]
            yield from self.rest

        for line, raw in source():
            cells = list(raw)
            for column, (last, text) in list(pending.items()):
                if line > last:
                    del pending[column]
                    continue
                while len(cells) <= column:
                    cells.append("")
                if not cells[column].strip():
                    cells[column] = text
            for column, last in starts.get(line, ()):
                if column < len(cells) and cells[column].strip():
                    pending[column] = (last, cells[column])
            if not any(c.strip() for c in cells):
                continue
            first = next(c for c in cells if c.strip())
            if footer is not None:
                table.skipped.append({"line": line, "reason": "below_footer", "text": _shown(cells)})
                continue
            if first.lstrip()[:1] in _FOOTER_STARTS and is_footer(first):
                footer = line
                table.skipped.append({"line": line, "reason": "footer", "text": _shown(cells)})
                continue
            labels = [cells[c] for c in label_columns if c < len(cells)]
            labels.append(first)
            total = None
            if any("计" in x or "总" in x for x in labels):  # 小计 合计 总计 汇总 共计: the cheap test first
                total = next((m for m in map(total_label, labels) if m), None)
            if total is not None:
                table.totals.append(
                    {
                        "line": line,
                        "label": _squash(next(x for x in labels if x.strip() and total_label(x))),
                        "kind": "subtotal" if total.group("kind") == "小计" else "total",
                        "group": total.group("group") or None,
                        "raw": cells[:width],
                    }
                )
                continue
            if _squash(cells[0]) == header_keys[0] and [_squash(c) for c in cells[:width]] == header_keys:
                table.skipped.append({"line": line, "reason": "header_repeated", "text": _shown(cells)})
                continue
            if sheet:
                extra = [
                    (c, text)
                    for c, text in enumerate(cells)
                    if text.strip() and (c >= width or (not self.header.shown[c].strip() and c not in label_columns))
                ]
                if extra:
                    outside.append((line, [f"{cell_ref(line - 1, c)}={t.strip()[:40]}" for c, t in extra]))
                    cells = [
                        ("" if (c >= width or not self.header.shown[c].strip()) else t) for c, t in enumerate(cells)
                    ]
                    cells = cells[:width]
            yield line, cells, ()


def _shown(cells: list[str]) -> str:
    return " ".join(c.strip() for c in cells if c.strip())[:200]
