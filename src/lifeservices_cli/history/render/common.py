"""What the ``compare`` and ``trend`` documents share: words in two languages, cells, tables, pages.

``compare_document`` and ``trend_document`` build the JSON form (the public contract); every
other format is drawn from that one dict, so the formats agree. ``public`` (a bulletin, 统计公报):
districts, indicators, rates and counts only — never a record of the person entity (personal
information), and no record below the district unless ``names`` asks for it (person records
are left out even then). Data text is escaped for each target: terminal control characters are
shown, Markdown and HTML are inert, CSV cells a spreadsheet would run as formulas get a ``'``.
"""

from __future__ import annotations

import html
import io
from typing import Any

from lifeservices_cli._version import __version__
from lifeservices_cli.i18n import Lang, t
from lifeservices_cli.render.common import status_text, visible
from lifeservices_cli.render.markdown import md
from lifeservices_cli.render.rows import neutralise

DOCUMENT_VERSION = 1
MAX_LISTED = 500  # changes listed in the table, Markdown and HTML (JSON and CSV list them all)



def word(key: str, lang: Lang, **values: Any) -> str:
    """The monitoring documents' word ``key`` (``history.KEY`` in the catalogue) in ``lang``."""
    return t("history." + key, lang, **values)


def group_label(group: str | None, lang: Lang) -> str:
    return group if group else word("all", lang)


def indicator_list(info: dict[str, dict[str, Any]], keep: set[str] | None = None) -> list[dict[str, Any]]:
    return [
        {"id": k, "title": v.get("title"), "entity": v.get("entity"), "clause": v.get("clause"),
         "quote": v.get("quote"), "departments": list(v.get("departments") or [])}
        for k, v in info.items()
        if keep is None or k in keep
    ]


def side_of(run: Any) -> dict[str, Any]:
    return {"label": run.label, "run_id": run.run_id, "period": run.period, "as_of": run.as_of}


def title_map(doc: dict[str, Any]) -> dict[str, str]:
    return {i["id"]: i.get("title") or i["id"] for i in doc["indicators"]}


def rate_text(value: Any) -> str:
    return "—" if value is None else f"{round(value, 2):g}%"


def points_text(value: Any) -> str:
    return "—" if value is None else f"{value:+g}"


def fraction_text(n: Any, d: Any) -> str:
    return "—" if n is None or d is None else f"{n}/{d}"


def status_label(status: str | None, lang: Lang) -> str:
    return status_text(status, lang) if status else "—"


def text_table(headers: list[str], rows: list[list[str]], width: int | None) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(*headers, show_lines=False)
    for row in rows:
        table.add_row(*(visible(cell) for cell in row))
    buffer = io.StringIO()
    Console(file=buffer, width=width or 160, no_color=True, highlight=False, emoji=False, markup=False).print(table)
    return buffer.getvalue()


def md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(md(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(md(cell) for cell in row) + " |" for row in rows]
    return lines + [""]


def md_clauses(doc: dict[str, Any], lang: Lang) -> list[str]:
    lines = [f"## {word('clause', lang)}", ""]
    headers = [word("indicator", lang), word("clause", lang), word("departments", lang)]
    rows = [[i.get("title") or i["id"], i.get("clause") or "—", "、".join(i.get("departments") or [])]
            for i in doc["indicators"]]
    return lines + md_table(headers, rows)


def csv_cell(value: Any) -> str:
    return "" if value is None else neutralise(visible(str(value)))


def esc(value: Any) -> str:
    return html.escape(visible("" if value is None else str(value)), quote=True)


CSS = """body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",
"WenQuanYi Micro Hei",sans-serif;margin:2rem;color:#222;max-width:70rem}
table{border-collapse:collapse;margin:0.5rem 0 1.5rem}th,td{border:1px solid #ccc;padding:0.25rem 0.5rem;
text-align:left}th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.fixed{color:#1a7f37}.regressed{color:#c62828;font-weight:bold}.note{color:#8a5a00}
svg text{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif}"""


def html_table(headers: list[str], rows: list[list[str]], classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes and classes[i] else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def html_page(title: str, body: list[str], lang: Lang) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{t("lang.html", lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(body)
        + f"\n<footer><p>{esc(word('generated', lang, v=__version__))}</p></footer></body></html>\n"
    )


def html_clauses(doc: dict[str, Any], lang: Lang) -> str:
    headers = [word("indicator", lang), word("clause", lang), word("departments", lang)]
    rows = [[i.get("title") or i["id"], f"{i.get('clause') or '—'} {i.get('quote') or ''}".strip(),
             "、".join(i.get("departments") or [])] for i in doc["indicators"]]
    return f"<h2>{esc(word('clause', lang))}</h2>" + html_table(headers, rows)
