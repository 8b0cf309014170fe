"""Compare two runs: every (record, indicator) before and after, and each district's rates.

A problem is ``fail``, ``missing_data`` or ``invalid_data``. The change of a matched result is
``fixed`` (a problem before, ``pass`` after), ``regressed`` (``pass`` before, a problem after),
``changed`` (any other change of status) or ``unchanged``; a result only in NEW is ``added``,
only in OLD ``removed``. Results without a key (``keys``) are never matched: they are counted
in ``unmatched``, not listed as added or removed.

Rates (``rates``): an aggregate indicator's value per group as the run computed it, and for
every standard indicator its 达标率 per district and for all districts (group null): passes over
passes and fails, in percent; records whose data are missing or invalid are counted beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

from lifeservices_cli.history.runs import Run
from lifeservices_cli.history.store import HistoryError

PROBLEMS = ("fail", "missing_data", "invalid_data")
CHANGES = ("fixed", "regressed", "changed", "unchanged", "added", "removed")
PERSON = "person"  # personal information: never in --public outputs


@dataclass
class Comparison:
    old: Run
    new: Run
    changes: pl.DataFrame  # record_key, record_id, record_name, district, entity, indicator, before, after, change
    rates: list[dict[str, Any]]
    unmatched: dict[str, int]
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        counts = dict(self.changes.group_by("change").len().iter_rows()) if self.changes.height else {}
        return {change: int(counts.get(change, 0)) for change in CHANGES}


def check_same_packs(old: Run, new: Run) -> list[str]:
    """Stop (exit 2) when the runs are of different packs; notes when a pack's content changed."""
    old_ids, new_ids = [p for p, _ in old.packs], [p for p, _ in new.packs]
    if sorted(old_ids) != sorted(new_ids):
        only_old = sorted(set(old_ids) - set(new_ids))
        only_new = sorted(set(new_ids) - set(old_ids))
        parts = []
        if only_old:
            parts.append(f"only {old.label} has {', '.join(only_old)}")
        if only_new:
            parts.append(f"only {new.label} has {', '.join(only_new)}")
        raise HistoryError(f"{old.label} and {new.label} are checks against different packs: " + "; ".join(parts))
    old_hash: dict[str, str] = {p: h for p, h in old.packs if h}
    new_hash: dict[str, str] = {p: h for p, h in new.packs if h}
    return [
        f"pack {p} changed between {old.label} and {new.label} (sha256 {old_hash[p][:12]}… → {new_hash[p][:12]}…)"
        for p in old_ids
        if old_hash.get(p) and new_hash.get(p) and old_hash[p] != new_hash[p]
    ]


def compare(old: Run, new: Run) -> Comparison:
    notes = check_same_packs(old, new)
    cols = ["match", "record_key", "record_id", "record_name", "district", "entity", "indicator", "status"]
    before = old.results.filter(pl.col("match").is_not_null()).select(cols)
    after = new.results.filter(pl.col("match").is_not_null()).select(cols)
    joined = before.join(after, on=["match", "indicator"], how="full", coalesce=True, suffix="_new")
    pick = {c: pl.coalesce(pl.col(f"{c}_new"), pl.col(c)).alias(c)
            for c in ("record_key", "record_id", "record_name", "district", "entity")}
    b, a = pl.col("status"), pl.col("status_new")
    change = (
        pl.when(b.is_null()).then(pl.lit("added"))
        .when(a.is_null()).then(pl.lit("removed"))
        .when(b == a).then(pl.lit("unchanged"))
        .when(b.is_in(PROBLEMS) & (a == "pass")).then(pl.lit("fixed"))
        .when((b == "pass") & a.is_in(PROBLEMS)).then(pl.lit("regressed"))
        .otherwise(pl.lit("changed"))
    )
    changes = joined.select(
        *pick.values(), pl.col("indicator"), b.alias("before"), a.alias("after"), change.alias("change"),
    )
    order = {ind: i for i, ind in enumerate([*old.indicators, *(k for k in new.indicators if k not in old.indicators)])}
    changes = changes.with_columns(
        pl.col("indicator").replace_strict(order, default=len(order), return_dtype=pl.Int64).alias("_order")
    ).sort(["_order", "district", "record_key"], nulls_last=True).drop("_order")
    unmatched = {
        "old": int(old.results.filter(pl.col("match").is_null()).height),
        "new": int(new.results.filter(pl.col("match").is_null()).height),
    }
    return Comparison(old, new, changes, compare_rates(old, new), unmatched, notes)


