"""The pack-authoring commands: ``indicators list``, ``explain``, ``lint``, ``test``, ``template``
and ``schema``.

``cli.app`` registers them. Each is a thin shell over ``authoring/``: parse options, call one
function, render a rich table or JSON, map errors to exit codes (2: bad usage or unreadable
input, one line on stderr; 3: a bug).
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:  # rich is imported by the commands that draw a table, not by every run
    from rich.console import RenderableType

from lifeservices_cli.cli import common
from lifeservices_cli.cli.common import IndicatorsOption, LangOption, OutputOption
from lifeservices_cli.i18n import Lang, t

# --------------------------------------------------------------------------- indicators list


indicators_app = typer.Typer(
    help="The indicators of the packs.",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    rich_markup_mode=None,
)


@indicators_app.command("list")
def indicators_list(
    indicators: IndicatorsOption = None,
    everything: Annotated[
        bool,
        typer.Option("--all", help="Also list the plan's measures the packs document but cannot check from data."),
    ] = False,
    fmt: Annotated[str, common.format_option("table", "json")] = "table",
    lang: LangOption = None,
) -> None:
    """List the indicators: id, title, entity, kind, clause and rule."""
    from lifeservices_cli.authoring.listing import listing

    language = common.lang_of(lang)
    with common.guard():
        chosen = common.choose(fmt, "table", "json")
        data = listing(common.load(indicators), language, everything=everything)
        if chosen == "json":
            common.emit(common.as_json(data), None)
            return
        common.emit(common.render(*_listing_tables(data, language)), None)


def _listing_tables(data: dict[str, Any], lang: Lang) -> "list[RenderableType]":
    from rich.table import Table
    from rich.text import Text

    rows = data["indicators"]
    table = Table(title=common.say("list.title", lang, count=len(rows)), title_justify="left")
    headers = common.say("list.columns", lang).split()
    for n, header in enumerate(headers):
        table.add_column(header, overflow="fold", no_wrap=n == 0)
    for row in rows:
        table.add_row(row["id"], row["title"], row["entity"], row["kind"], row["clause"]["ref"], row["rule"])
    out: list[RenderableType] = [table]
    if "not_checkable" in data:
        measures = data["not_checkable"]
        if not data["coverage_map"]:
            out.append(Text(common.say("list.no_coverage", lang)))
            return out
        title = common.say("list.not_checkable", lang, count=len(measures))
        more = Table(title=title, title_justify="left")
        for header in common.say("list.not_checkable_columns", lang).split():
            more.add_column(header, overflow="fold")
        for m in measures:
            more.add_row(m["ref"], m["title"], m["reason"], ", ".join(m["indicators"]), "、".join(m["departments"]))
        out.append(more)
    return out


# --------------------------------------------------------------------------- explain


def explain(
    indicator: Annotated[str, typer.Argument(help="The indicator's id (see 'lifeservices indicators list').")],
    indicators: IndicatorsOption = None,
    fmt: Annotated[str, common.format_option("table", "json")] = "table",
    lang: LangOption = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Explain the rule in force on this day (YYYY-MM-DD); default: today.")
    ] = None,
) -> None:
    """Explain one indicator: clause, rule, formula, fields, departments, dates and a worked example."""
    from lifeservices_cli.authoring.explain import explain as explain_data

    language = common.lang_of(lang)
    with common.guard():
        chosen = common.choose(fmt, "table", "json")
        data = explain_data(common.load(indicators), indicator, language, common.day(as_of))
        common.emit(common.as_json(data) if chosen == "json" else common.render(*_explain_view(data, language)), None)


def _explain_view(d: dict[str, Any], lang: Lang) -> "list[RenderableType]":
    from rich.table import Table
    from rich.text import Text

    def w(key: str, **params: object) -> str:
        return common.say("explain." + key, lang, **params)

    head = Text(f"{d['id']}  ", style="bold")
    head.append(d["title"], style="bold")
    info = Table.grid(padding=(0, 2))
    info.add_column(style="bold", no_wrap=True)
    info.add_column(overflow="fold")
    clause = d["clause"]
    info.add_row(w("clause"), " ".join(x for x in (clause["ref"], clause["section"], clause.get("item")) if x))
    info.add_row(w("quote"), f"“{clause['quote']}”")
    info.add_row(
        w("entity"),
        d["entity"]["name"] + t("punct.paren", lang, text=d["entity"]["title"]),
    )
    info.add_row(w("kind"), d["kind"])
    if d["applies_if"]:
        info.add_row(w("applies_if"), f"{d['applies_if']['title']}  [{d['applies_if']['formula']}]")
    info.add_row(w("rule_words"), d["rule_words"])
    info.add_row(w("rule_symbols"), d["rule_symbols"])
    for number, check in enumerate(d["checks"] if not d["aggregate"] else [], start=1):
        label = w("formula") + (f" {number}" if len(d["checks"]) > 1 else "")
        threshold = check["threshold_formula"] or check["threshold"]
        info.add_row(
            label,
            f"{check['metric']}  {check['comparator']}  {threshold}{' ' + check['unit'] if check['unit'] else ''}",
        )
    if d["combine"] in ("all", "any"):
        info.add_row(
            "",
            w("all") if d["combine"] == "all" else w("any"),
        )
    if d["aggregate"]:
        agg = d["aggregate"]
        info.add_row(w("aggregate"), f"{agg['measure']} of {agg['of']} by {agg['by']}")
    if d["shortfall"]:
        s = d["shortfall"]
        info.add_row(w("shortfall"), f"{s['title']}: {s['formula']}{' (' + s['unit'] + ')' if s['unit'] else ''}")
    info.add_row(w("departments"), "、".join(d["departments"]))
    start, end = d["effective_from"], d["effective_to"]
    span = w("from", start=start) if start else w("always_in_force")
    if end:
        span += w("to", end=end)
    if not d["in_force"]:
        span += w("not_in_force", as_of=d["as_of"])
    info.add_row(w("in_force"), span)
    dated = [v for v in d["versions"] if v["from"] or v["reference"]]
    for v in dated:
        when = v["from"] or w("always")
        ref = f"  — {v['reference']}" if v["reference"] else ""
        info.add_row(w("dated_rule"), f"{when}: {v['rule']} ({v['symbols']}){ref}")
    for key, where in d["origin"].items():
        if key != "pack":
            info.add_row(w("changed_by"), f"{key}: {where}")
    for note in d["notes"]:
        info.add_row(w("note"), note)

    fields = Table(title=w("fields"), title_justify="left")
    for header in w("fields_columns").split():
        fields.add_column(header.replace("-", " "), overflow="fold")
    for f in d["fields"]:
        fields.add_row(f["field"], f["title"], f["type"], f["unit"] or "", f["header"], "、".join(f["aliases"]))

    ex = d["example"]
    example = Table(title=w("example", as_of=ex["as_of"]), title_justify="left")
    for header in w("example_columns").split():
        example.add_column(header, overflow="fold")
    units = {f["field"]: f["unit"] for f in d["fields"]}
    titles = {f["field"]: f["title"] for f in d["fields"]}
    for record in ex["records"]:
        inputs = "\n".join(
            f"{titles.get(k, k)} = {v}{' ' + units[k] if units.get(k) else ''}"
            for k, v in record["cells"].items()
            if k != "id"
        )
        r = record["results"]
        example.add_row(
            record["record_id"],
            inputs,
            r.get("status", "—"),
            _num(r.get("value")),
            _num(r.get("gap")),
            r.get("message", ""),
        )
    out: list[RenderableType] = [head, info, fields, example]
    if ex["aggregates"]:
        aggs = Table(title=w("aggregates"), title_justify="left")
        for header in w("aggregates_columns").split():
            aggs.add_column(header, overflow="fold")
        for a in ex["aggregates"]:
            aggs.add_row(str(a["group"]), a["status"], _num(a["value"]), _num(a["gap"]), a["message"])
        out.append(aggs)
    return out


def _num(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --------------------------------------------------------------------------- lint


def lint(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Pack files or folders (a <pack>.tests.yaml stands for its pack); default: the bundled pack."
        ),
    ] = None,
    fmt: Annotated[str, common.format_option("text", "json")] = "text",
    strict: Annotated[bool, typer.Option("--strict", help="Warnings (LS060) fail too.")] = False,
    lang: LangOption = None,
) -> None:
    """Validate packs without data: every problem as file:line:col: CODE message.

    Exit 0 no errors, 1 errors (or warnings with --strict), 2 a file cannot be read.
    """
    from lifeservices_cli.authoring.lint import lint as lint_packs
    from lifeservices_cli.authoring.lint import severity

    language = common.lang_of(lang)
    with common.guard():
        chosen = common.choose(fmt, "text", "json")
        result = lint_packs(paths)
        if chosen == "json":
            rows = [
                {
                    "path": p.path,
                    "line": p.line or 1,
                    "column": p.column or 1,
                    "code": p.code,
                    "severity": severity(p.code),
                    "message": p.message,
                }
                for p in result.problems
            ]
            common.emit(common.as_json(rows), None)
        else:
            common.emit("".join(f"{p}\n" for p in result.problems), None)
            errors, warnings, files = len(result.errors), len(result.warnings), len(result.files)
            if result.problems:
                summary = common.say("lint.problems", language, errors=errors, warnings=warnings, files=files)
            else:
                summary = common.say("lint.clean", language, files=files)
            typer.echo(summary, err=True)
    raise typer.Exit(result.exit_code(strict))


# --------------------------------------------------------------------------- test


def test_packs(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Pack files or folders, or <pack>.tests.yaml files; default: the bundled pack."),
    ] = None,
    lang: LangOption = None,
) -> None:
    """Run the packs' test cases (records in, expected status, value and gap out); exit 1 on any failure."""
    from lifeservices_cli.authoring.packtest import run

    language = common.lang_of(lang)
    with common.guard():
        results = run(paths, language)
        lines = []
        for r in results:
            lines.append(f"{'PASS' if r.passed else 'FAIL'} {r.case.test.name}")
            if not r.passed:
                lines.append(f"  {r.where}")
                lines += [f"  {m}" for m in r.mismatches]
        failed = sum(not r.passed for r in results)
        lines.append(f"{len(results) - failed} passed, {failed} failed")
        common.emit("\n".join(lines) + "\n", None)
    raise typer.Exit(1 if failed else 0)


