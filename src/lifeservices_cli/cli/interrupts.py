"""Ctrl-C (SIGINT): exit 130 with one line on standard error, whatever the program was doing,
and leave no partial file behind.

Python turns SIGINT into ``KeyboardInterrupt``, which click reports as "Aborted!" with exit 1,
and which escapes as a traceback while modules are still being imported. The entry points
install ``_handler`` first thing instead: it raises ``Interrupted``, a ``BaseException`` that
click, typer and the commands' ``except Exception`` blocks let through, so the stack unwinds —
``finally`` blocks run and ``files.write_atomic`` removes its temporary file — up to
``run``, which prints the line and exits 130. A second Ctrl-C is ignored while that happens,
so the clean-up itself is never cut short.

``kill`` (SIGTERM) and a closed terminal (SIGHUP) unwind the same way and exit 143 and 129
(128 + the signal, as shells report it) with "terminated", so a large run's result spool in
the report's folder is removed then too.

Only imports ``gc``, ``_signal`` and ``sys``: it must be in place before anything slow is imported
(``signal`` builds its enums first, ``collections.abc`` is not needed at run time).

The entry points also turn the cyclic garbage collector off while the program starts (typer,
pydantic and the pack build tens of thousands of long-lived objects, and collecting them over
and over is wasted time) and back on with ``started`` once the real work begins; see there.
"""

from __future__ import annotations

import _signal as signal  # the C module ``signal`` wraps: the same functions, plain numbers
import gc
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

EXIT_CODE = 130  # 128 + SIGINT, what shells report for a program stopped by Ctrl-C
MESSAGE = "lifeservices: error: interrupted"
TERMINATED = "lifeservices: error: terminated"
_STOPS = ("SIGINT", "SIGTERM", "SIGHUP")


class Interrupted(BaseException):
    """Ctrl-C, raised by the SIGINT handler in place of ``KeyboardInterrupt`` (or SIGTERM/SIGHUP)."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signum)
        self.signum = signum


def _ignore() -> None:
    for name in _STOPS:
        number = getattr(signal, name, None)
        if number is not None:
            signal.signal(number, signal.SIG_IGN)


def _handler(signum: int, frame: object) -> None:
    _ignore()  # the clean-up on the way out is not interrupted
    raise Interrupted(signum)


_over = False  # the command has returned: a late stop changes nothing


def _unraisable(info: sys.UnraisableHookArgs) -> None:
    """A stop raised where Python cannot pass it on — a finaliser (``__del__``, a weak reference's
    callback such as the one of a thread pool being freed, a generator closed by the collector) —
    is printed as "Exception ignored in ..." with a traceback and dropped, and the program would
    go on with signals ignored. Instead it is sent again, from another thread so that it is not
    handled in here, and raised where the program is next."""
    stop = getattr(info, "exc_value", None)
    if not isinstance(stop, (Interrupted, KeyboardInterrupt)):
        sys.__unraisablehook__(info)
        return
    if _over:
        return
    import _thread
    import os

    signum = getattr(stop, "signum", signal.SIGINT)
    signal.signal(signum, _handler)
    _thread.start_new_thread(os.kill, (os.getpid(), signum))


def install() -> None:
    """Handle Ctrl-C, SIGTERM and SIGHUP from now on (unless ignored, e.g. SIGINT in a background job)."""
    sys.unraisablehook = _unraisable
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _handler)
    for name in _STOPS[1:]:
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) == signal.SIG_DFL:
            signal.signal(number, _handler)


def run(main: Callable[[], object]) -> None:
    """Call ``main`` with the handler installed; an interruption exits 130 with one line."""
    install()
    try:
        main()
    except (Interrupted, KeyboardInterrupt) as stop:
        # polars catches SIGINT too and raises KeyboardInterrupt from the call it was in, while
        # our handler is still due to run: it must not raise again in here
        _ignore()
        signum = getattr(stop, "signum", signal.SIGINT)
        try:
            print(MESSAGE if signum == signal.SIGINT else TERMINATED, file=sys.stderr, flush=True)
        except OSError:  # standard error is gone too: the exit code says it
            pass
        _leave(EXIT_CODE if signum == signal.SIGINT else 128 + signum)
    finally:
        # The command is over (its outputs written, or removed). What remains is the interpreter
        # joining threads (the batch pool's worker, ``threading._shutdown``): a signal raised
        # there is printed as "Exception ignored in ..." with a traceback, and changes nothing.
        global _over
        _over = True
        _ignore()


def _leave(code: int) -> None:
    """Exit with ``code`` now that the stack has unwound (every ``finally`` ran, partial files
    are gone): the exit handlers run (a result spool's finaliser removes it), the streams are
    flushed, and the process ends without the interpreter's own teardown. A stop can come while
    polars' native threads are still at work on a batch; tearing the runtime down under them has
    aborted the process (SIGABRT, exit -6) after the message was printed. Nothing is left for
    the teardown to do: Python's worker threads have no file of their own to finish."""
    import atexit
    import os

    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe or stream: nothing more can reach it
                pass
        os._exit(code)


def finished() -> None:
    """The command's work is done and its outputs are out: a stop from here on (while the
    interpreter frees memory, removes the result spool, joins threads) changes nothing, so the
    exit code stays the check's. Only acts when ``install`` put the handler in place."""
    global _over
    if signal.getsignal(signal.SIGINT) is _handler or signal.getsignal(signal.SIGTERM) is _handler:
        _over = True
        _ignore()


def started() -> None:
    """The start-up is over: everything built so far lives until the end, so it is frozen out of
    the collector's way (later collections, and the one at exit, skip it) and collection resumes.

    Only acts when an entry point turned collection off (``__main__``); a program that imports
    the package, or a test runner, keeps its own settings.
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
