"""The JSON report: the report model's direct dump, UTF-8, stable key order."""

from __future__ import annotations

import json

from lifeservices_cli.report import Report


def render(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n"