# --------------------------------------------------------------------------- template


def template(
    entity: Annotated[str, typer.Argument(help="The entity: community, compound, facility, ... (see the pack).")],
    indicators: IndicatorsOption = None,
    lang: LangOption = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write file.csv or file.xlsx; default: the CSV on standard output."),
    ] = None,
    style: Annotated[
        str,
        typer.Option(
            "--style",
            help="plain: one header row, units in brackets; table: a 统计表 with title, 填报 row, 序号 and "
            "a units row.",
        ),
    ] = "plain",
) -> None:
    """An empty data-entry sheet with the entity's headers, units included (CSV is UTF-8 with BOM)."""
    from lifeservices_cli.authoring.template import entity_of, template_bytes

    language = common.lang_of(lang)
    with common.guard():
        chosen = entity_of(common.load(indicators), entity)
        common.emit(template_bytes(chosen, language, output, style), output)
        if output is not None:
            count = len(chosen.spec.fields)
            typer.echo(common.say("template.written", language, output=output, count=count), err=True)


# --------------------------------------------------------------------------- schema


def schema(
    name: Annotated[
        str,
        typer.Argument(
            help="pack (pack files), tests (<pack>.tests.yaml files), report (the JSON report) "
            "or an entity (its YAML/JSON data)."
        ),
    ] = "pack",
    indicators: IndicatorsOption = None,
    lang: LangOption = None,
    output: OutputOption = None,
) -> None:
    """JSON Schema for pack files, pack test files, the JSON report or an entity's YAML/JSON data."""
    from lifeservices_cli.authoring.schema import SPECIAL, schema_for

    language = common.lang_of(lang)
    with common.guard():
        packset = None if name in SPECIAL else common.load(indicators)
        from lifeservices_cli.packs.packset import PackSet

        data = schema_for(packset or PackSet(), name, language)
        common.emit(common.as_json(data), output)
