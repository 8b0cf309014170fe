"""``lifeservices check``: parse the options, call the pipeline, render every report, deliver them.

Exit codes: 0 nothing counted as failed; 1 checks failed (see ``--fail-on``); 2 the run
could not be done (bad usage, unreadable file, bad pack, unknown entity); 3 an internal
error (a bug: please report it with ``--debug`` output).
"""

import contextlib
import functools
import os
import stat
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lifeservices_cli.cli import common
from lifeservices_cli.cli.common import (
    AsOfOption,
    EncodingOption,
    EntityOption,
    HeaderRowsOption,
    IndicatorsOption,
    LangOption,
    SheetOption,
    UnitOption,
)
from lifeservices_cli.engine.results import FailOn
from lifeservices_cli.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Callable

    from lifeservices_cli.i18n import Lang


#: Said when a stop comes while ``--save`` stores the run: the reports were written before it.
SAVE_STOPPED = (
    "lifeservices: stopped while saving the run: the reports were written; "
    "`lifeservices history` lists the run only if it was saved"
)


def stopped_after(written: list[Path], targets: list[Any]) -> str:
    """Said when a stop comes while the reports are being written and some are whole already."""
    names = ", ".join(str(path) for path in written)
    missing = [str(t.path) for t in targets if t.path is not None and t.path not in written]
    if not missing:
        return f"lifeservices: stopped after the reports were written: {names}"
    return f"lifeservices: stopped while writing the reports: written: {names}; not written: {', '.join(missing)}"


def _deliver(
    report: Any, targets: list[Any], shown_as: Any, lines: list[str], save_run: "Callable[[], str] | None"
) -> None:
    """Write the reports, say ``lines``, then save the run (``save_run``). A stop on the way says
    what was out already before "interrupted"; once all is done, a stop changes nothing."""
    from lifeservices_cli import outputs
    from lifeservices_cli.cli import interrupts

    before = {t.path: _stamp(t.path) for t in targets if t.path is not None}
    saving = False
    try:
        outputs.deliver(report, targets, shown_as, os.environ)
        for line in lines:
            typer.echo(line, err=True)
        if save_run is not None:
            saving = True
            saved = save_run()
            saving = False  # saved: a stop from here on is after everything
            typer.echo(saved, err=True)
        interrupts.finished()  # every report is out: the exit code stays the check's
    except interrupts.Interrupted:
        # every report is renamed into place whole: one whose file changed was written
        written = [path for path, stamp in before.items() if _stamp(path) != stamp]
        said = SAVE_STOPPED if saving else stopped_after(written, targets) if written else None
        if said is not None:
            with contextlib.suppress(OSError):  # a closed stderr: the stop still goes through
                typer.echo(said, err=True)
        raise


def _stamp(path: Path) -> tuple[int, int] | None:
    """What tells a file replaced by a rename (None: no such file, or not a regular file)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else None


def _rows_while_checking(targets: list[Any], listing: str, csv_encoding: str) -> bool:
    """Whether a large run makes its CSV's rows while it checks (``render.csvlines``): a CSV report
    that lists every record, in UTF-8."""
    from lifeservices_cli.render import Format

    return listing == "all" and csv_encoding in ("utf-8", "utf-8-sig") and any(t.format is Format.csv for t in targets)


class By(StrEnum):
    indicator = "indicator"
    district = "district"
    department = "department"


class Results(StrEnum):
    all = "all"
    problems = "problems"
    none = "none"


def _note_split(report: Any, targets: list[Any], lang: "Lang") -> None:
    """Say on stderr when an xlsx report's results go on over several sheets (Excel's row limit)."""
    from lifeservices_cli.render import Format

    if not any(t.format is Format.xlsx for t in targets) or report.listing != "all":
        return  # with --results problems|none the summary sheet alone says whether the results went on
    from lifeservices_cli.i18n import w
    from lifeservices_cli.render.xlsx import EXCEL_ROWS, sheets_needed  # xlsxwriter: only for an xlsx report

    parts = sheets_needed(report.summary()["records"])
    if parts > 1:
        typer.echo(w("xlsx_split", lang, sheet=w("results", lang), rows=EXCEL_ROWS, parts=parts), err=True)


def check(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Data files: .csv/.tsv (UTF-8 or GBK/GB18030), .xlsx, .yaml/.yml, .json.", show_default=False
        ),
    ],
    entity: EntityOption = None,
    indicators: IndicatorsOption = None,
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
    lang: LangOption = None,
    fail_on: Annotated[
        FailOn,
        typer.Option(
            "--fail-on",
            help="What makes the exit code 1: any (fail, invalid or missing data), fail (only fail), never.",
        ),
    ] = "any",
    encoding: EncodingOption = None,
    csv_encoding: Annotated[
        str,
        typer.Option("--csv-encoding", help="Encoding of the CSV report: utf-8-sig (UTF-8 with BOM), utf-8, gb18030."),
    ] = "utf-8-sig",
    sheet: SheetOption = None,
    header_rows: HeaderRowsOption = None,
    unit: UnitOption = None,
    as_of: AsOfOption = None,
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
    from lifeservices_cli import api, files, outputs
    from lifeservices_cli.cli import history as monitoring
    from lifeservices_cli.cli import interrupts, progress
    from lifeservices_cli.render import Format, Options, View
    from lifeservices_cli.render.csv import check_encoding

    language = common.lang_of(lang)
    tty = sys.stdout.isatty()
    outcome = None
    with common.guard(debug, start=False):
        if period is not None and not save:
            raise UsageError("--period labels a saved run: add --save")
        targets = outputs.plan(fmt, output, reports or [], os.environ, tty, inputs=[*paths, *(indicators or [])])
        csv_encoding = check_encoding(csv_encoding)  # bad options stop the run before any data is read
        day = common.day(as_of)
        reading = common.read_options(entity, encoding, sheet, header_rows, unit)
        packset = api.load_packs(indicators, only=only or (), skip=skip or (), settings=settings or ())
        interrupts.started()  # the data may be large: collect garbage from here on
        json_files = [t.path for t in targets if t.format is Format.json and t.path and not files.special(t.path)]
        with progress.bar(paths, sys.stderr, language) as shown:
            report = api.check_files(
                paths,
                packs=packset,
                entity=reading.entity,
                encoding=reading.encoding,
                sheet=reading.sheets,
                header_rows=reading.header_rows,
                units=reading.units,
                lang=language,
                as_of=day,
                spool_folder=json_files[0].parent if json_files else None,  # that report: no copy of the results
                progress=shown,
                # a CSV of every record: its rows made while checking (a large run reads nothing twice)
                prepare=["csv"] if _rows_while_checking(targets, results.value, csv_encoding) else [],
            )
        report.listing = results.value
        if baseline is not None:
            outcome = monitoring.check_baseline(report, baseline, history, fail_on)
        view = View(by.value) if by else None
        shown_as = Options(by=view, csv_encoding=csv_encoding, color=tty, width=common.width())
        _note_split(report, targets, language)
        save_run = None
        if save:
            options = {
                "entity": entity,
                "sheet": sheet,
                "encoding": encoding,
                "only": only,
                "skip": skip,
                "header_rows": header_rows,
                "unit": unit,
            }
            save_run = functools.partial(monitoring.check_save, report, history, period, options)
        _deliver(report, targets, shown_as, monitoring.baseline_lines(outcome) if outcome is not None else [], save_run)

    if outcome is not None:
        raise typer.Exit(1 if outcome.new else 0)
    raise typer.Exit(report.exit_code(fail_on))
