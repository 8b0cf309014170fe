"""The terminal report (rich): results, per-group aggregates, warnings and a summary.

Short inputs are shown whole, in input order. Long ones show the problems first (fail,
invalid, missing), up to ``LIMIT`` rows, and say how many more there are.
"""

from __future__ import annotations

import io
import os

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from lifeservices_cli.engine import ELIGIBLE, FAIL, INVALID, MISSING, NA, NOT_ELIGIBLE, PASS, Result
from lifeservices_cli.i18n import t
from lifeservices_cli.numbers import display
from lifeservices_cli.report import Report

LIMIT = 60
STYLES = {PASS: "green", FAIL: "bold red", NA: "dim", MISSING: "yellow", INVALID: "magenta",
          ELIGIBLE: "cyan", NOT_ELIGIBLE: "blue"}
ORDER = {FAIL: 0, INVALID: 1, MISSING: 2, NOT_ELIGIBLE: 3, ELIGIBLE: 4, PASS: 5, NA: 6}


def _status(status: str, lang: str) -> Text:
    return Text(t(f"status.{status}", lang), style=STYLES.get(status, ""))  # type: ignore[arg-type]


def _num(value: object) -> str:
    return display(value) if value is not None else "—"  # type: ignore[arg-type]


def _results_table(report: Report) -> tuple[Table, int]:
    lang = report.lang
    rules = {ind.id: ind for ind in report.packset.indicators}
    rows = report.results
    hidden = 0
    if len(rows) > LIMIT:
        rows = sorted(rows, key=lambda r: ORDER.get(r.status, 9))[:LIMIT]
        hidden = len(report.results) - len(rows)
    table = Table(title=t("table.title", lang), show_lines=False, expand=False)
    for key in ("record", "indicator", "status", "value", "threshold", "gap", "clause", "message"):
        table.add_column(t(f"table.{key}", lang), overflow="fold")
    for r in rows:
        ind = rules[r.indicator]
        table.add_row(
            _record_cell(r),
            escape(ind.spec.title.get(lang)),
            _status(r.status, lang),
            escape(_value(r, lang)),
            escape(ind.checks[0].rule_text(lang) if ind.combine == "one" else _combined_rule(ind, lang)),
            escape(_num(r.gap)),
            escape(ind.spec.clause.ref),
            escape(r.message),
        )
    return table, hidden


def _value(r: Result, lang: str) -> str:
    if isinstance(r.value, bool):
        return t("words.yes" if r.value else "words.no", lang)  # type: ignore[arg-type]
    return f"{_num(r.value)} {r.unit}" if (r.value is not None and r.unit) else _num(r.value)


def _record_cell(r: Result) -> Text:
    label = " ".join(x for x in (r.record_id, r.record_name) if x) or "—"
    text = Text(label)
    text.append(f"\n{os.path.basename(r.source)}:{r.line}", style="dim")
    return text


def _combined_rule(ind: object, lang: str) -> str:
    joiner = t("words.and", lang) if ind.combine == "all" else t("words.or", lang)  # type: ignore[attr-defined]
    return joiner.join(f"{c.title.get(lang)} {c.rule_text(lang)}" for c in ind.checks)  # type: ignore[attr-defined]


def _aggregates_table(report: Report) -> Table:
    lang = report.lang
    rules = {ind.id: ind for ind in report.packset.indicators}
    table = Table(title=t("table.aggregates", lang))
    for key in ("indicator", "group", "status", "rate", "count", "threshold", "clause", "message"):
        table.add_column(t(f"table.{key}", lang), overflow="fold")
    for a in report.aggregates:
        ind = rules[a.indicator]
        count = f"{a.numerator}/{a.denominator}" + (f" (+{a.unknown}?)" if a.unknown else "")
        table.add_row(
            escape(ind.spec.title.get(lang)),
            escape(a.group if a.group is not None else t("words.no_group", lang)),
            _status(a.status, lang),
            escape(f"{_num(a.value)}%" if a.value is not None else "—"),
            escape(count),
            escape(ind.checks[0].rule_text(lang)),
            escape(ind.spec.clause.ref),
            escape(a.message),
        )
    return table


def _summary(report: Report) -> Text:
    lang = report.lang
    s = report.summary()
    text = Text(f"{t('table.summary', lang)}: ", style="bold")
    text.append(f"{s['records']} {t('table.records', lang)}, {s['checks']} {t('table.checks', lang)} — ")
    parts = [(status, s[status]) for status in (PASS, FAIL, MISSING, INVALID, NA, ELIGIBLE, NOT_ELIGIBLE) if s[status]]
    for n, (status, count) in enumerate(parts):
        if n:
            text.append(", ")
        text.append(f"{t(f'status.{status}', lang)} {count}", style=STYLES[status])
    agg = s["aggregates"]
    if agg["checks"]:
        text.append(f"; {t('table.aggregates', lang)}: ")
        parts = [(status, agg[status]) for status in (PASS, FAIL, MISSING, INVALID, NA) if agg[status]]
        for n, (status, count) in enumerate(parts):
            if n:
                text.append(", ")
            text.append(f"{t(f'status.{status}', lang)} {count}", style=STYLES[status])
    return text


def renderables(report: Report) -> Group:
    lang = report.lang
    parts: list[object] = []
    results, hidden = _results_table(report)
    if report.results:
        parts.append(results)
    if hidden:
        parts.append(Text(t("table.more", lang, count=hidden), style="dim"))
    if report.aggregates:
        parts.append(_aggregates_table(report))
    for warning in report.warnings():
        parts.append(Text(f"! {warning}", style="yellow"))
    parts.append(_summary(report))
    return Group(*parts)  # type: ignore[arg-type]


def render(report: Report, *, color: bool = False, width: int | None = None) -> str:
    """The report as text (ANSI colours only when ``color``)."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=width or 160,
                      color_system="standard" if color else None, highlight=False)
    console.print(renderables(report))
    return buffer.getvalue()
