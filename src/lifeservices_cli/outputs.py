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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from lifeservices_cli.errors import UsageError
from lifeservices_cli.render import Format

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


def check_writable(path: Path) -> None:
    """Fail early, with the path, when a report cannot be written there."""
    if path.is_dir():
        raise UsageError("is a folder; give a file name for the report", path)
    folder = path.parent
    if not folder.is_dir():
        raise UsageError("the folder for the output does not exist", path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError("cannot write to the folder of the output (permission denied)", path)


def write_atomic(path: Path, data: str | bytes | Callable[[IO[str]], None]) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename (UTF-8 for text).

    ``data`` may also be a writer that streams text into the file it is given.
    """
    check_writable(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if callable(data):
            with open(tmp, "w", encoding="utf-8", newline="\n") as text:
                data(text)
                text.flush()
                os.fsync(text.fileno())
        else:
            payload = data.encode("utf-8") if isinstance(data, str) else data
            with open(tmp, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UsageError(f"cannot write the output: {exc.strerror or exc}", path) from None
    except BaseException:  # interrupted: leave nothing behind
        tmp.unlink(missing_ok=True)
        raise


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
