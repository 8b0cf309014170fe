"""The JSON report: the report model's direct dump, UTF-8, stable key order.

Small sections are indented; each entry of the long lists (results, aggregates, indicators)
stands compact on its own line, which keeps large reports fast to write and easy to grep.
``write`` streams the results from the report's store, so a million-row report is never
held in memory as one string.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import IO, Any

from lifeservices_cli.render.common import clean
from lifeservices_cli.report.model import Report


def _dump(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent)


def _section(key: str, value: Any) -> str:
    # clean: file names and headers may hold bytes they did not decode from (lone surrogates)
    return f'  "{key}": ' + clean(_dump(value, 2).replace("\n", "\n  "))


def _list(key: str, items: list[Any]) -> str:
    if not items:
        return f'  "{key}": []'
    body = ",\n".join(f"    {_dump(item)}" for item in items)
    return f'  "{key}": [\n{body}\n  ]'


def _head(report: Report) -> str:
    head = [_section(key, value) for key, value in report.header().items()]
    head.append(_section("summary", report.summary()))
    head.append(_list("indicators", report.indicator_dicts()))
    return "{\n" + ",\n".join(head) + ",\n"


def _tail(report: Report) -> str:
    return _list("aggregates", [report.aggregate_dict(a) for a in report.aggregates]) + "\n}\n"


def write(report: Report, out: IO[str]) -> None:
    """Write the JSON report to ``out``."""
    out.write(_head(report))
    if report.store.count(report.listed):
        out.write('  "results": [\n    ')
        report.store.copy_to(out, report.listed)
        out.write("\n  ],\n")
    else:
        out.write('  "results": [],\n')
    out.write(_tail(report))


def write_in_place(report: Report, path: Path) -> bool:
    """Write the JSON report to ``path`` by turning the result spool into it (see ``store``).

    The same report as ``write``, except for a run of spaces after ``"results": [``. False
    (nothing written) when the spool cannot become the file; write it the usual way then.
    """
    if not report.store.total or report.listed is not None:  # a filtered list is written the usual way
        return False
    head = (_head(report) + '  "results": [').encode()
    tail = ("\n  ],\n" + _tail(report)).encode()
    return report.store.finish_in_place(head, b"\n    ", tail, path)


def render(report: Report) -> str:
    buffer = io.StringIO()
    write(report, buffer)
    return buffer.getvalue()
