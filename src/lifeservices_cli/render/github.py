"""GitHub Actions workflow commands: one annotation per problem, then a one-line summary.

``::error file=F,line=L,title=T::message`` for fail and invalid data, ``::warning`` for missing
data, escaped as GitHub documents: ``%``, CR and LF in the message; also ``:`` and ``,`` in
the properties. Other control characters are shown as ``\\x1b``, so no value from the data
can start a command of its own. Paths are as given on the command line: give them relative to
the repository root for the annotations to land on the file.
"""

from __future__ import annotations

from lifeservices_cli.engine import FAIL, INVALID, MISSING
from lifeservices_cli.render.common import group_name, record_label, results_with, visible
from lifeservices_cli.report import Report
from lifeservices_cli.sources.model import file_of

COMMANDS = {FAIL: "error", INVALID: "error", MISSING: "warning"}


def escape_data(text: str) -> str:
    """A command's message: ``%`` → ``%25``, CR → ``%0D``, LF → ``%0A``."""
    return visible(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    """A command's property value: as data, and ``:`` → ``%3A``, ``,`` → ``%2C``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(kind: str, message: str, *, file: str | None = None, line: int = 0, title: str = "") -> str:
    props = []
    if file:
        props.append(f"file={escape_property(file)}")
        if line > 0:
            props.append(f"line={line}")
    if title:
        props.append(f"title={escape_property(title)}")
    return f"::{kind} {','.join(props)}::{escape_data(message)}" if props else f"::{kind}::{escape_data(message)}"


def render(report: Report) -> str:
    """The annotations and a summary line, one per line."""
    lang = report.lang
    indicators = {ind.id: ind for ind in report.packset.indicators}
    lines = []
    for r in results_with(report, COMMANDS):
        kind = COMMANDS[r.status]
        spec = indicators[r.indicator].spec
        title = f"{record_label(r)} — {spec.clause.ref} {spec.title.get(lang)}"
        message = f"{r.message} [{r.indicator}]"
        lines.append(command(kind, message, file=file_of(r.source), line=r.line, title=title))
    for a in report.aggregates:
        kind = COMMANDS.get(a.status)
        if kind is None:
            continue
        spec = indicators[a.indicator].spec
        first = next((i.path for i in report.inputs if i.entity == spec.entity), None)
        title = f"{group_name(a.group, lang)} — {spec.clause.ref} {spec.title.get(lang)}"
        lines.append(command(kind, f"{a.message} [{a.indicator}]", file=first, title=title))
    s = report.summary()
    counts = ", ".join(f"{k} {s[k]}" for k in ("pass", "fail", "missing_data", "invalid_data") if s[k])
    agg = s["aggregates"]
    agg_counts = ", ".join(f"{k} {agg[k]}" for k in ("pass", "fail", "missing_data", "invalid_data") if agg[k])
    summary = f"lifeservices: {s['records']} records, {s['checks']} checks: {counts or 'none'}"
    if agg["checks"]:
        summary += f"; aggregates: {agg_counts or 'none'}"
    lines.append(summary)
    return "\n".join(lines) + "\n"
