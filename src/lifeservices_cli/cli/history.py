"""The monitoring commands: ``history`` (list, ``show``, ``delete``), ``compare`` and ``trend``,
and the ``check --save``/``--baseline`` steps that ``cli.check`` calls.

A thin shell over ``history/``: parse options, call one function, render, map errors to exit
codes (2: bad usage, unknown run, a store that cannot be opened or is locked; 1: ``compare
--fail-on regressed`` found a regression; 3: a bug).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lifeservices_cli.cli import common
from lifeservices_cli.cli.common import LangOption, OutputOption
from lifeservices_cli.errors import UsageError

if TYPE_CHECKING:
    from lifeservices_cli.history.baseline import Outcome
    from lifeservices_cli.history.store import Store
    from lifeservices_cli.report.model import Report

HistoryOption = Annotated[
    str | None,
    typer.Option(
        "--history",
        metavar="URL",
        help="History store: a path, sqlite:///PATH or postgresql://… Default: $LIFESERVICES_HISTORY, "
        "else lifeservices-history.sqlite here.",
    ),
]
PublicOption = Annotated[
    bool,
    typer.Option(
        "--public",
        help="A bulletin to publish: districts, indicators, rates and counts only; never a person's record.",
    ),
]


class ListFormat(StrEnum):
    table = "table"
    json = "json"


class CompareFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"
    csv = "csv"


class TrendFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"
    html = "html"


class FailOnChange(StrEnum):
    regressed = "regressed"
    never = "never"


def _open(url: str | None, create: bool = False) -> Store:
    from lifeservices_cli.history.store import open_store

    return open_store(url, create=create)


def _run(url: str | None, run: str) -> tuple[Store, dict[str, Any]]:
    """The store and the run that ``run`` (an id or a period label: its latest run) names."""
    from lifeservices_cli.history.runs import list_runs, resolve

    store = _open(url)
    run_id = resolve(store, run)
    return store, next(r for r in list_runs(store) if r["id"] == run_id)


history_app = typer.Typer(
    help="The runs saved by check --save: list them, show one, delete one.",
    no_args_is_help=False,
    rich_markup_mode=None,
)


def _run_line(run: dict[str, Any]) -> list[str]:
    s = run["summary"]
    inputs = ", ".join(Path(i["path"]).name for i in run["inputs"])
    problems = s.get("fail", 0) + s.get("missing_data", 0) + s.get("invalid_data", 0)
    return [str(run["id"]), run["period"], run["as_of"], inputs,
            f"{s.get('records', 0)} records, {s.get('pass', 0)} pass, {problems} problems"]


def _table(headers: list[str], rows: list[list[str]]) -> str:
    from lifeservices_cli.history.render.common import text_table

    return text_table(headers, rows, common.width())


@history_app.callback(invoke_without_command=True)
def history_list(
    ctx: typer.Context,
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="table or json.")] = ListFormat.table,
    history: HistoryOption = None,
) -> None:
    """List the saved runs: id, period, as_of, inputs, summary."""
    if ctx.invoked_subcommand is not None:
        return
    with common.guard():
        from lifeservices_cli.history.runs import list_runs

        store = _open(history)
        runs = list_runs(store)
        if fmt is ListFormat.json:
            common.emit(json.dumps({"store": store.label, "runs": runs}, ensure_ascii=False, indent=2) + "\n", None)
        elif not runs:
            common.emit(f"no runs in history store {store.label} (save one with check --save)\n", None)
        else:
            common.emit(_table(["id", "period", "as_of", "inputs", "summary"], [_run_line(r) for r in runs]), None)


@history_app.command("show")
def history_show(
    run: Annotated[str, typer.Argument(help="Run id or period label (its latest run).", show_default=False)],
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="table or json.")] = ListFormat.table,
    history: HistoryOption = None,
) -> None:
    """Show one run: when, as_of, period, packs, inputs, settings and summary."""
    with common.guard():
        _, found = _run(history, run)
        if fmt is ListFormat.json:
            common.emit(json.dumps(found, ensure_ascii=False, indent=2) + "\n", None)
            return
        lines = [f"run {found['id']}: period {found['period']}, as_of {found['as_of']}, saved {found['saved_at']} "
                 f"by lifeservices-cli {found['tool_version']}"]
        lines += [f"pack {p['id']} sha256 {p['sha256'] or '—'}" for p in found["packs"]]
        lines += [f"input {i['path']}{' sheet ' + i['sheet'] if i['sheet'] else ''} ({i['entity']}, "
                  f"{i['records']} records) sha256 {i['sha256'] or '—'}" for i in found["inputs"]]
        if found["settings"]:
            lines.append("settings: " + json.dumps(found["settings"], ensure_ascii=False))
        if found["options"]:
            lines.append("options: " + json.dumps(found["options"], ensure_ascii=False))
        s = found["summary"]
        lines.append("summary: " + ", ".join(f"{k} {v}" for k, v in s.items() if not isinstance(v, dict)))
        from lifeservices_cli.render.common import visible

        common.emit("\n".join(visible(line) for line in lines) + "\n", None)


@history_app.command("delete")
def history_delete(
    run: Annotated[str, typer.Argument(help="Run id or period label (its latest run).", show_default=False)],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    history: HistoryOption = None,
) -> None:
    """Delete one run and everything saved with it (asks first unless --yes)."""
    with common.guard():
        from lifeservices_cli.history.runs import delete_run

        store, found = _run(history, run)
        run_id = found["id"]
        if not yes:
            if not sys.stdin.isatty():
                raise UsageError(f"delete run {run_id} ({found['period']}): confirm with --yes (no terminal to ask)")
            if not typer.confirm(f"Delete run {run_id} (period {found['period']}, as_of {found['as_of']})?"):
                typer.echo("nothing deleted", err=True)
                raise typer.Exit(1)
        delete_run(store, run_id)
        typer.echo(f"deleted run {run_id} (period {found['period']})", err=True)


def compare(
    old: Annotated[str, typer.Argument(help="Run id, period label or JSON report file.", show_default=False)],
    new: Annotated[str, typer.Argument(help="Run id, period label or JSON report file.", show_default=False)],
    fmt: Annotated[CompareFormat, typer.Option("--format", "-f", help="table, json, markdown, html or csv.")] = (
        CompareFormat.table
    ),
    output: OutputOption = None,
    fail_on: Annotated[
        FailOnChange, typer.Option("--fail-on", help="regressed: exit 1 when anything regressed; never (default).")
    ] = FailOnChange.never,
    public: PublicOption = False,
    names: Annotated[
        bool, typer.Option("--names", help="With --public: also list the records that changed (never persons).")
    ] = False,
    history: HistoryOption = None,
    lang: LangOption = None,
) -> None:
    """Compare two runs: each record's status before and after (fixed, regressed…) and each district's rates."""
    with common.guard():
        from lifeservices_cli.history import compare as comparing
        from lifeservices_cli.history import render
        from lifeservices_cli.history.runs import load

        language = common.lang_of(lang)
        stores: list[Store] = []

        def opener() -> Store:
            if not stores:
                stores.append(_open(history))
            return stores[0]

        result = comparing.compare(load(old, opener), load(new, opener))
        doc = render.compare_document(result, public=public, names=names, lang=language)
        data: str | bytes
        if fmt is CompareFormat.json:
            data = render.compare_json(doc)
        elif fmt is CompareFormat.markdown:
            data = render.compare_markdown(doc, language)
        elif fmt is CompareFormat.html:
            data = render.compare_html(doc, language)
        elif fmt is CompareFormat.csv:
            data = render.compare_csv(doc, language)
        else:
            data = render.compare_table(doc, language, None if output else common.width())
        common.emit(data, output)
    if fail_on is FailOnChange.regressed and doc["summary"]["regressed"]:
        raise typer.Exit(1)


def trend(
    indicator: Annotated[str | None, typer.Option("--indicator", metavar="ID", help="Only this indicator.")] = None,
    by: Annotated[str, typer.Option("--by", help="Group by: district (the only grouping).")] = "district",
    fmt: Annotated[TrendFormat, typer.Option("--format", "-f", help="table, json, markdown or html.")] = (
        TrendFormat.table
    ),
    output: OutputOption = None,
    public: PublicOption = False,
    history: HistoryOption = None,
    lang: LangOption = None,
) -> None:
    """Each district's rate per indicator over the stored periods, with 环比 and 同比."""
    with common.guard():
        from lifeservices_cli.history import render
        from lifeservices_cli.history.runs import list_runs, load_run
        from lifeservices_cli.history.trend import trend as compute

        if by != "district":
            raise UsageError(f"--by {by!r}: trends are grouped by district (--by district)")
        language = common.lang_of(lang)
        store = _open(history)
        latest: dict[str, int] = {}
        for run in list_runs(store):
            latest[run["period"]] = run["id"]  # the latest run of each period
        runs = [load_run(store, run_id) for run_id in latest.values()]
        if not runs:
            raise UsageError(f"no runs in history store {store.label} (save some with check --save --period LABEL)")
        known = {k for r in runs for k in r.indicators}
        if indicator is not None and indicator not in known:
            raise UsageError(f"unknown indicator {indicator!r}; the stored runs have: {', '.join(sorted(known))}")
        doc = render.trend_document(compute(runs, indicator), public=public, lang=language)
        data: str
        if fmt is TrendFormat.json:
            data = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
        elif fmt is TrendFormat.markdown:
            data = render.trend_markdown(doc, language)
        elif fmt is TrendFormat.html:
            data = render.trend_html(doc, language)
        else:
            data = render.trend_table(doc, language, None if output else common.width())
        common.emit(data, output)


