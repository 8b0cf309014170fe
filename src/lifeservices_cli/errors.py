"""The one exception that reaches the CLI edge: the run cannot go on (exit 2)."""

from __future__ import annotations

from pathlib import Path


class UsageError(Exception):
    """Bad input that stops the run: a file that cannot be read, a bad pack, an unknown entity.

    ``str()`` is the one line the user sees: ``path:line: message`` where known.
    """

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        where = self.path or ""
        if where and self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.message}" if where else self.message
