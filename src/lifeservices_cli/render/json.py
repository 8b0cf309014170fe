"""The JSON report: the report model's direct dump, UTF-8, stable key order.

Small sections are indented; each entry of the long lists (results, aggregates, indicators)
stands compact on its own line, which keeps large reports fast to write and easy to grep.
"""

from __future__ import annotations

import json
from typing import Any

from lifeservices_cli.report import Report

LISTS = ("indicators", "results", "aggregates")


def _dump(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent)


def render(report: Report) -> str:
    data = report.to_dict()
    parts = []
    for key, value in data.items():
        if key in LISTS and value:
            body = ",\n".join(f"    {_dump(item)}" for item in value)
            parts.append(f'  "{key}": [\n{body}\n  ]')
        else:
            parts.append(f'  "{key}": ' + _dump(value, 2).replace("\n", "\n  "))
    return "{\n" + ",\n".join(parts) + "\n}\n"
