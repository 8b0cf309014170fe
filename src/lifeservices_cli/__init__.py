"""lifeservices-cli: check planning data against the Baicheng 2022 life-services action plan.

The Python API (``lifeservices_cli.api``) is re-exported here and imported on first use, so
``import lifeservices_cli`` stays instant and the command line starts fast::

    import lifeservices_cli as ls

    report = ls.check_files(["examples/communities.csv"], lang="en")
    print(report.summary())
"""

from __future__ import annotations

from lifeservices_cli._version import __version__

# Not ``typing`` (30 ms): the ``lifeservices`` command imports this package before it can catch
# Ctrl-C (``__main__``), and a signal in that window ends in the interpreter's own traceback.
TYPE_CHECKING = False

__all__ = [
    "__version__",
    "AggregateResult",
    "By",
    "FailOn",
    "FormatName",
    "Lang",
    "PackError",
    "PackSet",
    "Report",
    "Result",
    "Status",
    "UsageError",
    "check_files",
    "check_records",
    "load_packs",
    "render_report",
    "write_json",
]

#: What ``lifeservices_cli.api`` exports; each is imported on first access. (The function is
#: ``render_report``, not ``render``: ``lifeservices_cli.render`` is the package of formats.)
_API = frozenset(__all__) - {"__version__"}

if TYPE_CHECKING:
    from typing import Any

    from lifeservices_cli.api import (
        AggregateResult,
        By,
        FailOn,
        FormatName,
        Lang,
        PackError,
        PackSet,
        Report,
        Result,
        Status,
        UsageError,
        check_files,
        check_records,
        load_packs,
        render_report,
        write_json,
    )


def __getattr__(name: str) -> Any:
    if name in _API:
        from lifeservices_cli import api

        value = getattr(api, name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})
