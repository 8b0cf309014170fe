"""``compare`` and ``trend`` as documents: a table for the terminal, JSON, Markdown, HTML, CSV.

``compare_document`` and ``trend_document`` build the JSON form (the public contract); every
other format is drawn from that one dict, so the formats agree. ``public`` (a bulletin, 统计公报):
districts, indicators, rates and counts only — never a record of the person entity (personal
information), and no record below the district unless ``names`` asks for it (person records
are left out even then). Data text is escaped for each target: terminal control characters are
shown, Markdown and HTML are inert, CSV cells a spreadsheet would run as formulas get a ``'``.
"""

from __future__ import annotations

import csv
import html
import io
import json
from typing import Any

import polars as pl

from lifeservices_cli import __version__
from lifeservices_cli.history.compare import CHANGES, PERSON, Comparison, district_counts
from lifeservices_cli.i18n import Lang
from lifeservices_cli.render.common import status_text, visible
from lifeservices_cli.render.markdown import md
from lifeservices_cli.render.rows import neutralise

DOCUMENT_VERSION = 1
MAX_LISTED = 500  # changes listed in the table, Markdown and HTML (JSON and CSV list them all)

_WORDS: dict[str, tuple[str, str]] = {
    "fixed": ("已整改", "fixed"),
    "regressed": ("退步", "regressed"),
    "changed": ("有变化", "changed"),
    "unchanged": ("未变", "unchanged"),
    "added": ("新增", "added"),
    "removed": ("移除", "removed"),
    "compare": ("对比", "Comparison"),
    "trend": ("趋势", "Trend"),
    "rates": ("各县（市、区）达标率", "Rates per district"),
    "changes": ("逐条变化", "Changes per record"),
    "counts": ("各县（市、区）变化条数", "Changes per district"),
    "indicator": ("指标", "indicator"),
    "group": ("县（市、区）", "district"),
    "all": ("全部", "all"),
    "before": ("之前", "before"),
    "after": ("之后", "after"),
    "change": ("变化", "change"),
    "record": ("记录", "record"),
    "period": ("时期", "period"),
    "rate": ("达标率", "rate"),
    "count": ("达标/参评", "pass/checked"),
    "previous": ("环比", "vs previous"),
    "year": ("同比", "vs a year earlier"),
    "clause": ("条款", "clause"),
    "departments": ("责任部门", "departments"),
    "unmatched": ("无法匹配的记录（无编号、无县区或重复）", "unmatched records (no id, no district, or repeated)"),
    "more": ("另有 {n} 条未列出（见 --format json 或 csv）", "{n} more not listed (see --format json or csv)"),
    "person": ("按个人信息保护，不含个人（person）记录", "person records are left out (personal information)"),
    "summary": ("合计", "Summary"),
    "generated": ("由 lifeservices-cli {v} 生成", "Made by lifeservices-cli {v}"),
    "source": ("数据来源", "Sources"),
    "none": ("（无）", "(none)"),
}


def word(key: str, lang: Lang, **values: Any) -> str:
    zh, en = _WORDS[key]
    return (zh if lang == "zh" else en).format(**values)


def _group(group: str | None, lang: Lang) -> str:
    return group if group else word("all", lang)


def _indicators(info: dict[str, dict[str, Any]], keep: set[str] | None = None) -> list[dict[str, Any]]:
    return [
        {"id": k, "title": v.get("title"), "entity": v.get("entity"), "clause": v.get("clause"),
         "quote": v.get("quote"), "departments": list(v.get("departments") or [])}
        for k, v in info.items()
        if keep is None or k in keep
    ]


def _side(run: Any) -> dict[str, Any]:
    return {"label": run.label, "run_id": run.run_id, "period": run.period, "as_of": run.as_of}


# --------------------------------------------------------------------------- compare


def compare_document(
    c: Comparison, *, public: bool = False, names: bool = False, lang: Lang = "en"
) -> dict[str, Any]:
    """The JSON form of a comparison (``changes[]``, ``aggregates[]``, ``summary``)."""
    frame = c.changes
    notes = list(c.notes)
    if public:
        frame = frame.filter(pl.col("entity").is_null() | (pl.col("entity") != PERSON))
        notes.append(word("person", lang))
    info = {**c.old.indicators, **c.new.indicators}
    aggregates = [a for a in c.rates if not public or info.get(a["indicator"], {}).get("entity") != PERSON]
    counts = dict(frame.group_by("change").len().iter_rows()) if frame.height else {}
    doc: dict[str, Any] = {
        "document_version": DOCUMENT_VERSION,
        "kind": "compare",
        "tool": {"name": "lifeservices-cli", "version": __version__},
        "public": public,
        "old": _side(c.old),
        "new": _side(c.new),
        "summary": {change: int(counts.get(change, 0)) for change in CHANGES},
        "unmatched": c.unmatched,
        "notes": notes,
    }
    if not public or names:
        fields = ["record_id", "record_name", "district", "indicator", "before", "after", "change"]
        doc["changes"] = frame.select(fields).to_dicts()
    doc["aggregates"] = aggregates
    if public:
        doc["districts"] = district_counts(c, public=True)
    shown = {k for k, v in info.items() if not public or v.get("entity") != PERSON}
    doc["indicators"] = _indicators(info, shown)
    return doc


