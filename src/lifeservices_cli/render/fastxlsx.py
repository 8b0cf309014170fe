"""The results sheet of a large run (a spooled store) written in polars: rows from
``fastrows.blocks``, their sheet XML made block by block with vectorised string expressions and
written straight to the worksheet's constant-memory row file.

Every cell is the bytes xlsxwriter (3.3) writes for the cell ``_Sheet.append`` would write, or
it is made in Python by the same steps (``_cell``): a record's plain decimal is a number
(``f"{x:.16G}"``, made once per distinct decimal), other text an inline string (xlsxwriter's
``_xHHHH_`` and ``&<>`` escaping, ``xml:space="preserve"`` for leading or trailing white space);
text with a control or invisible character, a formula-like start, ``<r>`` at its start or more
than 16,383 characters is made in Python. Styles get their index in the order the ordinary path
first uses them (the workbook's styles part depends on it). ``--by`` (problem sheets) is left to
the ordinary path (``NotFast``), as is whatever ``fastrows`` leaves to it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl
from xlsxwriter.utility import _preserve_whitespace, xl_col_to_name
from xlsxwriter.xmlwriter import XMLwriter

from lifeservices_cli.i18n import t as catalogue
from lifeservices_cli.render import fastrows, xlsx
from lifeservices_cli.render.common import status_text, visible
from lifeservices_cli.render.fastrows import NotFast
from lifeservices_cli.render.rows import is_formula_like, layout
from lifeservices_cli.report.model import Report

#: Rows put into one piece of XML text at a time (bounds the memory of a block's text).
XML_ROWS = 8192
# Smaller blocks than the CSV's: a workbook row's XML is several times its CSV line, and the
# check itself leaves about 215 MiB resident before rendering (200k rows: 1 MiB / 2 MiB blocks
# peaked at 269 MiB, these at about 235 MiB).
BLOCK_BYTES = 256 << 10
SPOOL_BYTES = 512 << 10


def _char_class(chars: list[str]) -> str:
    return "".join(f"\\x{{{ord(c):x}}}" for c in chars)


_BMP = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
#: What ``visible`` changes (controls but tab and newline, bidi controls, separators, BOM, XML's non-characters).
_CHANGED = "[" + _char_class([c for c in _BMP if visible(c) != c]) + "]"
#: Python's ``\s`` (xlsxwriter's test for ``xml:space="preserve"``; none past U+3000).
_SPACE = _char_class([c for c in _BMP if re.match(r"\s", c)])
_PRESERVE = f"^[{_SPACE}]|[{_SPACE}]$"
#: ``_data_cell``'s numbers in ASCII digits (made here) and in any digits (Python's ``\d``: made in Python).
_NUMERIC_ASCII = r"^-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,12})?$"
_NUMERIC_ANY = r"^-?(?:0|[1-9]\d{0,14})(?:\.\d{1,12})?$"
#: A plain decimal as ``fastrows`` makes a value or gap.
_DECIMAL = r"^-?[0-9]+(?:\.[0-9]+)?$"
_SLOW = "\x00"  # a cell made in Python: "\x00{style}\x00{body}"

_XML = XMLwriter()


def _num(number: Any) -> str:
    return f"><v>{number:.16G}</v></c>"


def _string(text: str) -> str:
    """An inline string cell after its ``r`` and ``s`` attributes, as xlsxwriter writes it."""
    text = _XML._escape_control_characters(text)
    if text.startswith("<r>") and text.endswith("</r>"):
        return f' t="inlineStr"><is>{text}</is></c>'
    preserve = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
    return f' t="inlineStr"><is><t{preserve}>{_XML._escape_data(text)}</t></is></c>'


def _cell(value: Any, style: str | None = None) -> tuple[str, str] | None:
    """(its style, its XML after the ``r`` and ``s`` attributes) of a value as ``_Sheet.append``
    writes it; ``None``: no cell."""
    if value is None:
        return None
    if isinstance(value, xlsx.Styled):
        value, style = value.value, value.style
    if isinstance(value, bool):
        raise NotFast("a boolean cell")
    if isinstance(value, int | float):
        return style or "", _num(value)
    if isinstance(value, Decimal):
        return style or "", _num(float(value))
    if isinstance(value, Fraction):
        number = xlsx._number(value)
        return style or "", _string(number) if isinstance(number, str) else _num(number)
    text = xlsx._fit(visible(str(value)))
    if not text:
        return (style, "/>") if style is not None else None
    if is_formula_like(text):
        return "quoted", _string(text)
    return style or "", _string(text)


def _slow(value: Any) -> str:
    made = _cell(value)
    return _SLOW if made is None else f"{_SLOW}{made[0]}{_SLOW}{made[1]}"


def _decimals(columns: list[pl.Series]) -> tuple[pl.Series, pl.Series]:
    """Each distinct decimal with a point in these columns, and its digits as xlsxwriter writes ``float(x)``."""
    texts = pl.concat([s.filter(s.str.contains(r"^-?[0-9]+\.[0-9]+$")) for s in columns]).unique().to_list()
    return pl.Series(texts, dtype=pl.String), pl.Series([f"{float(x):.16G}" for x in texts], dtype=pl.String)


def _number_expr(text: pl.Expr, decimals: tuple[pl.Series, pl.Series]) -> pl.Expr:
    """A number cell's XML for each decimal of ``text`` (ASCII digits, ``_data_cell``'s or ``fastrows``')."""
    digits = text.replace(*decimals) if len(decimals[0]) else text
    return pl.lit("><v>") + digits + pl.lit("</v></c>")


