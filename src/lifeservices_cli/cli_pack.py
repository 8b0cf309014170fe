"""The pack-authoring commands: ``template`` and ``schema``.

They decorate the ``app`` of ``cli.py`` (which imports this module on its last line). Each is
a thin shell over ``authoring/``: parse options, call one function, render a rich table or
JSON, map errors to exit codes (2: bad usage or unreadable input, one line on stderr; 3: a bug).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, RenderableType

from lifeservices_cli.cli import app
from lifeservices_cli.errors import UsageError


class Lang(StrEnum):
    zh = "zh"
    en = "en"


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


def _format_option(*choices: str) -> Any:
    return typer.Option("--format", "-f", help=f"Output format: {' or '.join(choices)}.")


# --------------------------------------------------------------------------- shared plumbing


def _lang(lang: Lang | None) -> str:
    if lang is not None:
        return lang.value
    return "en" if os.environ.get("LIFESERVICES_LANG", "zh").lower().startswith("en") else "zh"


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"lifeservices: error: {message}", err=True)
    return typer.Exit(code)


@contextmanager
def _guard() -> Iterator[None]:
    """Usage errors: one line and exit 2; anything unexpected: one line and exit 3; never a traceback."""
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except UsageError as exc:
        raise _fail(str(exc)) from None
    except KeyboardInterrupt:
        raise _fail("interrupted", 130) from None
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(1) from None
    except Exception as exc:  # noqa: BLE001 - the CLI edge: one line, not a traceback
        raise _fail(f"internal error: {type(exc).__name__}: {exc} (please report it)", 3) from None


def _choose(fmt: str, *choices: str) -> str:
    if fmt not in choices:
        raise UsageError(f"unknown format {fmt!r}; use one of: {', '.join(choices)}")
    return fmt


def _width() -> int | None:
    if sys.stdout.isatty():
        return None
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() else 160


def _render(*items: RenderableType) -> str:
    """Rich renderables as text: colour only on a terminal, width from $COLUMNS otherwise."""
    tty = sys.stdout.isatty()
    console = Console(
        file=io.StringIO(),
        width=_width() or shutil.get_terminal_size().columns,
        force_terminal=tty,
        color_system="auto" if tty else None,
        highlight=False,
        markup=False,
        emoji=False,
    )
    for item in items:
        console.print(item)
    return console.file.getvalue()  # type: ignore[attr-defined]


def _json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _emit(text: str | bytes, output: Path | None) -> None:
    """Write to ``output`` atomically (temporary file, then rename), or to standard output."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    if not output.parent.is_dir():
        raise UsageError("the folder for the output does not exist", output)
    tmp = output.with_name(f".{output.name}.tmp-{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write the output: {exc.strerror or exc}", output) from None


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    from lifeservices_cli.dates import parse_date

    when = parse_date(text)
    if when is None:
        raise UsageError(f"--as-of {text!r} is not a date; write it as YYYY-MM-DD")
    return when


def _load(indicators: Sequence[Path] | None) -> Any:
    from lifeservices_cli.packs import load_packs

    return load_packs(indicators)


def _words(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


# --------------------------------------------------------------------------- template


@app.command()
def template(
    entity: Annotated[str, typer.Argument(help="The entity: community, compound, facility, ... (see the pack).")],
    indicators: IndicatorsOption = None,
    lang: LangOption = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write file.csv or file.xlsx; default: the CSV on standard output."),
    ] = None,
) -> None:
    """An empty data-entry sheet with the entity's headers, units included (CSV is UTF-8 with BOM)."""
    from lifeservices_cli.authoring.template import entity_of, template_bytes

    language = _lang(lang)
    with _guard():
        chosen = entity_of(_load(indicators), entity)
        _emit(template_bytes(chosen, language, output), output)  # type: ignore[arg-type]
        if output is not None:
            count = len(chosen.spec.fields)
            typer.echo(
                _words(language, f"已写入 {output}（{count} 列）", f"wrote {output} ({count} columns)"), err=True
            )


# --------------------------------------------------------------------------- schema


@app.command()
def schema(
    name: Annotated[
        str,
        typer.Argument(help="pack (pack files), tests (<pack>.tests.yaml files) or an entity (its YAML/JSON data)."),
    ] = "pack",
    indicators: IndicatorsOption = None,
    lang: LangOption = None,
    output: OutputOption = None,
) -> None:
    """JSON Schema for pack files, pack test files or an entity's YAML/JSON data, for editors."""
    from lifeservices_cli.authoring.schema import SPECIAL, schema_for

    language = _lang(lang)
    with _guard():
        packset = None if name in SPECIAL else _load(indicators)
        from lifeservices_cli.packs import PackSet

        data = schema_for(packset or PackSet(), name, language)  # type: ignore[arg-type]
        _emit(_json(data), output)
