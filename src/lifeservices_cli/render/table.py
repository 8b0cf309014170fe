"""The terminal report (rich): one table per indicator, the per-group aggregates, warnings
and a summary.

Each indicator's table is headed by its clause, title and rule, so rows stay narrow. Short
inputs are shown whole, in input order. Long ones show the problems first (fail, invalid,
missing), at most ``LIMIT`` rows per indicator, and say how many more there are.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from lifeservices_cli.engine import ELIGIBLE, FAIL, INVALID, MISSING, NA, NOT_ELIGIBLE, PASS, Result
from lifeservices_cli.i18n import Lang, t
from lifeservices_cli.numbers import display
from lifeservices_cli.packs import CompiledIndicator
from lifeservices_cli.report import Report

LIMIT = 30
STYLES = {
    PASS: "green",
    FAIL: "bold red",
    NA: "dim",
    MISSING: "yellow",
    INVALID: "magenta",
    ELIGIBLE: "cyan",
    NOT_ELIGIBLE: "blue",
}
ORDER = {FAIL: 0, INVALID: 1, MISSING: 2, NOT_ELIGIBLE: 3, ELIGIBLE: 4, PASS: 5, NA: 6}


def _status(status: str, lang: Lang) -> Text:
    return Text(t(f"status.{status}", lang), style=STYLES.get(status, ""))


def _value(r: Result, lang: Lang) -> str:
    if isinstance(r.value, bool):
        return t("words.yes" if r.value else "words.no", lang)
    if r.value is None:
        return "—"
    return f"{display(r.value)} {r.unit}" if r.unit else display(r.value)


def _record(r: Result) -> Text:
    text = Text(" ".join(x for x in (r.record_id, r.record_name) if x) or "—")
    text.append(f"  {os.path.basename(r.source)}:{r.line}", style="dim")
    return text


def rule_text(ind: CompiledIndicator, lang: Lang) -> str:
    """The indicator's rule in words, e.g. ``不低于 500 m²`` or ``A 以下 300 m² 或 B 以下 300000 元``."""
    if ind.combine == "one":
        return ind.checks[0].rule_text(lang)
    joiner = t("words.and", lang) if ind.combine == "all" else t("words.or", lang)
    return joiner.join(f"{c.title.get(lang)} {c.rule_text(lang)}" for c in ind.checks)


def _indicator_table(ind: CompiledIndicator, rows: list[Result], lang: Lang) -> Iterable[RenderableType]:
    shown = rows
    if len(rows) > LIMIT:
        shown = sorted(rows, key=lambda r: ORDER.get(r.status, 9))[:LIMIT]
    title = Text(f"{ind.spec.clause.ref} ", style="bold")
    title.append(ind.spec.title.get(lang), style="bold")
    title.append(f"  [{ind.id}]  ", style="dim")
    title.append(rule_text(ind, lang))
    table = Table(title=title, title_justify="left", expand=False)
    for key in ("record", "status", "value", "gap", "message"):
        table.add_column(t(f"table.{key}", lang), overflow="fold")
    for r in shown:
        table.add_row(
            _record(r),
            _status(r.status, lang),
            _value(r, lang),
            display(r.gap) if r.gap is not None else "—",
            Text(r.message),
        )
    yield table
    if len(rows) > len(shown):
        yield Text(t("table.more", lang, count=len(rows) - len(shown)), style="dim")


def _aggregates_table(report: Report) -> Iterable[RenderableType]:
    lang = report.lang
    indicators = {ind.id: ind for ind in report.packset.indicators}
    for ind_id in dict.fromkeys(a.indicator for a in report.aggregates):
        ind = indicators[ind_id]
        title = Text(f"{ind.spec.clause.ref} {ind.spec.title.get(lang)}", style="bold")
        title.append(f"  [{ind.id}]  ", style="dim")
        title.append(rule_text(ind, lang))
        table = Table(title=title, title_justify="left")
        for key in ("group", "status", "rate", "count", "message"):
            table.add_column(t(f"table.{key}", lang), overflow="fold")
        for a in (a for a in report.aggregates if a.indicator == ind_id):
            count = f"{a.numerator}/{a.denominator}" + (f" (+{a.unknown}?)" if a.unknown else "")
            table.add_row(
                a.group if a.group is not None else t("words.no_group", lang),
                _status(a.status, lang),
                f"{display(a.value)}%" if a.value is not None else "—",
                count,
                Text(a.message),
            )
        yield table


def _counts(text: Text, counts: dict[str, int], statuses: Iterable[str], lang: Lang) -> None:
    for n, status in enumerate(s for s in statuses if counts[s]):
        if n:
            text.append(", ")
        text.append(f"{t(f'status.{status}', lang)} {counts[status]}", style=STYLES[status])


def _summary(report: Report) -> Text:
    lang = report.lang
    s = report.summary()
    text = Text(f"{t('table.summary', lang)}: ", style="bold")
    text.append(f"{s['records']} {t('table.records', lang)}, {s['checks']} {t('table.checks', lang)} — ")
    _counts(text, s, (PASS, FAIL, MISSING, INVALID, NA, ELIGIBLE, NOT_ELIGIBLE), lang)
    if s["aggregates"]["checks"]:
        text.append(f"; {t('table.aggregates', lang)}: ")
        _counts(text, s["aggregates"], (PASS, FAIL, MISSING, INVALID, NA), lang)
    return text


def renderables(report: Report) -> Group:
    lang = report.lang
    parts: list[RenderableType] = []
    for ind in report.packset.indicators:
        rows = [r for r in report.results if r.indicator == ind.id]
        if rows:
            parts.extend(_indicator_table(ind, rows, lang))
    parts.extend(_aggregates_table(report))
    parts.extend(Text(f"! {w}", style="yellow") for w in report.warnings())
    parts.append(_summary(report))
    return Group(*parts)


def render(report: Report, *, color: bool = False, width: int | None = None) -> str:
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
    console.print(renderables(report))
    return buffer.getvalue()