def _string_expr(text: pl.Expr) -> pl.Expr:
    """An inline string cell's XML for each text (one ``visible`` leaves as it is)."""
    escaped = (
        text.str.replace_all(r"(_x[0-9a-fA-F]{4}_)", "_x005F${1}")
        .str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
    )
    preserve = pl.when(text.str.contains(_PRESERVE)).then(pl.lit(' xml:space="preserve"')).otherwise(pl.lit(""))
    return pl.lit(' t="inlineStr"><is><t') + preserve + pl.lit(">") + escaped + pl.lit("</t></is></c>")


def _numbers(text: pl.Series, decimals: tuple[pl.Series, pl.Series]) -> pl.Series:
    return pl.select(_number_expr(pl.lit(text), decimals)).to_series()


def _strings(text: pl.Series) -> pl.Series:
    return pl.select(_string_expr(pl.lit(text))).to_series()


#: A record's text that is made in Python: what ``visible`` changes, a formula-like start, a rich string's start.
_HARD = f"{_CHANGED}|^[=+\\-@\\t\\r]|^<r>"


class _Writer:
    """Blocks of rows as sheet XML, written to the sheet's row file, with xlsxwriter's bookkeeping."""

    def __init__(self, sheet: xlsx._Sheet, report: Report):
        self.sheet, self.report = sheet, report
        plan = layout(report)
        self.width = len(plan.columns)
        self.columns = len(plan.header(report.lang))
        self.letters = [xl_col_to_name(i) for i in range(self.columns)]
        lang = report.lang
        words: dict[str, tuple[str, str]] = {}
        for status in fastrows._STATUSES:
            made = _cell(sheet.status(status, lang))
            assert made is not None
            words[status_text(status, lang)] = made
        if len(words) != len(fastrows._STATUSES):
            raise NotFast("two statuses with one word")
        self.status_words = words
        self.value_words: dict[str, tuple[str, str]] = {}
        for key in ("words.yes", "words.no"):
            made = _cell(catalogue(key, lang))
            assert made is not None
            self.value_words[catalogue(key, lang)] = made

    def write(self, block: pl.DataFrame) -> None:
        sheet = self.sheet
        while block.height:
            if sheet.rows >= xlsx.EXCEL_ROWS:
                sheet._next_part()
            room = xlsx.EXCEL_ROWS - sheet.rows
            part, block = block.slice(0, room), block.slice(room)
            for start in range(0, part.height, XML_ROWS):
                self._put(part.slice(start, XML_ROWS))

    def _words(self, name: str) -> dict[str, tuple[str, str]]:
        return self.status_words if name.startswith("s:") else self.value_words if name.startswith("v:") else {}

    def _python(self, block: pl.DataFrame) -> dict[str, tuple[pl.Series, pl.Series]]:
        """The record's cells made in Python (rare): their styles and XML, null elsewhere."""
        names = block.columns[: self.width]
        masks = block.select(
            (
                ~pl.col(n).str.contains(_NUMERIC_ASCII)
                & (
                    pl.col(n).str.contains(_HARD)
                    | pl.col(n).str.contains(_NUMERIC_ANY)
                    | (pl.col(n).str.len_chars() > xlsx.EXCEL_CELL // 2)
                )
            ).alias(n)
            for n in names
        )
        out = {}
        empty = pl.repeat(None, block.height, dtype=pl.String, eager=True)
        for name, mask in zip(names, masks.iter_columns(), strict=True):
            where = mask.arg_true()
            if where.len():
                made = [_cell(xlsx._data_cell(x)) for x in block.get_column(name).gather(where)]
                style = empty.clone().scatter(where, [m[0] if m else "" for m in made])  # scatter works in place
                body = empty.clone().scatter(where, [m[1] if m else "" for m in made])
                out[name] = (style, body)
        return out

    def _styles(self, styles: pl.DataFrame) -> dict[str, str]:
        """The ``s`` attribute of each style: indexes given in the order the cells first use them."""
        formats = self.sheet.book.formats
        first: dict[str, tuple[int, int]] = {}
        for col, style in enumerate(styles.iter_columns()):
            for key in style.unique().to_list():
                if key and formats[key].xf_index is None:
                    row = int((style == key).arg_true()[0])
                    first[key] = min(first.get(key, (row, col)), (row, col))
        for key in sorted(first, key=lambda k: first[k]):
            formats[key]._get_xf_index()
        return {"": ""} | {key: f' s="{fmt._get_xf_index()}"' for key, fmt in formats.items() if fmt.xf_index}

    def _put(self, block: pl.DataFrame) -> None:
        sheet, ws = self.sheet, self.sheet.ws
        start = sheet.rows
        if start > ws.previous_row:
            ws._write_single_row(start)  # the row before (the header) goes out first, as xlsxwriter does
        names = block.columns
        record, results = names[: self.width], names[self.width : -2]
        source, line = block.get_column(names[-2]), names[-1]
        python = self._python(block)
        decimals = _decimals([block.get_column(n) for n in [*record, *results] if not n.startswith("s:")])
        # each cell's style and XML after its r and s attributes (null: no cell)
        styles: dict[str, pl.Expr] = {}
        bodies: dict[str, pl.Expr] = {}
        checks = []
        for name in record:
            text = pl.col(name)
            body = (
                pl.when(text.str.contains(_NUMERIC_ASCII))
                .then(_number_expr(text, decimals))
                .when(text == "")
                .then(pl.lit(None, pl.String))
                .otherwise(_string_expr(text))
            )
            if name in python:
                own_style, own_body = python[name]
                styles[name] = pl.lit(own_style).fill_null("")
                body = pl.when(pl.lit(own_body).is_not_null()).then(pl.lit(own_body)).otherwise(body)
            bodies[name] = body
        for name in results:
            text, words = pl.col(name), self._words(name)
            slow = text.str.starts_with(_SLOW)
            pieces = text.str.split(_SLOW)
            known = text.is_in(list(words)) if words else pl.lit(False)
            decimal = text.str.contains(_DECIMAL)
            checks.append((slow | known | decimal | (text == "")).all())
            word_style = text.replace_strict({k: v[0] for k, v in words.items()}, default="") if words else pl.lit("")
            word_body = text.replace_strict({k: v[1] for k, v in words.items()}, default="") if words else pl.lit("")
            styles[name] = (
                pl.when(slow)
                .then(pieces.list.get(1, null_on_oob=True))
                .when(known)
                .then(word_style)
                .otherwise(pl.lit(""))
            )
            bodies[name] = (
                pl.when(slow)
                .then(pieces.list.get(2, null_on_oob=True))
                .when(known)
                .then(word_body)
                .when(decimal)
                .then(_number_expr(text, decimals))
                .otherwise(pl.lit(None, pl.String))
            )
        file = _cell(source[0]) if len(source) else None
        if file is not None and file[0]:
            styles[names[-2]] = pl.lit(file[0])
        bodies[names[-2]] = pl.lit(file[1] if file else None, pl.String)
        bodies[line] = _number_expr(pl.col(line), (pl.Series([], dtype=pl.String),) * 2)
        shown = block.select(
            *(e.alias(n) for n, e in styles.items()), *(c.alias(f"_ok{i}") for i, c in enumerate(checks))
        )
        if not all(shown.select(pl.col(f"_ok{i}").first() for i in range(len(checks))).row(0)):
            raise NotFast("a cell that is not a word, a decimal or made in Python")
        order = [n for n in names if n in styles]
        attrs = self._styles(shown.select(order))
        rows = pl.int_range(start + 1, start + 1 + block.height, eager=True).cast(pl.String)
        frame = block.with_columns(pl.lit(rows).alias("_rn"), *(shown.get_column(n).alias(f"_s:{n}") for n in order))
        parts: list[pl.Expr] = [pl.lit('<row r="'), pl.col("_rn"), pl.lit('">')]
        cells = frame.with_columns(e.alias(f"_b:{n}") for n, e in bodies.items())
        for letter, name in zip(self.letters, names, strict=True):
            body = pl.col(f"_b:{name}")
            attr = pl.col(f"_s:{name}").replace_strict(attrs, default=None) if name in styles else pl.lit("")
            ref = pl.concat_str([pl.lit(f'<c r="{letter}'), pl.col("_rn"), pl.lit('"'), attr, body])
            parts.append(pl.when(body.is_not_null() & (body != "")).then(ref).otherwise(pl.lit("")))
        parts.append(pl.lit("</row>"))
        xml = cells.select(pl.concat_str(parts).alias("xml")).get_column("xml")
        if xml.null_count():
            raise NotFast("a style the workbook does not have")
        joined: bytes = pl.select(pl.lit(xml).str.join("").cast(pl.Binary)).item()
        assert ws.fh is ws.row_data_fh
        ws.fh.flush()  # the header row xlsxwriter wrote, then the block's bytes after it
        ws.fh.buffer.write(joined)
        last = start + block.height - 1
        ws._check_dimensions(last, len(names) - 1)
        ws.previous_row = last
        sheet.rows += block.height
        sheet.width = max(sheet.width, len(names))


def results_sheet(sheet: xlsx._Sheet, report: Report, districts: dict[str | None, Counter[str]]) -> None:
    """The results sheet of a spooled run, and the count of results per district and status."""
    lang = report.lang
    plan = layout(report)
    header = plan.header(lang)
    sheet.header(header)
    made = lambda r, ic: tuple(_slow(v) for v in xlsx.result_values(sheet, r, ic, lang))  # noqa: E731
    writer = _Writer(sheet, report)
    for block in fastrows.blocks(report, plan, made, block_bytes=BLOCK_BYTES, spool_bytes=SPOOL_BYTES):
        writer.write(block)
    for key, counts in _districts(report):
        districts.setdefault(key, Counter()).update(counts)
    sheet.autofilter(len(header))


def _districts(report: Report) -> Iterator[tuple[str | None, Counter[str]]]:
    """Results per district and status (from the store's tally, or the spool), districts in the
    order they first come."""
    from lifeservices_cli.render.problems import worst_many

    (picked,) = worst_many(report, [(0, ("district",), None, None)])
    for (district,), group in picked.items():
        yield district, group.counts
