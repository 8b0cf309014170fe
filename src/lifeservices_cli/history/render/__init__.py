"""``compare`` and ``trend`` as documents: JSON (the contract) and the formats drawn from it.

Data text is escaped for each target: terminal control characters are shown, Markdown and HTML
are inert, CSV cells a spreadsheet would run as formulas get a ``'``.
"""

from lifeservices_cli.history.render.compare import (
    compare_csv,
    compare_document,
    compare_html,
    compare_json,
    compare_markdown,
    compare_table,
)
from lifeservices_cli.history.render.trend import line_chart, trend_document, trend_html, trend_markdown, trend_table

__all__ = [
    "compare_csv",
    "compare_document",
    "compare_html",
    "compare_json",
    "compare_markdown",
    "compare_table",
    "line_chart",
    "trend_document",
    "trend_html",
    "trend_markdown",
    "trend_table",
]
