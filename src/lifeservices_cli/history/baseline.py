"""``check --baseline REPORT.json|RUN``: problems the baseline already had are known.

A problem of this check (a result or aggregate whose status counts under ``--fail-on``) is
*known* when the baseline has the same record key, indicator and status (an aggregate: the same
indicator, group and status); every other problem is *new*. Only new problems decide the exit
code, as linters' baselines do (checkov ``--baseline``, phpstan's baseline file). Matching uses
the same keys as ``compare`` (``keys``): a result that cannot be matched is always new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from lifeservices_cli.history import keys
from lifeservices_cli.history.runs import Run
from lifeservices_cli.history.save import result_frames

if TYPE_CHECKING:
    from lifeservices_cli.report.model import Report

LISTED = 20


@dataclass
class Outcome:
    label: str
    known: int = 0
    new: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)  # the first new problems

    def summary(self) -> dict[str, Any]:
        return {"baseline": self.label, "known": self.known, "new": self.new}


def apply(report: Report, baseline: Run, failing: frozenset[str]) -> Outcome:
    """Count this check's problems (statuses in ``failing``) as known or new against ``baseline``."""
    outcome = Outcome(baseline.label)
    if not failing:
        return outcome
    entities = {ind.id: ind.spec.entity for ind in report.packset.indicators}
    old = baseline.results.filter(pl.col("match").is_not_null()).select("match", "indicator", "status").unique()
    for frame in _matchable(report, entities):
        problems = frame.filter(pl.col("status").is_in(list(failing)))
        if not problems.height:
            continue
        marked = problems.join(old.with_columns(pl.lit(True).alias("known")), on=["match", "indicator", "status"],
                               how="left", nulls_equal=False)
        known = int(marked["known"].sum() or 0)
        outcome.known += known
        outcome.new += problems.height - known
        if len(outcome.examples) < LISTED:
            fresh = marked.filter(pl.col("known").is_null()).head(LISTED - len(outcome.examples))
            outcome.examples += fresh.select("record_id", "record_name", "district", "indicator", "status").to_dicts()
    old_aggregates = {(a.indicator, a.group, a.status) for a in baseline.aggregates}
    for a in report.aggregates:
        if a.status in failing:
            if (a.indicator, a.group, a.status) in old_aggregates:
                outcome.known += 1
            else:
                outcome.new += 1
                if len(outcome.examples) < LISTED:
                    outcome.examples.append({"record_id": None, "record_name": None, "district": a.group,
                                             "indicator": a.indicator, "status": a.status})
    return outcome


def _matchable(report: Report, entities: dict[str, str]) -> list[pl.DataFrame]:
    """This check's results with their match keys (matching needs the whole run: repeats decide)."""
    frames = [
        f.select("record_id", "record_name", "district", "year", "indicator", "status")
        for f in result_frames(report)
    ]
    if not frames:
        return []
    frame = pl.concat(frames).with_columns(
        pl.col("indicator").replace_strict(entities, default=None, return_dtype=pl.Utf8).alias("entity")
    )
    return [keys.match_keys(frame.with_columns(keys.key_expr().alias("record_key")))]