def compare_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _titles(doc: dict[str, Any]) -> dict[str, str]:
    return {i["id"]: i.get("title") or i["id"] for i in doc["indicators"]}


def _rate(value: Any) -> str:
    return "—" if value is None else f"{round(value, 2):g}%"


def _points(value: Any) -> str:
    return "—" if value is None else f"{value:+g}"


def _fraction(n: Any, d: Any) -> str:
    return "—" if n is None or d is None else f"{n}/{d}"


def _status(status: str | None, lang: Lang) -> str:
    return status_text(status, lang) if status else "—"


def _rate_rows(doc: dict[str, Any], lang: Lang) -> list[list[str]]:
    titles = _titles(doc)
    return [
        [titles.get(a["indicator"], a["indicator"]), _group(a["group"], lang),
         f"{_rate(a['before'])} ({_fraction(a['before_numerator'], a['before_denominator'])})",
         f"{_rate(a['after'])} ({_fraction(a['after_numerator'], a['after_denominator'])})",
         _points(a["change"])]
        for a in doc["aggregates"]
    ]


def _change_rows(doc: dict[str, Any], lang: Lang) -> tuple[list[list[str]], int]:
    titles = _titles(doc)
    listed = [ch for ch in doc.get("changes", []) if ch["change"] != "unchanged"]
    rows = [
        [titles.get(ch["indicator"], ch["indicator"]), ch["district"] or "—",
         " ".join(x for x in (ch["record_id"], ch["record_name"]) if x) or "—",
         _status(ch["before"], lang), _status(ch["after"], lang), word(ch["change"], lang)]
        for ch in listed[:MAX_LISTED]
    ]
    return rows, max(0, len(listed) - MAX_LISTED)


def _count_rows(doc: dict[str, Any], lang: Lang) -> list[list[str]]:
    titles = _titles(doc)
    return [
        [titles.get(d["indicator"], d["indicator"]), d["district"] or "—", *(str(d[c]) for c in CHANGES)]
        for d in doc.get("districts", [])
    ]


def _summary_line(doc: dict[str, Any], lang: Lang) -> str:
    sep = "，" if lang == "zh" else ", "
    return sep.join(f"{word(c, lang)} {doc['summary'][c]}" for c in CHANGES)


def _compare_title(doc: dict[str, Any], lang: Lang) -> str:
    return f"{word('compare', lang)}: {doc['old']['label']} → {doc['new']['label']}"


def _unmatched_line(doc: dict[str, Any], lang: Lang) -> str | None:
    u = doc["unmatched"]
    if not (u["old"] or u["new"]):
        return None
    return f"{word('unmatched', lang)}: {doc['old']['label']} {u['old']}, {doc['new']['label']} {u['new']}"


def _text_table(headers: list[str], rows: list[list[str]], width: int | None) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(*headers, show_lines=False)
    for row in rows:
        table.add_row(*(visible(cell) for cell in row))
    buffer = io.StringIO()
    Console(file=buffer, width=width or 160, no_color=True, highlight=False, emoji=False, markup=False).print(table)
    return buffer.getvalue()


def compare_table(doc: dict[str, Any], lang: Lang, width: int | None = None) -> str:
    out = [visible(_compare_title(doc, lang)), ""]
    change_h = [word(k, lang) for k in ("indicator", "group", "record", "before", "after", "change")]
    if "changes" in doc:
        rows, more = _change_rows(doc, lang)
        out.append(word("changes", lang))
        out.append(_text_table(change_h, rows, width) if rows else word("none", lang) + "\n")
        if more:
            out.append(word("more", lang, n=more) + "\n")
    if "districts" in doc:
        out.append(word("counts", lang))
        headers = [word("indicator", lang), word("group", lang), *(word(c, lang) for c in CHANGES)]
        out.append(_text_table(headers, _count_rows(doc, lang), width))
    if doc["aggregates"]:
        out.append(word("rates", lang))
        headers = [word(k, lang) for k in ("indicator", "group", "before", "after", "change")]
        out.append(_text_table(headers, _rate_rows(doc, lang), width))
    for note in doc["notes"]:
        out.append(f"! {visible(note)}")
    if line := _unmatched_line(doc, lang):
        out.append(f"! {visible(line)}")
    out.append(_summary_line(doc, lang))
    return "\n".join(out) + "\n"


