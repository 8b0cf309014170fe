"""Where the reports go: the option parsing and writing behind ``check``, so the CLI stays thin.

- ``--format FMT`` (``auto`` by default) is the report on standard output, or in ``--output FILE``.
  ``auto`` is ``github`` when ``GITHUB_ACTIONS=true``, else ``table`` (colour only on a terminal).
- ``--report FMT=PATH`` (repeatable) writes more reports in the same run.

Every problem with these options is a ``UsageError`` raised before any data is read (exit 2).
Files are written atomically: a temporary file beside the target, then a rename, so a failed
or interrupted run never leaves a half-written report.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lifeservices_cli.errors import UsageError
from lifeservices_cli.files import check_writable, special, write_atomic
from lifeservices_cli.render import Format, Options

AUTO = "auto"


@dataclass(frozen=True)
class Target:
    """One report to make: a format and a file (None: standard output)."""

    format: Format
    path: Path | None = None


def _names(auto: bool = True) -> str:
    return ", ".join([AUTO] * auto + [f.value for f in Format])


def resolve_format(text: str, environ: Mapping[str, str]) -> Format:
    """``--format``'s value as a format; ``auto`` is github under GitHub Actions, else table."""
    name = text.strip().lower()
    if name == AUTO:
        return Format.github if environ.get("GITHUB_ACTIONS", "").lower() == "true" else Format.table
    if "," in name:
        raise UsageError(f"--format takes one format, not {text!r}; add more with --report FORMAT=PATH")
    try:
        return Format(name)
    except ValueError:
        raise UsageError(f"unknown format {text!r}; use one of: {_names()}") from None


def parse_report(spec: str) -> Target:
    """``FORMAT=PATH`` → Target (``html=out/report.html``)."""
    name, sep, path = spec.partition("=")
    name = name.strip().lower()
    if not sep or not name or not path:
        raise UsageError(f"bad --report {spec!r}: use FORMAT=PATH, e.g. --report html=report.html")
    if name == AUTO:
        raise UsageError(f"bad --report {spec!r}: 'auto' is for the terminal; name the format")
    try:
        return Target(Format(name), Path(path))
    except ValueError:
        raise UsageError(f"bad --report {spec!r}: unknown format {name!r}; use one of: {_names(auto=False)}") from None


def plan(
    fmt: str,
    output: Path | None,
    reports: Sequence[str],
    environ: Mapping[str, str],
    stdout_is_tty: bool,
    inputs: Sequence[str | Path] = (),
) -> list[Target]:
    """The reports of a run, the one for standard output (or ``--output``) first.

    A report may not be written over one of the ``inputs`` (the data would be lost).
    """
    main = Target(resolve_format(fmt, environ), output)
    targets = [main, *(parse_report(spec) for spec in reports)]
    if main.format.binary and output is None and stdout_is_tty:
        raise UsageError(f"{main.format.value} is a binary format: use --output FILE or --report {main.format}=FILE")
    seen: dict[Path, str] = {}
    for target in targets:
        if target.path is None:
            continue
        check_writable(target.path)
        if any(_same_file(target.path, Path(source)) for source in inputs):
            raise UsageError("is one of the inputs; the report would overwrite it", target.path)
        key = target.path.resolve()
        if key in seen:
            raise UsageError(f"two reports would write the same file ({seen[key]} and {target.format})", target.path)
        seen[key] = target.format.value
    return targets


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (through links too); False when either does not exist."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


#: Formats that hold every result: the one a cut format (sarif, github, junit) names as the full report.
FULL = ("json", "ndjson", "parquet", "csv", "xlsx")


def full_report(targets: Sequence[Target]) -> str | None:
    """The file of the run's first report that holds every result (None: no such report)."""
    for name in FULL:
        for target in targets:
            if target.path is not None and target.format.value == name:
                return target.path.as_posix()
    return None


def step_summary(targets: Sequence[Target], environ: Mapping[str, str]) -> Path | None:
    """``$GITHUB_STEP_SUMMARY`` when a github report is made and no ``--report`` writes there already."""
    name = environ.get("GITHUB_STEP_SUMMARY", "")
    if not name or not any(t.format.value == "github" for t in targets):
        return None
    path = Path(name)
    if any(t.path is not None and _same_path(t.path, path) for t in targets):
        return None
    return path


def _same_path(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def append(path: Path, data: str | bytes) -> None:
    """Add ``data`` at the end of ``path`` (the job summary is shared by the steps of a job)."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with open(path, "ab") as fh:
            fh.write(payload)
    except OSError as exc:
        raise UsageError(f"cannot write the job summary: {exc.strerror or exc}", path) from None


def deliver(
    report: Any,
    targets: Sequence[Target],
    given: Options,
    environ: Mapping[str, str],
) -> None:
    """Render every target of ``report`` (all before any is written), then write the files and
    standard output: streamed formats from the result store, formats that write their own file
    at write time, the rest atomically; under GitHub Actions the Markdown job summary too.
    ``given``: the options of every format (colour and width apply to the terminal table only)."""
    import importlib
    from dataclasses import replace
    from functools import partial

    from lifeservices_cli.render import FORMATS

    rendered: list[tuple[Target, Any]] = []
    full = full_report(targets)
    for target in targets:  # render everything before writing anything
        terminal = target.path is None and target.format is Format.table
        spec = FORMATS[target.format]
        if spec.streams:  # streamed from the result store: never one huge string
            module = importlib.import_module(f"lifeservices_cli.render.{spec.module}")
            rendered.append((target, partial(module.write, report)))
            continue
        options = replace(
            given, color=terminal and given.color, width=given.width if terminal else None, full_report=full
        )
        # it writes its file itself, at write time (a device or a pipe gets the rendered bytes written through)
        if spec.writes_files and target.path is not None and not special(target.path):
            module = importlib.import_module(f"lifeservices_cli.render.{spec.module}")
            rendered.append((target, partial(module.write_file, report, **target.format.options(options))))
            continue
        rendered.append((target, target.format.render(report, options)))
    summary = step_summary(targets, environ)
    if summary is not None:  # under GitHub Actions: the full table in the job summary
        rendered.append((Target(Format.markdown, summary), Format.markdown.render(report, Options())))
    for target, data in rendered:
        if target.path is not None and target.format is Format.json:
            write_json(report, target.path)
        elif target.path is not None and FORMATS[target.format].writes_files and callable(data):
            data(target.path)
        elif target.path is not None and target.path == summary:
            append(target.path, data)
        elif target.path is not None:
            write_atomic(target.path, data)
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


def write_json(report: Any, target: Path) -> None:
    """The JSON report into ``target``: in place when the results were spooled in its folder,
    else streamed through a temporary file and a rename. ``UsageError`` when it cannot be written."""
    from lifeservices_cli.render import json as json_report

    check_writable(target)
    try:
        if not special(target) and json_report.write_in_place(report, target):
            return
    except OSError as exc:
        raise UsageError(f"cannot write the output: {exc.strerror or exc}", target) from None
    write_atomic(target, lambda out: json_report.write(report, out))
