"""The terminal report (rich): one table per indicator, the per-group aggregates, warnings
and a summary.

Each indicator's table is headed by its clause, title and rule, so rows stay narrow. Short
inputs are shown whole, in input order. Long ones show the worst first (fail, invalid,
missing, ...), at most ``LIMIT`` rows per indicator, with the counts and how to get everything.
With ``by`` district or department, the problems are listed per district or per responsible
department instead (a bureau sees its own list). Results are read once, in bounded memory.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from lifeservices_cli.engine.results import ELIGIBLE, FAIL, INVALID, MISSING, NA, NOT_ELIGIBLE, PASS, Result
from lifeservices_cli.i18n import Lang, t, w
from lifeservices_cli.packs.compiler import CompiledIndicator
from lifeservices_cli.render.common import (
    PROBLEMS,
    View,
    counts_text,
    gap_text,
    group_name,
    nothing_listed,
    rate_text,
    record_label,
    rule_text,
    unlisted_note,
    value_text,
    visible,
)
from lifeservices_cli.render.problems import Groups, Problem, Worst, results_with, worst_per_indicator
from lifeservices_cli.report.model import Report

LIMIT = 30
MAX_TEXT = 500  # characters of one text from the data in a cell; the JSON and CSV reports keep it whole
STYLES = {
    PASS: "green",
    FAIL: "bold red",
    NA: "dim",
    MISSING: "yellow",
    INVALID: "magenta",
    ELIGIBLE: "cyan",
    NOT_ELIGIBLE: "blue",
}

__all__ = ["LIMIT", "STYLES", "render", "renderables", "rule_text"]


def _short(text: str) -> str:
    """``text`` cut to ``MAX_TEXT`` characters (a 50 MB name would take the terminal minutes)."""
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _status(status: str, lang: Lang) -> Text:
    return Text(t(f"status.{status}", lang), style=STYLES.get(status, ""))


def _record(r: Result) -> Text:
    text = Text(_short(record_label(r)))
    text.append(f"  {os.path.basename(visible(r.source))}:{r.line}", style="dim")
    return text


def _heading(ind: CompiledIndicator, lang: Lang) -> Text:
    title = Text(f"{ind.spec.clause.ref} ", style="bold")
    title.append(ind.spec.title.get(lang), style="bold")
    title.append(f"  [{ind.id}]  ", style="dim")
    title.append(rule_text(ind, lang))
    return title


def _cut_note(worst: Worst[Any], lang: Lang, shown: int | None = None) -> Text:
    counts = counts_text(worst.counts, lang)
    shown = len(worst.items()) if shown is None else shown
    return Text(w("table_cut", lang, total=worst.total, counts=counts, shown=shown), style="dim")


def _indicator_table(ind: CompiledIndicator, worst: Worst[Result], report: Report) -> Iterable[RenderableType]:
    lang = report.lang
    shown = [r for r in worst.items() if report.lists(r.status)]  # --results
    if not shown and worst.total:  # --results problems|none left every row out: the heading and the counts
        yield _heading(ind, lang)
        yield _cut_note(worst, lang, 0)
        return
    table = Table(title=_heading(ind, lang), title_justify="left", expand=False)
    for key in ("record", "status", "value", "gap", "message"):
        table.add_column(w(key, lang), overflow="fold")
    for r in shown:
        table.add_row(
            _record(r),
            _status(r.status, lang),
            value_text(r.value, r.unit, lang, r.threshold),
            gap_text(r.gap),
            Text(_short(visible(r.message))),
        )
    yield table
    if len(shown) < worst.total:
        yield _cut_note(worst, lang, len(shown))


def _group_tables(
    groups: Groups, indicators: dict[str, CompiledIndicator], report: Report
) -> Iterable[RenderableType]:
    lang = report.lang
    view = w(f"view.{groups.view.value}", lang)
    yield Text(w("problems_by", lang, view=view), style="bold underline")
    if not groups.groups:
        yield Text(nothing_listed(report), style="green")
    for key, worst in groups.groups.items():
        title = Text(_short(groups.title(key, indicators, lang)), style="bold")
        title.append(f"  {counts_text(worst.counts, lang)}")
        table = Table(title=title, title_justify="left")
        for name in ("record", "indicator", "status", "value", "message"):
            table.add_column(w(name, lang), overflow="fold")
        for p in worst.items():
            ind = p.indicator
            if p.result is not None:
                record, value = _record(p.result), value_text(p.result.value, p.result.unit, lang, p.result.threshold)
            else:
                assert p.aggregate is not None
                record = Text(_short(w("aggregate_row", lang, group=group_name(p.aggregate.group, lang))))
                value = rate_text(p.aggregate)
            table.add_row(
                record, f"{ind.spec.clause.ref} {ind.id}", _status(p.status, lang), value, Text(_short(p.message))
            )
        yield table
        if worst.dropped:
            yield _cut_note(worst, lang)


def _aggregates_table(report: Report, indicators: dict[str, CompiledIndicator]) -> Iterable[RenderableType]:
    lang = report.lang
    for ind_id in dict.fromkeys(a.indicator for a in report.aggregates):
        ind = indicators[ind_id]
        table = Table(title=_heading(ind, lang), title_justify="left")
        for key in ("district", "status", "table.rate", "count", "message"):
            table.add_column(w(key, lang), overflow="fold")
        for a in (a for a in report.aggregates if a.indicator == ind_id):
            count = f"{a.numerator}/{a.denominator}" + (f" (+{a.unknown}?)" if a.unknown else "")
            table.add_row(
                _short(group_name(a.group, lang)),
                _status(a.status, lang),
                rate_text(a),
                count,
                Text(_short(visible(a.message))),
            )
        yield table


def _counts(text: Text, counts: dict[str, int], statuses: Iterable[str], lang: Lang) -> None:
    for n, status in enumerate(s for s in statuses if counts[s]):
        if n:
            text.append(", ")
        text.append(f"{t(f'status.{status}', lang)} {counts[status]}", style=STYLES[status])


def run_notes(report: Report) -> list[str]:
    """What changed the rules of this run: --set settings and indicators not in force."""
    lang = report.lang
    notes = [
        t("run.setting", lang, target=x["target"], value=x["value"], was=x["was"]) for x in report.packset.settings
    ]
    if report.not_in_force:
        notes.append(t("run.not_in_force", lang, day=report.as_of.isoformat(), ids=", ".join(report.not_in_force)))
    return notes


def _summary(report: Report) -> Text:
    lang = report.lang
    s = report.summary()
    text = Text(f"{w('summary', lang)}: ", style="bold")
    text.append(f"{s['records']} {w('table.records', lang)}, {s['checks']} {w('table.checks', lang)} — ")
    _counts(text, s, (PASS, FAIL, MISSING, INVALID, NA, ELIGIBLE, NOT_ELIGIBLE), lang)
    if s["aggregates"]["checks"]:
        text.append(f"; {w('table.aggregates', lang)}: ")
        _counts(text, s["aggregates"], (PASS, FAIL, MISSING, INVALID, NA), lang)
    return text


def renderables(report: Report, by: View = View.indicator) -> Group:
    """The report as rich renderables, reading the results once."""
    indicators = {ind.id: ind for ind in report.packset.indicators}
    per_indicator: dict[str, Worst[Result]] = {}
    groups = None if by is View.indicator else Groups(by, LIMIT)
    if groups is None:
        per_indicator = worst_per_indicator(report, LIMIT)
    else:
        for r in results_with(report, PROBLEMS if report.listing != "none" else ()):
            groups.add(Problem(indicators[r.indicator], result=r), r.district)
    parts: list[RenderableType] = []
    if groups is None:
        for ind in report.packset.indicators:
            if ind.id in per_indicator:
                parts.extend(_indicator_table(ind, per_indicator[ind.id], report))
    else:
        for a in report.aggregates:
            if a.status in PROBLEMS:
                groups.add(Problem(indicators[a.indicator], aggregate=a), a.group)
        parts.extend(_group_tables(groups, indicators, report))
    parts.extend(_aggregates_table(report, indicators))
    parts.extend(Text(f"! {_short(visible(x))}", style="yellow") for x in report.warnings())
    parts.extend(Text(f"! {_short(visible(x))}", style="yellow") for x in run_notes(report))
    if (note := unlisted_note(report)) is not None:
        parts.append(Text(note, style="dim"))
    parts.append(_summary(report))
    return Group(*parts)


def render(report: Report, *, color: bool = False, width: int | None = None, by: View = View.indicator) -> str:
    """The report as text (ANSI colours only when ``color``)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        width=width or 160,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
        markup=False,
    )
    console.print(renderables(report, by))
    return buffer.getvalue()