# --------------------------------------------------------------------------- rates


def rates(run: Run) -> dict[tuple[str, str | None], dict[str, Any]]:
    """(indicator, group) → {value, numerator, denominator, unknown, status, kind} for one run."""
    found: dict[tuple[str, str | None], dict[str, Any]] = {}
    for a in run.aggregates:
        found[(a.indicator, a.group)] = {
            "value": a.value, "numerator": a.numerator, "denominator": a.denominator, "status": a.status,
            "kind": "aggregate",
        }
    standard = [k for k, v in run.indicators.items() if v.get("kind") in (None, "standard")]
    frame = run.results.filter(pl.col("indicator").is_in(standard) & pl.col("status").is_in(["pass", *PROBLEMS]))
    if frame.height:
        counted = [
            (pl.col("status") == "pass").sum().alias("numerator"),
            pl.col("status").is_in(["pass", "fail"]).sum().alias("denominator"),
            pl.col("status").is_in(["missing_data", "invalid_data"]).sum().alias("unknown"),
        ]
        per_district = frame.group_by(["indicator", "district"]).agg(counted)
        overall = frame.group_by("indicator").agg(counted).with_columns(pl.lit(None, dtype=pl.Utf8).alias("district"))
        for row in pl.concat([per_district, overall.select(per_district.columns)]).iter_rows(named=True):
            key = (row["indicator"], row["district"])
            if key in found:
                continue
            found[key] = {
                "value": percent(row["numerator"], row["denominator"]),
                "numerator": row["numerator"],
                "denominator": row["denominator"],
                "unknown": row["unknown"],
                "status": None,
                "kind": "rate",
            }
    return found


def percent(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 2) if denominator else None


def difference(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else round(after - before, 2)


def compare_rates(old: Run, new: Run) -> list[dict[str, Any]]:
    before, after = rates(old), rates(new)
    order = [*old.indicators, *(k for k in new.indicators if k not in old.indicators)]
    keys = sorted(set(before) | set(after), key=lambda k: (order.index(k[0]) if k[0] in order else len(order),
                                                           k[1] is None, k[1] or ""))
    out = []
    for indicator, group in keys:
        b, a = before.get((indicator, group), {}), after.get((indicator, group), {})
        out.append({
            "indicator": indicator,
            "group": group,
            "kind": a.get("kind") or b.get("kind"),
            "before": b.get("value"),
            "after": a.get("value"),
            "change": difference(b.get("value"), a.get("value")),
            "before_status": b.get("status"),
            "after_status": a.get("status"),
            "before_numerator": b.get("numerator"),
            "before_denominator": b.get("denominator"),
            "after_numerator": a.get("numerator"),
            "after_denominator": a.get("denominator"),
        })
    return out


def district_counts(comparison: Comparison, public: bool) -> list[dict[str, Any]]:
    """Per indicator and district: how many results were fixed, regressed… (the bulletin's table)."""
    frame = comparison.changes
    if public:
        frame = frame.filter(pl.col("entity").is_null() | (pl.col("entity") != PERSON))
    if not frame.height:
        return []
    counts = frame.group_by(["indicator", "district", "change"]).len()
    table: dict[tuple[str, str | None], dict[str, int]] = {}
    for indicator, district, change, n in counts.iter_rows():
        table.setdefault((indicator, district), dict.fromkeys(CHANGES, 0))[change] = int(n)
    order = list(comparison.old.indicators) + list(comparison.new.indicators)
    return [
        {"indicator": ind, "district": district, **values}
        for (ind, district), values in sorted(
            table.items(), key=lambda kv: (order.index(kv[0][0]) if kv[0][0] in order else 0, kv[0][1] or "")
        )
    ]
