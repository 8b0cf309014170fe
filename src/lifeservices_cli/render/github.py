"""GitHub Actions workflow commands: the most important problems as annotations, then a one-line summary.

GitHub shows at most 10 error and 10 warning annotations per step, so at most ``LIMIT`` of each
are written, most important first: failed aggregates (a district's rate), then fails, then
invalid data (errors); missing data (warnings). One ``::notice`` says how many more there are
and where the full report is; under GitHub Actions the CLI also appends the Markdown report to
``$GITHUB_STEP_SUMMARY`` (the job summary), unless a ``--report`` writes there already.

``::error file=F,line=L,title=T::message`` for fail and invalid data, ``::warning`` for missing
data, escaped as GitHub documents: ``%``, CR and LF in the message; also ``:`` and ``,`` in
the properties. Other control characters are shown as ``\\x1b``, so no value from the data
can start a command of its own. Paths are as given on the command line: give them relative to
the repository root for the annotations to land on the file.
"""

from __future__ import annotations

from lifeservices_cli.engine.results import FAIL, INVALID, MISSING
from lifeservices_cli.i18n import w
from lifeservices_cli.render.common import group_name, record_label, visible
from lifeservices_cli.render.problems import worst_by
from lifeservices_cli.report.model import Report
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


#: GitHub shows at most this many error and this many warning annotations per step.
LIMIT = 10
_RANK = {FAIL: 0, INVALID: 1, MISSING: 2}


def render(report: Report, full_report: str | None = None) -> str:
    """The annotations, a notice of those left out, and a summary line, one per line."""
    lang = report.lang
    indicators = {ind.id: ind for ind in report.packset.indicators}
    lines = []
    left: dict[str, int] = {}
    picked = worst_by(report, LIMIT, ("status",), COMMANDS)  # one pass: the most important of each status
    for kind in ("error", "warning"):
        statuses = sorted((s for s, k in COMMANDS.items() if k == kind), key=_RANK.__getitem__)
        shown = 0
        aggregates = sorted((a for a in report.aggregates if a.status in statuses), key=lambda a: _RANK[a.status])
        for a in aggregates[:LIMIT]:
            spec = indicators[a.indicator].spec
            first = next((i.path for i in report.inputs if i.entity == spec.entity), None)
            title = f"{group_name(a.group, lang)} — {spec.clause.ref} {spec.title.get(lang)}"
            lines.append(command(kind, f"{a.message} [{a.indicator}]", file=first, title=title))
            shown += 1
        found = [picked[(s,)] for s in statuses if (s,) in picked]
        room = LIMIT - shown if report.listing != "none" else 0  # --results none: aggregates only
        for r in [r for worst in found for r in worst.items()][:room]:
            spec = indicators[r.indicator].spec
            title = f"{record_label(r)} — {spec.clause.ref} {spec.title.get(lang)}"
            text = f"{r.message} [{r.indicator}]"
            lines.append(command(kind, text, file=file_of(r.source), line=r.line, title=title))
            shown += 1
        left[kind] = len(aggregates) + sum(worst.total for worst in found) - shown
    if left["error"] or left["warning"]:
        where = full_report or w("full_hint", lang)
        text = w("annotations_left_out", lang, errors=left["error"], warnings=left["warning"], where=where)
        lines.append(command("notice", text, title="lifeservices"))
    s = report.summary()
    counts = ", ".join(f"{k} {s[k]}" for k in ("pass", "fail", "missing_data", "invalid_data") if s[k])
    agg = s["aggregates"]
    agg_counts = ", ".join(f"{k} {agg[k]}" for k in ("pass", "fail", "missing_data", "invalid_data") if agg[k])
    summary = f"lifeservices: {s['records']} records, {s['checks']} checks: {counts or 'none'}"
    if agg["checks"]:
        summary += f"; aggregates: {agg_counts or 'none'}"
    lines.append(summary)
    return "\n".join(lines) + "\n"
