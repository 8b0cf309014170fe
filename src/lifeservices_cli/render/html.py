"""One self-contained HTML page for managers: summary, per-district compliance chart (inline
SVG), per-indicator breakdown, problems grouped by ``by``, a filterable table of results and
the clause text of every indicator.

No network and no CDN: the style and the script are inline, and the page's Content-Security-
Policy allows only those two (by hash), so nothing else can load or run. Every value from the
data is escaped; the script reads the table, never data of its own. Results are read once;
long runs list the ``MAX_ROWS`` worst and say where to find the rest.
"""

from __future__ import annotations

import html
from collections import Counter

from lifeservices_cli._version import __version__
from lifeservices_cli.engine.results import FAIL, INVALID, MISSING, PASS, AggregateResult, Result
from lifeservices_cli.i18n import Lang, t, w
from lifeservices_cli.packs.compiler import CompiledIndicator
from lifeservices_cli.render.common import (
    SHOWN,
    View,
    counts_text,
    gap_text,
    group_name,
    nothing_listed,
    rate_text,
    record_label,
    rule_text,
    status_text,
    unlisted_note,
    value_text,
    visible,
)
from lifeservices_cli.render.html_assets import CSP, SCRIPT, STYLE
from lifeservices_cli.render.problems import Groups, Problem, Worst, tallies
from lifeservices_cli.report.model import Report

MAX_ROWS = 5000
MAX_PER_GROUP = 100
CHART_STATUSES = (PASS, FAIL, MISSING, INVALID)


def e(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape(visible(str(value)), quote=True)


def _badge(status: str, lang: Lang) -> str:
    return f'<span class="s s-{e(status)}">{e(status_text(status, lang))}</span>'


def _summary(report: Report) -> str:
    lang = report.lang
    s = report.summary()
    cards = [f'<div class="card">{e(w("records_n", lang))}<b>{s["records"]}</b></div>']
    cards.append(f'<div class="card">{e(w("checks_n", lang))}<b>{s["checks"]}</b></div>')
    cards += [f'<div class="card">{_badge(k, lang)}<b>{s[k]}</b></div>' for k in SHOWN if s[k]]
    agg = s["aggregates"]
    line = ""
    if agg["checks"]:
        counts = counts_text(Counter({k: v for k, v in agg.items() if k != "checks"}), lang)
        line = f"<p>{e(w('aggregates', lang))}: {e(counts)}</p>"
    head = f'<section id="summary"><h2>{e(w("summary", lang))}</h2>'
    return f'{head}<div class="cards">{"".join(cards)}</div>{line}</section>'


def _chart(districts: dict[str | None, Counter[str]], lang: Lang) -> str:
    """Horizontal stacked bars: per district, the share of pass / fail / missing / invalid checks."""
    label_w, bar_w, note_w, row_h = 130, 520, 150, 26
    width, height = label_w + bar_w + note_w, row_h * max(len(districts), 1) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{e(w("compliance", lang))}">'
    ]
    for n, (group, counts) in enumerate(districts.items()):
        y = 2 + n * row_h
        total = sum(counts[s] for s in CHART_STATUSES)
        name = group_name(group, lang)
        parts.append(f'<text x="0" y="{y + 17}">{e(name)}</text>')
        parts.append(f'<rect class="empty" x="{label_w}" y="{y + 3}" width="{bar_w}" height="{row_h - 8}"/>')
        x = float(label_w)
        for status in CHART_STATUSES:
            if total and counts[status]:
                seg = bar_w * counts[status] / total
                tip = f"{name} {status_text(status, lang)} {counts[status]}"
                parts.append(
                    f'<rect class="{status}" x="{x:.1f}" y="{y + 3}" width="{seg:.1f}" height="{row_h - 8}">'
                    f"<title>{e(tip)}</title></rect>"
                )
                x += seg
        rate = f"{100 * counts[PASS] / (counts[PASS] + counts[FAIL]):.0f}%" if counts[PASS] + counts[FAIL] else "—"
        note = f"{w('rate', lang)} {rate} ({counts[PASS]}/{total})"
        parts.append(f'<text x="{label_w + bar_w + 8}" y="{y + 17}">{e(note)}</text>')
    parts.append("</svg>")
    legend = "".join(f'<span><i class="{s}"></i>{e(status_text(s, lang))}</span>' for s in CHART_STATUSES)
    return "".join(parts) + f'<p class="legend small">{legend}</p>'


