"""What every command shares: the option types, the language, the error guard (exit codes),
``--as-of`` and ``--unit`` parsing, and how text reaches standard output or a file.

Exit codes, at this one edge: 0 nothing counted as failed; 1 checks failed (``--fail-on``);
2 the run could not be done (bad usage, unreadable input, bad pack); 3 an internal error (a bug);
130 interrupted.
"""

import io
import json
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lifeservices_cli.errors import UsageError
from lifeservices_cli.i18n import Lang, t

if TYPE_CHECKING:  # rich is imported by the commands that draw a table, not by every run
    from rich.console import RenderableType


IndicatorsOption = Annotated[
    list[Path] | None,
    typer.Option(
        "--indicators", "-i", help="Indicator pack file or folder (repeatable); default: the bundled Baicheng pack."
    ),
]
LangOption = Annotated[
    Lang | None,
    typer.Option(
        "--lang", help="Language of titles and messages (JSON keys stay English). Default: zh, or $LIFESERVICES_LANG."
    ),
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of standard output.")
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", metavar="DATE", help="Apply the rules in force on this day (YYYY-MM-DD; default: today)."),
]

# --------------------------------------------------------------------------- how input is read (check, inspect)

EntityOption = Annotated[
    str | None,
    typer.Option(
        "--entity",
        "-e",
        help="Entity of the records (community, compound, facility); default: detected from the columns.",
    ),
]
EncodingOption = Annotated[
    str | None,
    typer.Option("--encoding", help="Encoding of CSV input (default: detect UTF-8, UTF-8 with BOM, GB18030/GBK)."),
]
SheetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--sheet",
        metavar="NAME",
        help="Sheet to read from workbook input (repeatable; default: every sheet that holds a table of "
        "records, summary sheets such as 汇总 left out).",
    ),
]
HeaderRowsOption = Annotated[
    str | None,
    typer.Option(
        "--header-rows",
        metavar="N|N-M",
        help="The header's row, or first and last rows (1-based), e.g. 3 or 3-4, when it is not found by itself.",
    ),
]
UnitOption = Annotated[
    list[str] | None,
    typer.Option(
        "--unit",
        metavar="FIELD=UNIT",
        help="The unit of a number column whose header states none (repeatable), e.g. --unit total_investment=万元.",
    ),
]


def format_option(*choices: str) -> Any:
    return typer.Option("--format", "-f", help=f"Output format: {' or '.join(choices)}.")


def read_options(
    entity: str | None, encoding: str | None, sheet: list[str] | None, header_rows: str | None, unit: list[str] | None
) -> Any:
    """The reading options of ``check`` and ``inspect`` as the sources' ``Options`` (bad ones: exit 2)."""
    from lifeservices_cli.sources import Options
    from lifeservices_cli.sources.layout import header_rows_option

    return Options(entity, encoding, sheet or None, header_rows_option(header_rows), units(unit or []))


# --------------------------------------------------------------------------- the edge


def lang_of(lang: Lang | None) -> Lang:
    """The language asked for, else ``$LIFESERVICES_LANG`` (``en…`` for English), else Chinese."""
    if lang is not None:
        return lang
    return "en" if os.environ.get("LIFESERVICES_LANG", "zh").lower().startswith("en") else "zh"


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"lifeservices: error: {message}", err=True)
    return typer.Exit(code)


def quiet_broken_pipe() -> typer.Exit:
    """Standard output's reader went away (``| head``): no more output, exit 1, no traceback."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return typer.Exit(1)


@contextmanager
def guard(debug: bool = False, start: bool = True) -> Iterator[None]:
    """Usage errors: one line and exit 2; a full disk or a file-size limit while writing: one line
    naming the file, exit 2; anything unexpected: one line and exit 3; never a traceback (``debug``:
    the traceback too). ``start``: the command's work begins here (see ``interrupts.started``)."""
    import traceback

    from lifeservices_cli.cli import interrupts

    if start:
        interrupts.started()
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except UsageError as exc:
        if debug:
            traceback.print_exc()
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        raise fail("interrupted", 130) from None
    except BrokenPipeError:
        raise quiet_broken_pipe() from None
    except OSError as exc:
        if debug:
            traceback.print_exc()
        raise fail(_disk_error(exc)) from None
    except Exception as exc:  # noqa: BLE001 - the CLI edge: one line, not a traceback
        if debug:
            traceback.print_exc()
        raise fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)", 3) from None


def choose(fmt: str, *choices: str) -> str:
    if fmt not in choices:
        raise UsageError(f"unknown format {fmt!r}; use one of: {', '.join(choices)}")
    return fmt


def width() -> int | None:
    """The width of tables written to a file or a pipe: ``$COLUMNS``, else 160 (None on a terminal)."""
    if sys.stdout.isatty():
        return None
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() else 160


def render(*items: "RenderableType") -> str:
    """Rich renderables as text: colour only on a terminal, width from $COLUMNS otherwise."""
    from rich.console import Console

    tty = sys.stdout.isatty()
    console = Console(
        file=io.StringIO(),
        width=width() or shutil.get_terminal_size().columns,
        force_terminal=tty,
        color_system="auto" if tty else None,
        highlight=False,
        markup=False,
        emoji=False,
    )
    for item in items:
        console.print(item)
    assert isinstance(console.file, io.StringIO)  # rich types its file as IO[str]
    return console.file.getvalue()


def as_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def emit(text: str | bytes, output: Path | None) -> None:
    """Write to ``output`` atomically (temporary file, then rename), or to standard output."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from lifeservices_cli import files

    files.write_atomic(output, data)  # through a device or a pipe; else a temporary file and a rename


def day(text: str | None) -> date | None:
    """``--as-of``'s day; a bad date is a usage error (exit 2)."""
    if text is None:
        return None
    from lifeservices_cli.semantics.dates import as_of_day

    return as_of_day(text)


def units(items: list[str]) -> dict[str, str]:
    """``--unit FIELD=UNIT`` options as a mapping (checked against the packs later)."""
    found: dict[str, str] = {}
    for item in items:
        fname, sep, unit = item.partition("=")
        if not sep or not fname.strip() or not unit.strip():
            raise UsageError(f"--unit {item!r}: expected FIELD=UNIT, e.g. total_investment=万元")
        found[fname.strip()] = unit.strip()
    return found


def load(indicators: Sequence[Path] | None) -> Any:
    from lifeservices_cli.packs.loader import load_packs

    return load_packs(indicators)


def say(key: str, lang: Lang, **params: object) -> str:
    """The command line's own word ``key`` (``cli.KEY`` in the catalogue) in ``lang``."""
    return t("cli." + key, lang, **params)


def _disk_error(exc: OSError) -> str:
    """One line for an OSError raised while writing, naming the temporary folder for its (random) files."""
    import tempfile

    where = os.fsdecode(exc.filename) if exc.filename is not None else None
    scratch = tempfile.gettempdir()
    if where is None or os.path.dirname(os.path.abspath(where)) == os.path.abspath(scratch):
        return f"{scratch}: cannot write a temporary file there (TMPDIR): {exc.strerror or exc}"
    return f"{where}: cannot write: {exc.strerror or exc}"
