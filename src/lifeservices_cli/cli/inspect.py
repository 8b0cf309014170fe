"""``lifeservices inspect FILE...``: the entity and why, the header rows, column → field with
units, the units row, rows set aside, totals and whether they add up, merged ranges, hidden rows
and warnings — what the reader understood, before anyone trusts a result."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lifeservices_cli.cli import common
from lifeservices_cli.cli.common import (
    EncodingOption,
    EntityOption,
    HeaderRowsOption,
    IndicatorsOption,
    LangOption,
    SheetOption,
    UnitOption,
)

if TYPE_CHECKING:
    from rich.console import RenderableType

    from lifeservices_cli.i18n import Lang


def inspect(
    paths: Annotated[
        list[Path], typer.Argument(help="Data files: .csv, .tsv, .xlsx, .xlsm, .xls, .ods, .yaml, .json.")
    ],
    indicators: IndicatorsOption = None,
    fmt: Annotated[str, common.format_option("table", "json")] = "table",
    lang: LangOption = None,
    entity: EntityOption = None,
    encoding: EncodingOption = None,
    sheet: SheetOption = None,
    header_rows: HeaderRowsOption = None,
    unit: UnitOption = None,
) -> None:
    """Show how each file and sheet is read: entity, header rows, columns and units, totals, skipped rows."""
    from lifeservices_cli.sources.inspect import inspect_files, to_json

    language = common.lang_of(lang)
    with common.guard():
        chosen = common.choose(fmt, "table", "json")
        options = common.read_options(entity, encoding, sheet, header_rows, unit)
        infos = inspect_files(paths, common.load(indicators), options, language)
        data = to_json(infos)
        common.emit(common.as_json(data) if chosen == "json" else common.render(*_view(data, language)), None)


def _view(data: dict[str, Any], lang: Lang) -> list[RenderableType]:
    from rich.table import Table
    from rich.text import Text

    from lifeservices_cli.render.common import visible

    def w(key: str, **params: object) -> str:
        return common.say("inspect." + key, lang, **params)

    out: list[RenderableType] = []
    for number, info in enumerate(data["inputs"]):
        if number:
            out.append(Text(""))
        layout = info["layout"]
        head = Text(visible(info.get("source", info["path"])), style="bold")
        scores = layout.get("scores", {})
        mine = scores.get(info["entity"])
        others = ", ".join(f"{n} {s}" for n, s in scores.items() if n != info["entity"])
        head.append(f"  → {info['entity']}")
        if mine is not None:
            head.append(w("scores", fields=mine, others=others))
        out.append(head)
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style="bold", no_wrap=True)
        facts.add_column(overflow="fold")
        rows = layout.get("header_rows")
        if rows:
            shown = str(rows[0]) if rows[0] == rows[1] else f"{rows[0]}–{rows[1]}"
            facts.add_row(w("header"), w("header_rows", rows=shown))
        if layout.get("above_header"):
            above = "；".join(f"{a['line']}: {visible(a['text'])}" for a in layout["above_header"])
            facts.add_row(w("above_header"), above)
        if layout.get("table_units"):
            facts.add_row(w("table_units"), "、".join(layout["table_units"]))
        facts.add_row(w("units_row"), str(layout.get("units_row") or "—"))
        facts.add_row(w("data_from"), str(layout.get("data_from") or "—"))
        facts.add_row(w("records"), str(info["records"]))
        if layout.get("district_names"):
            names = ", ".join(f"{visible(a)} → {b}" for a, b in layout["district_names"].items())
            facts.add_row(w("district_names"), names)
        if layout.get("merged"):
            facts.add_row(w("merged"), ", ".join(layout["merged"][:20]))
        hidden = layout.get("hidden")
        if hidden:
            rows_text = ", ".join(map(str, hidden["rows"][:20])) or "—"
            cols_text = ", ".join(hidden["columns"]) or "—"
            facts.add_row(w("hidden"), w("hidden_cells", rows=rows_text, columns=cols_text))
        out.append(facts)
        columns = Table(title=w("columns"), title_justify="left", show_edge=False)
        columns.add_column(w("column"))
        columns.add_column(w("field"))
        columns.add_column(w("unit"))
        units = layout.get("units", {})
        for header, fname in info["columns"].items():
            unit = units.get(header)
            serial = header == layout.get("serial_column")
            columns.add_row(
                visible(header),
                fname or (w("serial") if serial else w("not_used")),
                f"{unit['unit']} ({unit['from']})" if unit else "",
            )
        out.append(columns)
        if info["totals"]:
            totals = Table(title=w("totals"), title_justify="left", show_edge=False)
            for name in (
                w("line"),
                w("label"),
                w("column"),
                w("stated"),
                w("computed"),
                w("check"),
            ):
                totals.add_column(name)
            for entry in info["totals"]:
                checks = entry["checks"] or [None]
                for check in checks:
                    if check is None:
                        totals.add_row(str(entry["line"]), visible(entry["label"]), "", "", "", "")
                        continue
                    mark = {True: "✓", False: w("differs"), None: w("blanks")}[check["ok"]]
                    totals.add_row(
                        str(entry["line"]),
                        visible(entry["label"]),
                        visible(check["column"]),
                        check["stated"],
                        check["computed"],
                        mark,
                    )
            out.append(totals)
        if info["skipped"]:
            skipped = Table(title=w("skipped"), title_justify="left", show_edge=False)
            skipped.add_column(w("line"))
            skipped.add_column(w("reason"))
            skipped.add_column(w("text"))
            for row in info["skipped"]:
                skipped.add_row(str(row["line"]), row["reason"], visible(row.get("text", "")))
            out.append(skipped)
        for sheet in info.get("skipped_sheets", []):
            out.append(
                Text(
                    w("sheet_skipped", sheet=sheet["sheet"], reason=sheet["reason"]),
                    style="yellow",
                )
            )
        for warning in info["warnings"]:
            out.append(Text(f"! {visible(warning)}", style="yellow"))
    return out
