"""The command line: parse options, call the pipeline, render, map errors to exit codes.

Exit codes: 0 nothing counted as failed; 1 checks failed (see ``--fail-on``); 2 the run
could not be done (bad usage, unreadable file, bad pack, unknown entity); 3 an internal
error (a bug: please report it with ``--debug`` output).
"""

import os
import sys
import traceback
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from lifeservices_cli import __version__
from lifeservices_cli.errors import UsageError

app = typer.Typer(
    name="lifeservices",
    help="Check planning data against the Baicheng 2022 life-services action plan (白发改社联字〔2022〕323号).",
    context_settings={"help_option_names": ["-h", "--help"]},
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Lang(StrEnum):
    zh = "zh"
    en = "en"


class By(StrEnum):
    indicator = "indicator"
    district = "district"
    department = "department"


class Results(StrEnum):
    all = "all"
    problems = "problems"
    none = "none"


class FailOn(StrEnum):
    any = "any"
    fail = "fail"
    never = "never"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lifeservices {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Check planning data against the Baicheng 2022 life-services action plan (白发改社联字〔2022〕323号)."""


def _default_lang() -> Lang:
    return Lang.en if os.environ.get("LIFESERVICES_LANG", "zh").lower().startswith("en") else Lang.zh


def _note_split(report: Any, targets: list[Any], lang: str) -> None:
    """Say on stderr when an xlsx report's results go on over several sheets (Excel's row limit)."""
    from lifeservices_cli.render import Format

    if not any(t.format is Format.xlsx for t in targets) or report.listing != "all":
        return  # with --results problems|none the summary sheet alone says whether the results went on
    from lifeservices_cli.render.words import w
    from lifeservices_cli.render.xlsx import EXCEL_ROWS, sheets_needed  # xlsxwriter: only for an xlsx report

    parts = sheets_needed(report.summary()["records"])
    if parts > 1:
        typer.echo(w("xlsx_split", lang, sheet=w("sheet_results", lang), rows=EXCEL_ROWS, parts=parts), err=True)  # type: ignore[arg-type]


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"lifeservices: error: {message}", err=True)
    return typer.Exit(code)


@app.command()
def check(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Data files: .csv/.tsv (UTF-8 or GBK/GB18030), .xlsx, .yaml/.yml, .json.", show_default=False
        ),
    ],
    entity: Annotated[
        str | None,
        typer.Option(
            "--entity",
            "-e",
            help="Entity of the records (community, compound, facility); default: detected from the columns.",
        ),
    ] = None,
    indicators: Annotated[
        list[Path] | None,
        typer.Option(
            "--indicators", "-i", help="Indicator pack file or folder (repeatable); default: the bundled Baicheng pack."
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="Report on standard output (or --output): auto, table, json, ndjson, csv, parquet, xlsx, junit, "
            "sarif, github, markdown, html. auto: github when GITHUB_ACTIONS=true, else table.",
        ),
    ] = "auto",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the --format report to this file instead.")
    ] = None,
    reports: Annotated[
        list[str] | None,
        typer.Option(
            "--report",
            "-r",
            metavar="FORMAT=PATH",
            help="Also write a report in FORMAT to PATH (repeatable), e.g. --report html=out/report.html.",
        ),
    ] = None,
    by: Annotated[
        By | None,
        typer.Option(
            "--by",
            help="Group problems by indicator (default), district or department (table, markdown, html, xlsx).",
        ),
    ] = None,
    results: Annotated[
        Results,
        typer.Option(
            "--results",
            help="Which results of records every report lists: all, problems (fail, invalid or missing data: "
            "passes and not-applicable left out) or none. The counts and the aggregates stay complete.",
        ),
    ] = Results.all,
    lang: Annotated[
        Lang,
        typer.Option(
            "--lang",
            help="Language of titles and messages (JSON keys stay English). Default: zh, or $LIFESERVICES_LANG.",
        ),
    ] = None,  # type: ignore[assignment]
    fail_on: Annotated[
        FailOn,
        typer.Option(
            "--fail-on",
            help="What makes the exit code 1: any (fail, invalid or missing data), fail (only fail), never.",
        ),
    ] = FailOn.any,
    encoding: Annotated[
        str | None,
        typer.Option("--encoding", help="Encoding of CSV input (default: detect UTF-8, UTF-8 with BOM, GB18030/GBK)."),
    ] = None,
    csv_encoding: Annotated[
        str,
        typer.Option("--csv-encoding", help="Encoding of the CSV report: utf-8-sig (UTF-8 with BOM), utf-8, gb18030."),
    ] = "utf-8-sig",
    sheet: Annotated[
        list[str] | None,
        typer.Option(
            "--sheet",
            metavar="NAME",
            help="Sheet to read from workbook input (repeatable; default: every sheet that holds a table of "
            "records, summary sheets such as 汇总 left out).",
        ),
    ] = None,
    header_rows: Annotated[
        str | None,
        typer.Option(
            "--header-rows",
            metavar="N|N-M",
            help="The header's row, or first and last rows (1-based), e.g. 3 or 3-4, when it is not found by itself.",
        ),
    ] = None,
    unit: Annotated[
        list[str] | None,
        typer.Option(
            "--unit",
            metavar="FIELD=UNIT",
            help="The unit of a number column whose header states none (repeatable), "
            "e.g. --unit total_investment=万元.",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", metavar="DATE", help="Apply the rules in force on this day (YYYY-MM-DD; default: today)."
        ),
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", metavar="ID", help="Check only this indicator (repeatable).")
    ] = None,
    skip: Annotated[
        list[str] | None, typer.Option("--skip", metavar="ID", help="Skip this indicator (repeatable).")
    ] = None,
    settings: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="ID.threshold=V|PARAM=V",
            help="Change a threshold or parameter for this run (repeatable), e.g. --set "
            "new-community-facility-area.threshold=600; the report lists every setting.",
        ),
    ] = None,
    save: Annotated[bool, typer.Option("--save", help="Save this run in the history store (see history).")] = False,
    period: Annotated[
        str | None, typer.Option("--period", metavar="LABEL", help="With --save: the period (default: --as-of).")
    ] = None,
    history: Annotated[
        str | None,
        typer.Option("--history", metavar="URL", help="History store (path, sqlite:///…, postgresql://…)."),
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            metavar="REPORT.json|RUN",
            help="Problems already in this report or saved run are known: only new ones decide the exit code.",
        ),
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of internal errors.")] = False,
) -> None:
    """Check data files against the indicator packs and report pass/fail per record and per district."""
    import importlib
    from functools import partial

    from lifeservices_cli import api, interrupts, outputs, progress
    from lifeservices_cli.render import FORMATS, Format, Options, View
    from lifeservices_cli.render.csv import check_encoding

    language = (lang or _default_lang()).value
    tty = sys.stdout.isatty()
    outcome = None
    try:
        if period is not None and not save:
            raise UsageError("--period labels a saved run: add --save")
        targets = outputs.plan(fmt, output, reports or [], os.environ, tty, inputs=[*paths, *(indicators or [])])
        csv_encoding = check_encoding(csv_encoding)  # bad options stop the run before any data is read
        day = _day(as_of)
        from lifeservices_cli.sources.layout import header_rows_option

        rows = header_rows_option(header_rows)
        units = _units(unit or [])
        packset = api.load_packs(indicators, only=only or (), skip=skip or (), settings=settings or ())
        interrupts.started()  # the data may be large: collect garbage from here on
        json_files = [t.path for t in targets if t.format is Format.json and t.path and not outputs.special(t.path)]
        with progress.bar(paths, sys.stderr, language) as shown:
            report = api.check_files(
                paths,
                packs=packset,
                entity=entity,
                encoding=encoding,
                sheet=sheet or None,
                header_rows=rows,
                units=units,
                lang=language,  # type: ignore[arg-type]
                as_of=day,
                spool_folder=json_files[0].parent if json_files else None,  # that report: no copy of the results
                progress=shown,
            )
        report.listing = results.value  # type: ignore[assignment]
        if baseline is not None:
            outcome = cli_history.check_baseline(report, baseline, history, fail_on.value)
        rendered: list[tuple[outputs.Target, Any]] = []
        full = outputs.full_report(targets)
        for target in targets:  # render everything before writing anything
            terminal = target.path is None and target.format is Format.table
            spec = FORMATS[target.format]
            if spec.streams:  # streamed from the result store: never one huge string
                module = importlib.import_module(f"lifeservices_cli.render.{spec.module}")
                rendered.append((target, partial(module.write, report)))
                continue
            options = Options(
                by=View(by.value) if by else None,
                csv_encoding=csv_encoding,
                color=terminal and tty,
                width=_width() if terminal else None,
                full_report=full,
            )
            if spec.writes_files and target.path is not None:  # it writes its file itself, at write time
                module = importlib.import_module(f"lifeservices_cli.render.{spec.module}")
                rendered.append((target, partial(module.write_file, report, **target.format.options(options))))
                continue
            rendered.append((target, target.format.render(report, options)))
        _note_split(report, targets, language)
        summary = outputs.step_summary(targets, os.environ)
        if summary is not None:  # under GitHub Actions: the full table in the job summary
            rendered.append((outputs.Target(Format.markdown, summary), Format.markdown.render(report, Options())))
        for target, data in rendered:
            if target.path is not None and target.format is Format.json:
                api.write_json(report, target.path)
            elif target.path is not None and FORMATS[target.format].writes_files:
                data(target.path)
            elif target.path is not None and target.path == summary:
                outputs.append(target.path, data)
            elif target.path is not None:
                outputs.write_atomic(target.path, data)
        for target, data in rendered:
            if target.path is None:
                if callable(data):
                    data(sys.stdout)
                elif isinstance(data, bytes):
                    sys.stdout.flush()
                    sys.stdout.buffer.write(data)
                else:
                    sys.stdout.write(data)
        sys.stdout.flush()
        for line in cli_history.baseline_lines(outcome) if outcome is not None else []:
            typer.echo(line, err=True)
        if save:
            options = {"entity": entity, "sheet": sheet, "encoding": encoding, "only": only, "skip": skip,
                       "header_rows": header_rows, "unit": unit}
            typer.echo(cli_history.check_save(report, history, period, options), err=True)
    except UsageError as exc:
        if debug:
            traceback.print_exc()
        raise _fail(str(exc)) from None
    except KeyboardInterrupt:
        raise _fail("interrupted", 130) from None
    except BrokenPipeError:
        _quiet_broken_pipe()
    except OSError as exc:  # a full disk or a file-size limit while a report or its spool was being made
        if debug:
            traceback.print_exc()
        raise _fail(_disk_error(exc)) from None
    except Exception as exc:  # noqa: BLE001 - the CLI edge: one line, not a traceback
        if debug:
            traceback.print_exc()
        raise _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)", 3) from None
    if outcome is not None:
        raise typer.Exit(1 if outcome.new else 0)
    raise typer.Exit(report.exit_code(fail_on.value))  # type: ignore[arg-type]


def _disk_error(exc: OSError) -> str:
    """One line for an OSError raised while writing, naming the temporary folder for its (random) files."""
    import tempfile

    where = os.fsdecode(exc.filename) if exc.filename is not None else None
    scratch = tempfile.gettempdir()
    if where is None or os.path.dirname(os.path.abspath(where)) == os.path.abspath(scratch):
        return f"{scratch}: cannot write a temporary file there (TMPDIR): {exc.strerror or exc}"
    return f"{where}: cannot write: {exc.strerror or exc}"


def _units(items: list[str]) -> dict[str, str]:
    """``--unit FIELD=UNIT`` options as a mapping (checked against the packs later)."""
    found: dict[str, str] = {}
    for item in items:
        fname, sep, unit = item.partition("=")
        if not sep or not fname.strip() or not unit.strip():
            raise UsageError(f"--unit {item!r}: expected FIELD=UNIT, e.g. total_investment=万元")
        found[fname.strip()] = unit.strip()
    return found


def _day(text: str | None) -> date | None:
    """``--as-of``'s day; a bad date is a usage error (exit 2)."""
    if text is None:
        return None
    from lifeservices_cli.dates import parse_date

    day = parse_date(text)
    if day is None:
        raise UsageError(f"--as-of {text!r} is not a date; use YYYY-MM-DD, e.g. 2024-06-30")
    return day


def _width() -> int | None:
    if sys.stdout.isatty():
        return None
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() else 160


def _quiet_broken_pipe() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise typer.Exit(1)


def main() -> None:
    """Run the command line; Ctrl-C exits 130 with one line (the ``lifeservices`` command starts in
    ``__main__``, which handles Ctrl-C before this module is even imported)."""
    from lifeservices_cli import interrupts

    interrupts.run(app)


from lifeservices_cli import cli_history, cli_inspect, cli_pack  # noqa: E402,F401 - they register their commands