# --------------------------------------------------------------------------- check --save / --baseline


def check_baseline(report: Report, ref: str, history: str | None, fail_on: str) -> Outcome:
    """``check --baseline``: count known and new problems; the report's summary gets the counts."""
    from lifeservices_cli.history.baseline import apply
    from lifeservices_cli.history.runs import load
    from lifeservices_cli.report.model import FAILING

    outcome = apply(report, load(ref, lambda: _open(history)), FAILING[fail_on])
    report.extra_summary["baseline"] = outcome.summary()
    return outcome


def baseline_lines(outcome: Outcome) -> list[str]:
    plural = "" if outcome.known == 1 else "s"
    lines = [f"baseline {outcome.label}: {outcome.known} known problem{plural} (not counted), {outcome.new} new"]
    for ex in outcome.examples:
        who = " ".join(x for x in (ex["record_id"], ex["record_name"]) if x) or ex["district"] or "—"
        lines.append(f"  new: {who} {ex['indicator']} {ex['status']}")
    if outcome.new > len(outcome.examples):
        lines.append(f"  … and {outcome.new - len(outcome.examples)} more (see the report)")
    return lines


def check_save(report: Report, history: str | None, period: str | None, options: dict[str, Any]) -> str:
    """``check --save``: store the run; the line that says where."""
    from lifeservices_cli.history.save import save_run

    store = _open(history, create=True)
    try:
        run_id = save_run(store, report, period=period, options=options)
    finally:
        store.close()
    return f"saved run {run_id} (period {period or report.as_of.isoformat()}) to {store.label}"