def _districts(report: Report, districts: dict[str | None, Counter[str]]) -> str:
    lang = report.lang
    present = {a.indicator for a in report.aggregates}
    aggregates = [ind for ind in report.packset.indicators if ind.id in present]
    by_group = {(a.indicator, a.group): a for a in report.aggregates}
    head = "".join(f"<th>{e(status_text(s, lang))}</th>" for s in CHART_STATUSES)
    head += "".join(f"<th>{e(ind.spec.title.get(lang))}</th>" for ind in aggregates)
    rows = []
    for group in dict.fromkeys([*districts, *(a.group for a in report.aggregates)]):
        counts = districts.get(group, Counter())
        cells = "".join(f'<td class="num">{counts[s]}</td>' for s in CHART_STATUSES)
        for ind in aggregates:
            a = by_group.get((ind.id, group))
            cells += f"<td>{_aggregate_cell(a, lang)}</td>"
        rows.append(f"<tr><th>{e(group_name(group, lang))}</th>{cells}</tr>")
    table = (
        f"<table><thead><tr><th>{e(w('district', lang))}</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return f'<section id="districts"><h2>{e(w("compliance", lang))}</h2>{_chart(districts, lang)}{table}</section>'


def _aggregate_cell(a: AggregateResult | None, lang: Lang) -> str:
    if a is None:
        return "—"
    rate = f" {e(rate_text(a))} ({a.numerator}/{a.denominator})" if a.value is not None else ""
    return f"{_badge(a.status, lang)}{rate}"


def _breakdown(report: Report, per_indicator: dict[str, Counter[str]]) -> str:
    lang = report.lang
    agg_counts: dict[str, Counter[str]] = {}
    for a in report.aggregates:
        agg_counts.setdefault(a.indicator, Counter())[a.status] += 1
    head = "".join(f"<th>{e(status_text(s, lang))}</th>" for s in SHOWN)
    rows = []
    for ind in report.packset.indicators:
        counts = per_indicator.get(ind.id) or agg_counts.get(ind.id) or Counter()
        cells = "".join(f'<td class="num">{counts[s] or ""}</td>' for s in SHOWN)
        title = f'<a href="#clause-{e(ind.id)}">{e(ind.spec.title.get(lang))}</a><br><code>{e(ind.id)}</code>'
        deps = e(w("list_sep", lang).join(ind.spec.departments))
        rows.append(f"<tr><td>{e(ind.spec.clause.ref)}</td><td>{title}</td><td>{deps}</td>{cells}</tr>")
    names = "".join(f"<th>{e(w(k, lang))}</th>" for k in ("clause", "indicator", "departments"))
    table = f"<table><thead><tr>{names}{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return f'<section id="indicators"><h2>{e(w("breakdown", lang))}</h2>{table}</section>'


def _problem_item(p: Problem, view: View, lang: Lang) -> str:
    tag = "" if view is View.indicator else f' <code class="small">{e(p.indicator.id)}</code>'
    if p.result is not None:
        r = p.result
        where = f'<span class="muted small">{e(r.source)}:{r.line}</span>'
        return f"<li>{_badge(r.status, lang)} <b>{e(record_label(r))}</b> {where} {e(p.message)}{tag}</li>"
    assert p.aggregate is not None
    label = w("aggregate_row", lang, group=group_name(p.aggregate.group, lang))
    return f"<li>{_badge(p.status, lang)} <b>{e(label)}</b> {e(p.message)}{tag}</li>"


def _problems(report: Report, groups: Groups, indicators: dict[str, CompiledIndicator]) -> str:
    lang = report.lang
    title = w("problems_by", lang, view=w(f"view.{groups.view.value}", lang))
    parts = [f'<section id="problems"><h2>{e(title)}</h2>']
    if not groups.groups:
        parts.append(f"<p>{e(nothing_listed(report))}</p>")
    for key, worst in groups.groups.items():
        parts.append(f"<h3>{e(groups.title(key, indicators, lang))} <span class='muted small'>")
        parts.append(f"{e(counts_text(worst.counts, lang))}</span></h3><ul class='problems'>")
        parts.extend(_problem_item(p, groups.view, lang) for p in worst.items())
        parts.append("</ul>")
        if worst.dropped:
            parts.append(f'<p class="note small">{e(w("more_problems", lang, count=worst.dropped))}</p>')
    return "".join(parts) + "</section>"


def _result_row(r: Result, ind: CompiledIndicator, lang: Lang) -> str:
    gap = gap_text(r.gap)
    cells = [
        f"<td>{e(record_label(r))}</td>",
        f"<td>{e(group_name(r.district, lang))}</td>",
        f'<td>{e(ind.spec.clause.ref)} <a href="#clause-{e(ind.id)}">{e(ind.spec.title.get(lang))}</a></td>',
        f"<td>{_badge(r.status, lang)}</td>",
        f'<td class="num">{e(value_text(r.value, r.unit, lang, r.threshold))}</td>',
        f'<td class="num">{e(gap)}</td>',
        f"<td>{e(r.message)}</td>",
        f'<td class="small">{e(r.source)}:{r.line}</td>',
    ]
    return f'<tr data-status="{e(r.status)}" data-indicator="{e(ind.id)}">{"".join(cells)}</tr>'


def _results(report: Report, worst: Worst[Result], indicators: dict[str, CompiledIndicator]) -> str:
    lang = report.lang
    options = "".join(f'<option value="{s}">{e(status_text(s, lang))}</option>' for s in SHOWN if worst.counts[s])
    ind_options = "".join(
        f'<option value="{e(i.id)}">{e(i.spec.clause.ref)} {e(i.spec.title.get(lang))}</option>'
        for i in report.packset.indicators
        if i.spec.kind != "aggregate"
    )
    every = e(w("all", lang))
    template = w("shown_of", lang, shown="{shown}", total="{total}")
    filters = (
        f'<div class="filters"><label for="filter-text">{e(w("filter", lang))}</label>'
        f'<input id="filter-text" type="search" placeholder="{e(w("filter_placeholder", lang))}" autocomplete="off">'
        f'<select id="filter-status" aria-label="{e(w("status", lang))}">'
        f'<option value="">{every}</option>{options}</select>'
        f'<select id="filter-indicator" aria-label="{e(w("indicator", lang))}"><option value="">{every}</option>'
        f"{ind_options}</select>"
        f'<span id="filter-count" class="muted small" data-template="{e(template)}"></span></div>'
    )
    note = ""
    if worst.dropped:
        note = f'<p class="note small">{e(w("rows_cut", lang, total=worst.total, shown=len(worst.items())))}</p>'
    names = ("record", "district", "indicator", "status", "value", "gap", "message", "where")
    head = "".join(f"<th>{e(w(k, lang))}</th>" for k in names)
    body = "".join(_result_row(r, indicators[r.indicator], lang) for r in worst.items())
    table = f'<table id="results-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    return f'<section id="results"><h2>{e(w("results", lang))}</h2>{note}{filters}{table}</section>'


def _clauses(report: Report) -> str:
    lang = report.lang
    parts = [f'<section id="clauses"><h2>{e(w("clauses", lang))}</h2>']
    for ind in report.packset.indicators:
        spec = ind.spec
        parts.append(f'<h3 id="clause-{e(ind.id)}">{e(spec.clause.ref)} {e(spec.title.get(lang))}</h3>')
        parts.append(f"<blockquote>{e(spec.clause.quote)}</blockquote><dl>")
        rows = [
            ("indicator_id", ind.id),
            ("rule", rule_text(ind, lang)),
            ("departments", w("list_sep", lang).join(spec.departments)),
            ("kind", spec.kind),
            ("entity", spec.entity),
        ]
        parts.extend(f"<dt>{e(w(k, lang))}</dt><dd>{e(v)}</dd>" for k, v in rows)
        parts.extend(f"<dt>{e(w('notes', lang))}</dt><dd>{e(note)}</dd>" for note in spec.notes)
        parts.append("</dl>")
    return "".join(parts) + "</section>"


def _inputs(report: Report) -> str:
    lang = report.lang
    items = "".join(
        f"<li>{e(i.source)} — {e(i.entity)}, {e(i.encoding)}, {i.records} {e(w('record', lang))}</li>"
        for i in report.inputs
    )
    warnings = "".join(f"<li>{e(x)}</li>" for x in report.warnings())
    out = f'<section id="inputs"><h2>{e(w("inputs", lang))}</h2><ul>{items}</ul>'
    if warnings:
        out += f"<h3>{e(w('warnings', lang))}</h3><ul>{warnings}</ul>"
    return out + "</section>"


def render(report: Report, *, by: View | None = None) -> str:
    """The HTML page."""
    lang = report.lang
    indicators = {ind.id: ind for ind in report.packset.indicators}
    seen = tallies(report, by or View.indicator, MAX_PER_GROUP, MAX_ROWS)  # one pass over the results
    groups, districts, per_indicator = seen.groups, seen.districts, seen.indicators
    rows: Worst[Result] = seen.rows or Worst(MAX_ROWS)
    packs = "; ".join(f"{p.document} {p.title.get(lang)}" for p, _ in report.packset.packs)
    title = w("report_title", lang)
    body = [
        f"<header><h1>{e(title)}</h1><p class='muted'>{e(packs)}</p></header>",
        _summary(report),
        *([f"<p class='note'>{e(note)}</p>"] if (note := unlisted_note(report)) else []),
        _districts(report, districts),
        _breakdown(report, per_indicator),
        _problems(report, groups, indicators),
        _results(report, rows, indicators),
        _clauses(report),
        _inputs(report),
        f"<footer class='muted small'>"
        f"{e(w('generated_by', lang, tool='lifeservices-cli', version=__version__))}</footer>",
    ]
    return (
        f'<!DOCTYPE html>\n<html lang="{t("lang.html", lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + f"\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
