"""The progress bar of long checks: rich, on standard error, only when that is a terminal.

A run over small files, or whose standard error goes to a file or a pipe (CI logs), shows
nothing: no bar, no escape codes. The bar goes away when the check is done.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from lifeservices_cli.i18n import Lang, t

#: Inputs smaller than this in all are checked before a bar would be worth drawing.
MIN_BYTES = 4 << 20


def _size(paths: Sequence[str | Path]) -> int:
    total = 0
    for path in paths:
        try:
            total += os.stat(path).st_size
        except OSError:  # the check reports it
            pass
    return total


@contextmanager
def bar(paths: Sequence[str | Path], stream: TextIO, lang: Lang = "zh") -> Iterator[Callable[[float], None] | None]:
    """A callback taking the share of the input checked (0 to 1), or None when no bar is shown."""
    if not stream.isatty() or _size(paths) < MIN_BYTES:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

    console = Console(file=stream, stderr=True)
    columns = (TextColumn(t("cli.progress.checking", lang)), BarColumn(), TaskProgressColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("check", total=1.0)
        yield lambda share: progress.update(task, completed=min(max(share, 0.0), 1.0))
