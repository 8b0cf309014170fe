"""``trend`` as a document: its JSON form (``series[]``), a table, Markdown, and HTML with line charts
(inline SVG: offline, labels in the system's Chinese fonts). ``public`` leaves the person entity out."""

from __future__ import annotations

from typing import Any

from lifeservices_cli._version import __version__
from lifeservices_cli.history.compare import PERSON
from lifeservices_cli.history.render.common import (
    DOCUMENT_VERSION,
    esc,
    fraction_text,
    group_label,
    html_clauses,
    html_page,
    html_table,
    indicator_list,
    md_clauses,
    md_table,
    points_text,
    rate_text,
    text_table,
    title_map,
    word,
)
from lifeservices_cli.i18n import Lang
from lifeservices_cli.render.common import visible
from lifeservices_cli.render.markdown import md


def trend_document(data: dict[str, Any], *, public: bool = False, lang: Lang = "en") -> dict[str, Any]:
    info = data["indicators"]
    keep = {k for k, v in info.items() if not public or v.get("entity") != PERSON}
    return {
        "document_version": DOCUMENT_VERSION,
        "kind": "trend",
        "tool": {"name": "lifeservices-cli", "version": __version__},
        "public": public,
        "periods": data["periods"],
        "series": [s for s in data["series"] if s["indicator"] in keep],
        "indicators": indicator_list(info, keep),
        "notes": [word("person", lang)] if public else [],
    }


def _trend_rows(doc: dict[str, Any], lang: Lang) -> list[list[str]]:
    titles = title_map(doc)
    rows = []
    for s in doc["series"]:
        for p in s["points"]:
            rows.append([titles.get(s["indicator"], s["indicator"]), group_label(s["group"], lang), p["period"],
                         rate_text(p["value"]), fraction_text(p["numerator"], p["denominator"]),
                         points_text(p["change_previous"]), points_text(p["change_year"])])
    return rows


def _trend_headers(lang: Lang) -> list[str]:
    return [word(k, lang) for k in ("indicator", "group", "period", "rate", "count", "previous", "year")]


def _trend_title(doc: dict[str, Any], lang: Lang) -> str:
    periods = doc["periods"]
    span = f"{periods[0]} – {periods[-1]}" if periods else word("none", lang)
    return f"{word('trend', lang)}: {span}"


def trend_table(doc: dict[str, Any], lang: Lang, width: int | None = None) -> str:
    out = [visible(_trend_title(doc, lang)), text_table(_trend_headers(lang), _trend_rows(doc, lang), width)]
    out += [f"! {visible(n)}" for n in doc["notes"]]
    return "\n".join(out) + "\n"


def trend_markdown(doc: dict[str, Any], lang: Lang) -> str:
    out = [f"# {md(_trend_title(doc, lang))}", ""]
    out += md_table(_trend_headers(lang), _trend_rows(doc, lang))
    out += md_clauses(doc, lang)
    out += [f"> {md(n)}" for n in doc["notes"]]
    out.append(md(word("generated", lang, v=__version__)))
    return "\n".join(out) + "\n"


PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f")


def line_chart(title: str, periods: list[str], lines: list[tuple[str, list[float | None]]], lang: Lang) -> str:
    """An inline SVG line chart of rates (0–100 %) over ``periods``: one line per group."""
    w, h, left, right, top, bottom = 640, 300, 48, 150, 30, 40
    plot_w, plot_h = w - left - right, h - top - bottom
    n = max(1, len(periods) - 1)

    def x(i: int) -> float:
        return left + (plot_w * i / n if len(periods) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - max(0.0, min(100.0, v)) / 100)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
             f'aria-label="{esc(title)}">', f'<title>{esc(title)}</title>',
             f'<text x="{left}" y="18" font-size="14" font-weight="bold">{esc(title)}</text>']
    for tick in (0, 25, 50, 75, 100):
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end">{tick}%</text>')
    for i, label in enumerate(periods):
        parts.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 18}" font-size="11" text-anchor="middle">'
                     f"{esc(label)}</text>")
    for k, (name, values) in enumerate(lines):
        colour = PALETTE[k % len(PALETTE)]
        points = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for px, py in points]
        ly = top + 14 + 18 * k
        parts.append(f'<rect x="{left + plot_w + 12}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{left + plot_w + 26}" y="{ly}" font-size="12" class="legend">{esc(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def trend_html(doc: dict[str, Any], lang: Lang) -> str:
    title = _trend_title(doc, lang)
    titles = title_map(doc)
    body = [f"<h1>{esc(title)}</h1>"]
    periods = doc["periods"]
    by_indicator: dict[str, list[dict[str, Any]]] = {}
    for s in doc["series"]:
        by_indicator.setdefault(s["indicator"], []).append(s)
    for indicator, series in by_indicator.items():
        lines = []
        for s in series:
            values = {p["period"]: p["value"] for p in s["points"]}
            lines.append((group_label(s["group"], lang), [values.get(p) for p in periods]))
        body.append(f'<figure class="chart">{line_chart(titles.get(indicator, indicator), periods, lines, lang)}'
                    "</figure>")
    body.append(html_table(_trend_headers(lang), _trend_rows(doc, lang)))
    body.append(html_clauses(doc, lang))
    body += [f'<p class="note">{esc(n)}</p>' for n in doc["notes"]]
    return html_page(title, body, lang)
