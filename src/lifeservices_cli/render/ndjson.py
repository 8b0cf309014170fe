"""NDJSON: one result per line, each the JSON report's ``results`` entry (schema 2), for batch tools.

``jq``, ``polars.scan_ndjson``, ``duckdb read_json`` and ``pandas.read_json(lines=True)`` stream
it. The lines are the result spool's own bytes, so a million results are written without being
parsed or encoded again. What every result of an indicator shares (title, clause, departments,
comparators, units) is in the JSON report's ``indicators``, or ``lifeservices indicators``; the
line's schema is ``$defs/result`` of ``lifeservices schema report``. ``--results problems`` writes
only the problems' lines, ``--results none`` an empty file.
"""

from __future__ import annotations

import io
from typing import IO

from lifeservices_cli.report.model import Report


def write(report: Report, out: IO[str]) -> None:
    """Write the results, one JSON object a line, to the text stream ``out`` (UTF-8)."""
    target = getattr(out, "buffer", None)
    if target is not None:  # bytes straight through
        out.flush()
        report.store.write_lines(target, report.listed)
        target.flush()
        return
    buffer = io.BytesIO()
    report.store.write_lines(buffer, report.listed)
    out.write(buffer.getvalue().decode("utf-8"))


def render(report: Report) -> str:
    buffer = io.StringIO()
    write(report, buffer)
    return buffer.getvalue()
