"""Writing files the one safe way: a temporary file beside the target, flushed to disk, then a
rename — so a failed or interrupted run never leaves a half-written file — and devices or pipes
(``/dev/stdout``, a FIFO) written through as they stand. Every report, spool and export goes here.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from lifeservices_cli.errors import UsageError


def special(path: Path) -> bool:
    """Whether ``path`` is there and is not a regular file: a device (``/dev/null``), a named pipe,
    a terminal, standard output (``/dev/stdout``, ``/dev/fd/1``). Such a target is written
    through, never replaced by a rename, and no temporary file or spool goes beside it."""
    if os.path.abspath(path).startswith(("/dev/", "/proc/")):  # never a temporary file and a rename in there
        return True
    try:
        found = os.stat(path)
    except (OSError, ValueError):
        return False
    if not stat.S_ISREG(found.st_mode):
        return not stat.S_ISDIR(found.st_mode)
    return any(_is_fd(found, fd) for fd in (1, 2))  # a link to standard output that is a regular file


def _is_fd(found: os.stat_result, fd: int) -> bool:
    try:
        return os.path.samestat(found, os.fstat(fd))
    except OSError:
        return False


def write_through(path: Path, data: str | bytes | Callable[[IO[str]], None]) -> None:
    """Write ``data`` into the existing non-regular file ``path`` (see ``special``), as it stands.

    Standard output itself is written to directly (``/dev/stdout`` may be a file opened for appending).
    """
    try:
        same = os.path.samestat(os.stat(path), os.fstat(sys.stdout.fileno()))
    except (OSError, ValueError, AttributeError):
        same = False
    if not same and not os.path.exists(path):
        raise UsageError("cannot write the output: no such device or file", path)
    try:
        if same:
            sys.stdout.flush()
            fh = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
        else:
            fh = open(path, "wb")  # noqa: SIM115 - a device or a pipe: opened without creating or renaming
        with fh:
            if callable(data):
                text = io.TextIOWrapper(fh, encoding="utf-8", newline="\n")
                data(text)
                text.flush()
                text.detach()  # ``fh`` is closed by its own ``with``
            else:
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise UsageError(f"cannot write the output: {exc.strerror or exc}", path) from None


def check_writable(path: Path) -> None:
    """Fail early, with the path, when a report cannot be written there."""
    if path.is_dir():
        raise UsageError("is a folder; give a file name for the report", path)
    if special(path):
        if not os.access(path, os.W_OK):
            raise UsageError("cannot write the output (permission denied)", path)
        return
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
    if special(path):
        write_through(path, data)
        return
    try:
        with atomic(path) as fh:
            if callable(data):
                text = io.TextIOWrapper(fh, encoding="utf-8", newline="\n")
                data(text)
                text.flush()
                text.detach()  # ``fh`` is flushed, synced and closed by ``atomic``
            else:
                fh.write(data.encode("utf-8") if isinstance(data, str) else data)
    except OSError as exc:
        raise UsageError(f"cannot write the output: {exc.strerror or exc}", path) from None


@contextmanager
def atomic(path: Path) -> Iterator[IO[bytes]]:
    """A binary file that becomes ``path`` when the block ends well (flushed, synced, renamed
    over it) and is removed when it does not, whatever stopped it."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
