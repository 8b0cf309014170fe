"""``lifeservices template ENTITY``: an empty data-entry sheet whose headers the reader knows.

Each header is the field's title in the chosen language with its unit in brackets —
``总投资（万元）`` (the field's ``entry_unit``, else its ``unit``; full-width brackets in Chinese),
``total investment (10k yuan)`` in English. ``header_field`` reads a header back the way the
data reader does, so a filled template is always recognised.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from lifeservices_cli.errors import UsageError
from lifeservices_cli.i18n import Lang, t
from lifeservices_cli.packs.compiler import Entity
from lifeservices_cli.packs.models import FieldSpec
from lifeservices_cli.packs.packset import PackSet
from lifeservices_cli.render.rows import is_formula_like, neutralise
from lifeservices_cli.semantics import units
from lifeservices_cli.semantics.cells import match_header

from .common import did_you_mean

#: English words for units in English headers (each is also a spelling the unit reader knows).
EN_UNITS = {
    "元": "yuan",
    "万元": "10k yuan",
    "户": "households",
    "个": "items",
    "人": "persons",
    "年": "years",
    "天": "days",
    "公顷": "ha",
    "类": "categories",
    "项": "tasks",
}

FORMATS = (".csv", ".xlsx")


def entity_of(packset: PackSet, name: str) -> Entity:
    try:
        return packset.entities[name]
    except KeyError:
        raise did_you_mean("entity", name, packset.entities) from None


def header_unit(spec: FieldSpec, lang: Lang) -> str | None:
    """The unit a header shows: ``entry_unit``, else ``unit``; in English words where they exist."""
    unit = spec.entry_unit or spec.unit
    if unit is None or spec.type != "number":
        return None
    if lang == "en":
        word = EN_UNITS.get(unit)
        if word is not None and units.lookup(word) == units.lookup(unit):
            if word.lower() in spec.title.en.lower():
                return None  # "households (households)" says nothing more than "households"
            return word
    return unit


def field_header(spec: FieldSpec, lang: Lang) -> str:
    """``总投资（万元）`` / ``total investment (10k yuan)`` / ``县（市、区）``."""
    title = spec.title.get(lang)
    unit = header_unit(spec, lang)
    if unit is None:
        return title
    return title + t("punct.paren", lang, text=unit)


def headers(entity: Entity, lang: Lang) -> list[tuple[str, str]]:
    """``(field, header)`` for every field of the entity, in the pack's order."""
    return [(name, field_header(spec, lang)) for name, spec in entity.spec.fields.items()]


def header_field(entity: Entity, header: str) -> tuple[str | None, str | None]:
    """The field and unit the data reader takes from ``header``."""
    return match_header(header, entity.aliases)


def csv_bytes(entity: Entity, lang: Lang) -> bytes:
    """The header row as CSV, UTF-8 with a BOM (so Excel and WPS open it as UTF-8), CRLF line ends."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([neutralise(h) for _, h in headers(entity, lang)])
    return out.getvalue().encode("utf-8-sig")


def xlsx_bytes(entity: Entity, lang: Lang) -> bytes:
    """A workbook with the header row, frozen; yes/no columns offer 是/否, text columns keep leading zeros."""
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.datavalidation import DataValidation
    except ImportError:
        raise UsageError("writing .xlsx needs the openpyxl package: pip install openpyxl") from None
    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = _sheet_title(entity.spec.title.get(lang))
    fields = headers(entity, lang)
    ws.append([h for _, h in fields])
    yes, no = t("words.yes", lang), t("words.no", lang)
    for column, (name, header) in enumerate(fields, start=1):
        letter = get_column_letter(column)
        ws.cell(row=1, column=column).font = Font(bold=True)
        ws.column_dimensions[letter].width = max(12, min(40, 2 * len(header) + 2))
        spec = entity.spec.fields[name]
        cells = f"{letter}2:{letter}1048576"
        if spec.type == "boolean":
            check = DataValidation(type="list", formula1=f'"{yes},{no}"', allow_blank=True)
            check.add(cells)
            ws.add_data_validation(check)
        elif spec.type == "text":
            for row in range(2, 202):  # keep codes such as 001 as typed
                ws.cell(row=row, column=column).number_format = "@"
        elif spec.type == "date":
            for row in range(2, 202):
                ws.cell(row=row, column=column).number_format = "yyyy-mm-dd"
    ws.freeze_panes = "A2"
    _as_text(ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _as_text(ws: Any) -> None:
    """A pack's title or label that a spreadsheet would run as a formula (``=``, ``+``, ``@`` ...) stays text."""
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and is_formula_like(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True


def _sheet_title(text: str) -> str:
    for bad in "[]:*?/\\":
        text = text.replace(bad, " ")
    return text.strip()[:31] or "data"


def table_rows(entity: Entity, lang: Lang, title: str | None = None) -> list[list[str]]:
    """A 统计表: title, 填报 row, header (序号 first, titles without units), units row."""
    fields = list(entity.spec.fields.items())
    name = entity.spec.title.get(lang)
    head = [
        title or t("authoring.sheet_title", lang, name=name),
        *(t(key, lang) for key in ("authoring.reporting_unit", "authoring.reporting_date", "authoring.serial")),
    ]
    header = [head[3]] + [spec.title.get(lang) for _, spec in fields]
    unit_row = [""] + [header_unit(spec, lang) or "" for _, spec in fields]
    width = len(header)
    return [
        [head[0]] + [""] * (width - 1),
        [head[1]] + [""] * (width // 2 - 1) + [head[2]] + [""] * (width - width // 2 - 1),
        header,
        unit_row,
    ]


def table_csv_bytes(entity: Entity, lang: Lang) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([[neutralise(c) for c in row] for row in table_rows(entity, lang)])
    return out.getvalue().encode("utf-8-sig")


def table_xlsx_bytes(entity: Entity, lang: Lang) -> bytes:
    """The 统计表 as a workbook: the title merged across the table, bold header, frozen below the units."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    rows = table_rows(entity, lang)
    wb = Workbook()
    ws = wb.worksheets[0]
    ws.title = _sheet_title(entity.spec.title.get(lang))
    for row in rows:
        ws.append(row)
    _as_text(ws)
    width = len(rows[2])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    for column in range(1, width + 1):
        ws.cell(3, column).font = Font(bold=True)
    ws.freeze_panes = "B5"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_bytes(entity: Entity, lang: Lang, output: Path | None, style: str = "plain") -> bytes:
    """The template in the format ``output``'s suffix asks for (CSV when there is no output).

    ``style`` is ``plain`` (one header row, units in brackets) or ``table`` (a 统计表: title,
    填报 row, header with 序号, units row), which the reader reads back the same way."""
    suffix = output.suffix.lower() if output is not None else ".csv"
    if style not in ("plain", "table"):
        raise UsageError(f"unknown template style {style!r}; use plain or table")
    if suffix == ".csv":
        return csv_bytes(entity, lang) if style == "plain" else table_csv_bytes(entity, lang)
    if suffix == ".xlsx":
        return xlsx_bytes(entity, lang) if style == "plain" else table_xlsx_bytes(entity, lang)
    raise UsageError(f"cannot write a template as {suffix or '(no suffix)'!r}; use .csv or .xlsx", output)
