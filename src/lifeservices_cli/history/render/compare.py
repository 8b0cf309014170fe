"""``compare`` as a document: its JSON form (the contract), then a table, Markdown, HTML and CSV drawn from it.

``public`` (a bulletin, 统计公报): districts, indicators, rates and counts only — never a record
of the person entity, and no record below the district unless ``names`` asks for it (person
records are left out even then).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import polars as pl

from lifeservices_cli._version import __version__
from lifeservices_cli.history.compare import CHANGES, PERSON, Comparison, district_counts
from lifeservices_cli.history.render.common import (
    DOCUMENT_VERSION,
    MAX_LISTED,
    csv_cell,
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
    side_of,
    status_label,
    text_table,
    title_map,
    word,
)
from lifeservices_cli.i18n import Lang, t
from lifeservices_cli.render.common import visible
from lifeservices_cli.render.markdown import md


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
        "old": side_of(c.old),
        "new": side_of(c.new),
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
    doc["indicators"] = indicator_list(info, shown)
    return doc


def compare_json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _rate_rows(doc: dict[str, Any], lang: Lang) -> list[list[str]]:
    titles = title_map(doc)
    return [
        [titles.get(a["indicator"], a["indicator"]), group_label(a["group"], lang),
         f"{rate_text(a['before'])} ({fraction_text(a['before_numerator'], a['before_denominator'])})",
         f"{rate_text(a['after'])} ({fraction_text(a['after_numerator'], a['after_denominator'])})",
         points_text(a["change"])]
        for a in doc["aggregates"]
    ]


def _change_rows(doc: dict[str, Any], lang: Lang) -> tuple[list[list[str]], int]:
    titles = title_map(doc)
    listed = [ch for ch in doc.get("changes", []) if ch["change"] != "unchanged"]
    rows = [
        [titles.get(ch["indicator"], ch["indicator"]), ch["district"] or "—",
         " ".join(x for x in (ch["record_id"], ch["record_name"]) if x) or "—",
         status_label(ch["before"], lang), status_label(ch["after"], lang), word(ch["change"], lang)]
        for ch in listed[:MAX_LISTED]
    ]
    return rows, max(0, len(listed) - MAX_LISTED)


def _count_rows(doc: dict[str, Any], lang: Lang) -> list[list[str]]:
    titles = title_map(doc)
    return [
        [titles.get(d["indicator"], d["indicator"]), d["district"] or "—", *(str(d[c]) for c in CHANGES)]
        for d in doc.get("districts", [])
    ]


def _summary_line(doc: dict[str, Any], lang: Lang) -> str:
    return t("punct.comma", lang).join(f"{word(c, lang)} {doc['summary'][c]}" for c in CHANGES)


def _compare_title(doc: dict[str, Any], lang: Lang) -> str:
    return f"{word('compare', lang)}: {doc['old']['label']} → {doc['new']['label']}"


def _unmatched_line(doc: dict[str, Any], lang: Lang) -> str | None:
    u = doc["unmatched"]
    if not (u["old"] or u["new"]):
        return None
    return f"{word('unmatched', lang)}: {doc['old']['label']} {u['old']}, {doc['new']['label']} {u['new']}"


def compare_table(doc: dict[str, Any], lang: Lang, width: int | None = None) -> str:
    out = [visible(_compare_title(doc, lang)), ""]
    change_h = [word(k, lang) for k in ("indicator", "group", "record", "before", "after", "change")]
    if "changes" in doc:
        rows, more = _change_rows(doc, lang)
        out.append(word("changes", lang))
        out.append(text_table(change_h, rows, width) if rows else word("none", lang) + "\n")
        if more:
            out.append(word("more", lang, n=more) + "\n")
    if "districts" in doc:
        out.append(word("counts", lang))
        headers = [word("indicator", lang), word("group", lang), *(word(c, lang) for c in CHANGES)]
        out.append(text_table(headers, _count_rows(doc, lang), width))
    if doc["aggregates"]:
        out.append(word("rates", lang))
        headers = [word(k, lang) for k in ("indicator", "group", "before", "after", "change")]
        out.append(text_table(headers, _rate_rows(doc, lang), width))
    for note in doc["notes"]:
        out.append(f"! {visible(note)}")
    if line := _unmatched_line(doc, lang):
        out.append(f"! {visible(line)}")
    out.append(_summary_line(doc, lang))
    return "\n".join(out) + "\n"


def compare_markdown(doc: dict[str, Any], lang: Lang) -> str:
    out = [f"# {md(_compare_title(doc, lang))}", "", md(_summary_line(doc, lang)), ""]
    if doc["aggregates"]:
        out += [f"## {word('rates', lang)}", ""]
        out += md_table([word(k, lang) for k in ("indicator", "group", "before", "after", "change")],
                         _rate_rows(doc, lang))
    if "districts" in doc:
        out += [f"## {word('counts', lang)}", ""]
        out += md_table([word("indicator", lang), word("group", lang), *(word(c, lang) for c in CHANGES)],
                         _count_rows(doc, lang))
    if "changes" in doc:
        rows, more = _change_rows(doc, lang)
        out += [f"## {word('changes', lang)}", ""]
        out += md_table([word(k, lang) for k in ("indicator", "group", "record", "before", "after", "change")], rows)
        if more:
            out += [md(word("more", lang, n=more)), ""]
    out += md_clauses(doc, lang)
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
            writer.writerow([csv_cell(ch[k]) for k in ("record_id", "record_name", "district", "indicator", "before",
                                                      "after", "change")])
    else:  # public: the counts per district, then the rates
        writer.writerow(["indicator", "district", *CHANGES])
        for d in doc["districts"]:
            writer.writerow([csv_cell(d["indicator"]), csv_cell(d["district"]), *(d[c] for c in CHANGES)])
    return buffer.getvalue().encode("utf-8-sig")


def compare_html(doc: dict[str, Any], lang: Lang) -> str:
    title = _compare_title(doc, lang)
    body = [f"<h1>{esc(title)}</h1>", f"<p>{esc(_summary_line(doc, lang))}</p>"]
    if doc["aggregates"]:
        body.append(f"<h2>{esc(word('rates', lang))}</h2>")
        body.append(html_table([word(k, lang) for k in ("indicator", "group", "before", "after", "change")],
                                _rate_rows(doc, lang)))
    if "districts" in doc:
        body.append(f"<h2>{esc(word('counts', lang))}</h2>")
        body.append(html_table([word("indicator", lang), word("group", lang), *(word(c, lang) for c in CHANGES)],
                                _count_rows(doc, lang)))
    if "changes" in doc:
        rows, more = _change_rows(doc, lang)
        listed = [ch["change"] for ch in doc["changes"] if ch["change"] != "unchanged"][:MAX_LISTED]
        body.append(f"<h2>{esc(word('changes', lang))}</h2>")
        body.append(html_table([word(k, lang) for k in ("indicator", "group", "record", "before", "after", "change")],
                                rows, listed))
        if more:
            body.append(f"<p>{esc(word('more', lang, n=more))}</p>")
    body.append(html_clauses(doc, lang))
    notes = list(doc["notes"]) + ([line] if (line := _unmatched_line(doc, lang)) else [])
    body += [f'<p class="note">{esc(n)}</p>' for n in notes]
    return html_page(title, body, lang)


