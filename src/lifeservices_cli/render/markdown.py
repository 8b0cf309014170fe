"""Markdown short enough for a pull-request comment: the summary, the per-district table and
the problems (grouped by indicator, district or department), at most ``MAX_PROBLEMS`` of them,
worst first within each group.

Every value from the data is escaped: HTML-significant characters become entities, Markdown
punctuation gets a backslash, newlines become spaces, and ``@`` cannot mention anyone.
"""

from __future__ import annotations

import re
from collections import Counter

from lifeservices_cli.engine.results import ELIGIBLE, FAIL, INVALID, MISSING, NA, NOT_ELIGIBLE, PASS, AggregateResult
from lifeservices_cli.i18n import Lang, t, w
from lifeservices_cli.render.common import (
    View,
    counts_text,
    group_name,
    nothing_listed,
    rate_text,
    record_label,
    status_text,
    unlisted_note,
    visible,
)
from lifeservices_cli.render.problems import Problem, tallies
from lifeservices_cli.report.model import Report

MAX_PROBLEMS = 50
MARKS = {PASS: "✅", FAIL: "❌", INVALID: "⛔", MISSING: "⚠️", NA: "➖", ELIGIBLE: "✅", NOT_ELIGIBLE: "➖"}
_PUNCT = re.compile(r"([\\`*_\[\]|~!])")  # data never starts a line, so - + . # ( ) stay as they are


def md(text: str | None) -> str:
    """Data as inert Markdown text (one line)."""
    value = visible(text).replace("\r", " ").replace("\n", " ").replace("\t", " ")
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _PUNCT.sub(r"\\\1", value)
    return value.replace("@", "&#64;")


def _status(status: str, lang: Lang) -> str:
    return f"{MARKS.get(status, '')} {status_text(status, lang)}".strip()


def _aggregate_cell(a: AggregateResult | None, lang: Lang) -> str:
    if a is None:
        return "—"
    rate = f" {rate_text(a)}" if a.value is not None else ""
    return f"{_status(a.status, lang)}{rate}"


def _district_table(report: Report, districts: dict[str | None, Counter[str]]) -> list[str]:
    lang = report.lang
    present = {a.indicator for a in report.aggregates}
    aggregates = [ind for ind in report.packset.indicators if ind.id in present]
    by_group = {(a.indicator, a.group): a for a in report.aggregates}
    statuses = (PASS, FAIL, MISSING, INVALID)
    head = [w("district", lang), *(status_text(s, lang) for s in statuses)]
    head += [md(ind.spec.title.get(lang)) for ind in aggregates]
    lines = [f"| {' | '.join(head)} |", "|" + "---|" + "---:|" * len(statuses) + "---|" * len(aggregates)]
    groups = list(districts) + [a.group for a in report.aggregates if a.group not in districts]
    for group in dict.fromkeys(groups):
        counts = districts.get(group, Counter())
        cells = [md(group_name(group, lang)), *(str(counts[s]) for s in statuses)]
        cells += [_aggregate_cell(by_group.get((ind.id, group)), lang) for ind in aggregates]
        lines.append(f"| {' | '.join(cells)} |")
    return lines


def _problem_line(p: Problem, view: View, lang: Lang) -> str:
    tag = "" if view is View.indicator else f" \\[{p.indicator.id}\\]"
    if p.result is not None:
        r = p.result
        where = f"{md(r.source)}:{r.line}"
        return f"- {_status(r.status, lang)} **{md(record_label(r))}** ({where}) {md(r.message)}{tag}"
    assert p.aggregate is not None
    label = w("aggregate_row", lang, group=group_name(p.aggregate.group, lang))
    return f"- {_status(p.status, lang)} **{md(label)}** {md(p.aggregate.message)}{tag}"


def render(report: Report, *, by: View | None = None) -> str:
    """The Markdown text."""
    lang = report.lang
    view = by or View.indicator
    indicators = {ind.id: ind for ind in report.packset.indicators}
    seen = tallies(report, view, MAX_PROBLEMS)  # one pass over the results
    groups, districts = seen.groups, seen.districts
    s = report.summary()
    summary = f"**{w('summary', lang)}**{t('punct.colon', lang)}"
    summary += w("records_checks", lang, records=s["records"], checks=s["checks"])
    summary += f" — {counts_text(Counter({k: s[k] for k in s if isinstance(s[k], int)}), lang)}"
    if s["aggregates"]["checks"]:
        agg = Counter({k: v for k, v in s["aggregates"].items() if k != "checks"})
        summary += f"{t('punct.semicolon', lang)}{w('aggregates', lang)}{t('punct.colon', lang)}"
        summary += counts_text(agg, lang)
    out = [f"## {w('report_title', lang)}", "", summary, ""]
    note = unlisted_note(report)
    if note:
        out += [md(note), ""]
    if districts or report.aggregates:
        out += [f"### {w('by_district', lang)}", "", *_district_table(report, districts), ""]
    out += [f"### {w('problems_by', lang, view=w(f'view.{view.value}', lang))}", ""]
    listed = total = 0
    for key, worst in groups.groups.items():
        total += worst.total
        if listed >= MAX_PROBLEMS:
            continue
        out += [f"#### {md(groups.title(key, indicators, lang))} — {counts_text(worst.counts, lang)}", ""]
        for p in worst.items()[: MAX_PROBLEMS - listed]:
            out.append(_problem_line(p, view, lang))
            listed += 1
        out.append("")
    if not groups.groups:
        out += [md(nothing_listed(report)), ""]
    elif total > listed:
        out += [w("more_problems", lang, count=total - listed), ""]
    warnings = report.warnings()
    if warnings:
        out += [f"<details><summary>{w('warnings', lang)} ({len(warnings)})</summary>", ""]
        out += [f"- {md(x)}" for x in warnings] + ["", "</details>", ""]
    return "\n".join(out)
