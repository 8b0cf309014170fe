"""Trends: each group's rate per indicator over the stored periods, with 环比 and 同比.

A period is the latest run saved under its label. Periods are ordered by their labels when
they all have one shape (``2023``, ``2023Q4``, ``2023H2``, ``2023-06``, ``2023-06-30``), else by
``as_of``. 环比 (``change_previous``) is the change from the previous period in that order;
同比 (``change_year``) the change from the period with the same label a year earlier (``2023Q4``
← ``2022Q4``), when the labels allow. Changes are in percentage points.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lifeservices_cli.history.compare import difference, rates
from lifeservices_cli.history.runs import Run

_SHAPES: list[tuple[str, re.Pattern[str]]] = [
    ("year", re.compile(r"^(\d{4})$")),
    ("quarter", re.compile(r"^(\d{4})\s*[Qq]([1-4])$")),
    ("half", re.compile(r"^(\d{4})\s*[Hh]([12])$")),
    ("month", re.compile(r"^(\d{4})-(\d{1,2})$")),
    ("day", re.compile(r"^(\d{4})-(\d{2}-\d{2})$")),
]


def parse_period(label: str) -> tuple[str, int, str] | None:
    """(shape, year, the part within the year) of a label, or None."""
    for shape, pattern in _SHAPES:
        m = pattern.match(label.strip())
        if m:
            rest = m.group(2).zfill(2) if m.lastindex and m.lastindex > 1 else ""
            return shape, int(m.group(1)), rest
    return None


def order_periods(runs: list[Run]) -> list[Run]:
    parsed = [p for p in (parse_period(r.period) for r in runs) if p is not None]
    if len(parsed) == len(runs) and len({p[0] for p in parsed}) == 1:
        return [r for _, r in sorted(zip(parsed, runs, strict=True), key=lambda pr: (pr[0][1], pr[0][2]))]
    return sorted(runs, key=lambda r: (r.as_of, r.period))


def year_before(label: str) -> str | None:
    parsed = parse_period(label)
    if parsed is None:
        return None
    shape, year, rest = parsed
    m = next(p for s, p in _SHAPES if s == shape).match(label.strip())
    assert m is not None
    return label.strip()[: m.start(1)] + str(year - 1) + label.strip()[m.end(1):]


def trend(
    runs: list[Run], indicator: str | None = None, keep: Callable[[str], bool] | None = None
) -> dict[str, Any]:
    """``series[]`` {indicator, group, points[] {period, value, numerator, denominator, status, …}}."""
    ordered = order_periods(runs)
    labels = [r.period for r in ordered]
    per_period = [rates(r) for r in ordered]
    order: list[str] = []
    info: dict[str, dict[str, Any]] = {}
    for r in ordered:
        for k, v in r.indicators.items():
            if k not in info:
                order.append(k)
            info[k] = v
    keys: list[tuple[str, str | None]] = []
    for found in per_period:
        keys += [k for k in found if k not in keys]
    keys = [k for k in keys if (indicator is None or k[0] == indicator) and (keep is None or keep(k[0]))]
    keys.sort(key=lambda k: (order.index(k[0]) if k[0] in order else len(order), k[1] is None, k[1] or ""))
    series = []
    for ind, group in keys:
        points: list[dict[str, Any]] = []
        values: dict[str, float | None] = {}
        previous: float | None = None
        for label, found in zip(labels, per_period, strict=True):
            point = found.get((ind, group))
            if point is None:
                continue
            value = point["value"]
            earlier = year_before(label)
            points.append({
                "period": label,
                "value": value,
                "numerator": point["numerator"],
                "denominator": point["denominator"],
                "status": point["status"],
                "change_previous": difference(previous, value) if points else None,
                "change_year": difference(values.get(earlier), value) if earlier in values else None,
            })
            values[label] = value
            previous = value
        series.append({"indicator": ind, "group": group, "kind": next(
            (f[(ind, group)]["kind"] for f in per_period if (ind, group) in f), None), "points": points})
    return {"periods": labels, "series": series, "indicators": {k: info[k] for k in order if k in info}}