def _md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(md(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in rows]
    return lines + [""]


def _md_clauses(doc: dict[str, Any], lang: Lang) -> list[str]:
    lines = [f"## {word('clause', lang)}", ""]
    headers = [word("indicator", lang), word("clause", lang), word("departments", lang)]
    rows = [[i.get("title") or i["id"], i.get("clause") or "—", "、".join(i.get("departments") or [])]
            for i in doc["indicators"]]
    return lines + _md_table(headers, rows)


def compare_markdown(doc: dict[str, Any], lang: Lang) -> str:
    out = [f"# {md(_compare_title(doc, lang))}", "", md(_summary_line(doc, lang)), ""]
    if doc["aggregates"]:
        out += [f"## {word('rates', lang)}", ""]
        out += _md_table([word(k, lang) for k in ("indicator", "group", "before", "after", "change")],
                         _rate_rows(doc, lang))
    if "districts" in doc:
        out += [f"## {word('counts', lang)}", ""]
        out += _md_table([word("indicator", lang), word("group", lang), *(word(c, lang) for c in CHANGES)],
                         _count_rows(doc, lang))
    if "changes" in doc:
        rows, more = _change_rows(doc, lang)
        out += [f"## {word('changes', lang)}", ""]
        out += _md_table([word(k, lang) for k in ("indicator", "group", "record", "before", "after", "change")], rows)
        if more:
            out += [md(word("more", lang, n=more)), ""]
    out += _md_clauses(doc, lang)
    for note in doc["notes"]:
        out += [f"> {md(note)}", ""]
    if line := _unmatched_line(doc, lang):
        out += [f"> {md(line)}", ""]
    out.append(md(word("generated", lang, v=__version__)))
    return "\n".join(out) + "\n"


def compare_csv(doc: dict[str, Any], lang: Lang) -> bytes:
    """Every change (all records, ``unchanged`` too), then nothing else: one flat table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if "changes" in doc:
        writer.writerow(["record_id", "record_name", "district", "indicator", "before", "after", "change"])
        for ch in doc["changes"]:
            writer.writerow([_cell(ch[k]) for k in ("record_id", "record_name", "district", "indicator", "before",
                                                      "after", "change")])
    else:  # public: the counts per district, then the rates
        writer.writerow(["indicator", "district", *CHANGES])
        for d in doc["districts"]:
            writer.writerow([_cell(d["indicator"]), _cell(d["district"]), *(d[c] for c in CHANGES)])
    return buffer.getvalue().encode("utf-8-sig")


def _cell(value: Any) -> str:
    return "" if value is None else neutralise(visible(str(value)))


def _e(value: Any) -> str:
    return html.escape(visible("" if value is None else str(value)), quote=True)


_CSS = """body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",
"WenQuanYi Micro Hei",sans-serif;margin:2rem;color:#222;max-width:70rem}
table{border-collapse:collapse;margin:0.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:0.25rem 0.5rem;
text-align:left}th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.fixed{color:#1a7f37}.regressed{color:#c62828;font-weight:bold}.note{color:#8a5a00}
svg text{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif}"""


def _html_table(headers: list[str], rows: list[list[str]], classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes and classes[i] else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{_e(cell)}</td>" for cell in row) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _html_page(title: str, body: list[str], lang: Lang) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(body)
        + f"\n<footer><p>{_e(word('generated', lang, v=__version__))}</p></footer></body></html>\n"
    )


def _html_clauses(doc: dict[str, Any], lang: Lang) -> str:
    headers = [word("indicator", lang), word("clause", lang), word("departments", lang)]
    rows = [[i.get("title") or i["id"], f"{i.get('clause') or '—'} {i.get('quote') or ''}".strip(),
             "、".join(i.get("departments") or [])] for i in doc["indicators"]]
    return f"<h2>{_e(word('clause', lang))}</h2>" + _html_table(headers, rows)


def compare_html(doc: dict[str, Any], lang: Lang) -> str:
    title = _compare_title(doc, lang)
    body = [f"<h1>{_e(title)}</h1>", f"<p>{_e(_summary_line(doc, lang))}</p>"]
    if doc["aggregates"]:
        body.append(f"<h2>{_e(word('rates', lang))}</h2>")
        body.append(_html_table([word(k, lang) for k in ("indicator", "group", "before", "after", "change")],
                                _rate_rows(doc, lang)))
    if "districts" in doc:
        body.append(f"<h2>{_e(word('counts', lang))}</h2>")
        body.append(_html_table([word("indicator", lang), word("group", lang), *(word(c, lang) for c in CHANGES)],
                                _count_rows(doc, lang)))
    if "changes" in doc:
        rows, more = _change_rows(doc, lang)
        listed = [ch["change"] for ch in doc["changes"] if ch["change"] != "unchanged"][:MAX_LISTED]
        body.append(f"<h2>{_e(word('changes', lang))}</h2>")
        body.append(_html_table([word(k, lang) for k in ("indicator", "group", "record", "before", "after", "change")],
                                rows, listed))
        if more:
            body.append(f"<p>{_e(word('more', lang, n=more))}</p>")
    body.append(_html_clauses(doc, lang))
    notes = list(doc["notes"]) + ([line] if (line := _unmatched_line(doc, lang)) else [])
    body += [f'<p class="note">{_e(n)}</p>' for n in notes]
    return _html_page(title, body, lang)


# --------------------------------------------------------------------------- trend


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
        "indicators": _indicators(info, keep),
        "notes": [word("person", lang)] if public else [],
    }


def _trend_rows(doc: dict[str, Any], lang: Lang) -> list[list[str]]:
    titles = _titles(doc)
    rows = []
    for s in doc["series"]:
        for p in s["points"]:
            rows.append([titles.get(s["indicator"], s["indicator"]), _group(s["group"], lang), p["period"],
                         _rate(p["value"]), _fraction(p["numerator"], p["denominator"]),
                         _points(p["change_previous"]), _points(p["change_year"])])
    return rows


def _trend_headers(lang: Lang) -> list[str]:
    return [word(k, lang) for k in ("indicator", "group", "period", "rate", "count", "previous", "year")]


def _trend_title(doc: dict[str, Any], lang: Lang) -> str:
    periods = doc["periods"]
    span = f"{periods[0]} – {periods[-1]}" if periods else word("none", lang)
    return f"{word('trend', lang)}: {span}"


def trend_table(doc: dict[str, Any], lang: Lang, width: int | None = None) -> str:
    out = [visible(_trend_title(doc, lang)), _text_table(_trend_headers(lang), _trend_rows(doc, lang), width)]
    out += [f"! {visible(n)}" for n in doc["notes"]]
    return "\n".join(out) + "\n"


def trend_markdown(doc: dict[str, Any], lang: Lang) -> str:
    out = [f"# {md(_trend_title(doc, lang))}", ""]
    out += _md_table(_trend_headers(lang), _trend_rows(doc, lang))
    out += _md_clauses(doc, lang)
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
             f'aria-label="{_e(title)}">', f'<title>{_e(title)}</title>',
             f'<text x="{left}" y="18" font-size="14" font-weight="bold">{_e(title)}</text>']
    for tick in (0, 25, 50, 75, 100):
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="11" text-anchor="end">{tick}%</text>')
    for i, label in enumerate(periods):
        parts.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 18}" font-size="11" text-anchor="middle">'
                     f"{_e(label)}</text>")
    for k, (name, values) in enumerate(lines):
        colour = PALETTE[k % len(PALETTE)]
        points = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for px, py in points]
        ly = top + 14 + 18 * k
        parts.append(f'<rect x="{left + plot_w + 12}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{left + plot_w + 26}" y="{ly}" font-size="12" class="legend">{_e(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def trend_html(doc: dict[str, Any], lang: Lang) -> str:
    title = _trend_title(doc, lang)
    titles = _titles(doc)
    body = [f"<h1>{_e(title)}</h1>"]
    periods = doc["periods"]
    by_indicator: dict[str, list[dict[str, Any]]] = {}
    for s in doc["series"]:
        by_indicator.setdefault(s["indicator"], []).append(s)
    for indicator, series in by_indicator.items():
        lines = []
        for s in series:
            values = {p["period"]: p["value"] for p in s["points"]}
            lines.append((_group(s["group"], lang), [values.get(p) for p in periods]))
        body.append(f'<figure class="chart">{line_chart(titles.get(indicator, indicator), periods, lines, lang)}'
                    "</figure>")
    body.append(_html_table(_trend_headers(lang), _trend_rows(doc, lang)))
    body.append(_html_clauses(doc, lang))
    body += [f'<p class="note">{_e(n)}</p>' for n in doc["notes"]]
    return _html_page(title, body, lang)
