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


def _view(data: dict[str, Any], lang: str) -> list[RenderableType]:
    from rich.table import Table
    from rich.text import Text

    from lifeservices_cli.render.common import visible

    def w(zh: str, en: str) -> str:
        return common.words(lang, zh, en)

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
            head.append(
                w(
                    f"（表头匹配 {mine} 个字段；其他：{others}）",
                    f" (the header matches {mine} fields; others: {others})",
                )
            )
        out.append(head)
        facts = Table.grid(padding=(0, 2))
        facts.add_column(style="bold", no_wrap=True)
        facts.add_column(overflow="fold")
        rows = layout.get("header_rows")
        if rows:
            shown = str(rows[0]) if rows[0] == rows[1] else f"{rows[0]}–{rows[1]}"
            facts.add_row(w("表头", "header"), w(f"第{shown}行", f"row {shown}"))
        if layout.get("above_header"):
            above = "；".join(f"{a['line']}: {visible(a['text'])}" for a in layout["above_header"])
            facts.add_row(w("表头之上", "above the header"), above)
        if layout.get("table_units"):
            facts.add_row(w("表上注明单位", "table unit"), "、".join(layout["table_units"]))
        facts.add_row(w("单位行", "units row"), str(layout.get("units_row") or "—"))
        facts.add_row(w("数据起始行", "data from"), str(layout.get("data_from") or "—"))
        facts.add_row(w("记录", "records"), str(info["records"]))
        if layout.get("district_names"):
            names = ", ".join(f"{visible(a)} → {b}" for a, b in layout["district_names"].items())
            facts.add_row(w("县（市、区）名称", "district names"), names)
        if layout.get("merged"):
            facts.add_row(w("合并单元格", "merged cells"), ", ".join(layout["merged"][:20]))
        hidden = layout.get("hidden")
        if hidden:
            rows_text = ", ".join(map(str, hidden["rows"][:20])) or "—"
            cols_text = ", ".join(hidden["columns"]) or "—"
            facts.add_row(
                w("隐藏", "hidden"), w(f"行 {rows_text}；列 {cols_text}", f"rows {rows_text}; columns {cols_text}")
            )
        out.append(facts)
        columns = Table(title=w("列 → 字段", "columns → fields"), title_justify="left", show_edge=False)
        columns.add_column(w("列", "column"))
        columns.add_column(w("字段", "field"))
        columns.add_column(w("单位", "unit"))
        units = layout.get("units", {})
        for header, fname in info["columns"].items():
            unit = units.get(header)
            serial = header == layout.get("serial_column")
            columns.add_row(
                visible(header),
                fname or (w("（序号列）", "(serial number)") if serial else w("—（未使用）", "— (not used)")),
                f"{unit['unit']} ({unit['from']})" if unit else "",
            )
        out.append(columns)
        if info["totals"]:
            totals = Table(title=w("小计/合计行", "subtotal/total rows"), title_justify="left", show_edge=False)
            for name in (
                w("行", "line"),
                w("标签", "label"),
                w("列", "column"),
                w("填写", "stated"),
                w("逐行合计", "rows add up to"),
                w("核对", "check"),
            ):
                totals.add_column(name)
            for entry in info["totals"]:
                checks = entry["checks"] or [None]
                for check in checks:
                    if check is None:
                        totals.add_row(str(entry["line"]), visible(entry["label"]), "", "", "", "")
                        continue
                    mark = {True: "✓", False: w("✗ 不符", "✗ differs"), None: w("？有空值", "? blanks")}[check["ok"]]
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
            skipped = Table(title=w("未作为记录的行", "rows that are no record"), title_justify="left", show_edge=False)
            skipped.add_column(w("行", "line"))
            skipped.add_column(w("原因", "reason"))
            skipped.add_column(w("内容", "text"))
            for row in info["skipped"]:
                skipped.add_row(str(row["line"]), row["reason"], visible(row.get("text", "")))
            out.append(skipped)
        for sheet in info.get("skipped_sheets", []):
            out.append(
                Text(
                    w(
                        f"未检查的工作表「{sheet['sheet']}」：{sheet['reason']}",
                        f"sheet not checked: {sheet['sheet']}: {sheet['reason']}",
                    ),
                    style="yellow",
                )
            )
        for warning in info["warnings"]:
            out.append(Text(f"! {visible(warning)}", style="yellow"))
    return out
