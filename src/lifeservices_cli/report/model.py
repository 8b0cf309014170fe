"""The report: one model that every output format renders from.

``to_dict`` is the JSON report (``schema_version`` 2); its keys are a public contract,
documented in docs/report-schema.md and published as a JSON Schema (``lifeservices schema
report``). What is the same for every result of an indicator (its title, clause, departments,
checks with their comparators, units and thresholds) stands once in ``indicators``; each result
keeps only what is its own. Counting and the exit code live here, so every format agrees.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from lifeservices_cli._version import __version__
from lifeservices_cli.engine.results import (
    ELIGIBLE,
    FAIL,
    INVALID,
    MISSING,
    NA,
    NOT_ELIGIBLE,
    PASS,
    STATUSES,
    AggregateResult,
    FailOn,
    Result,
    aggregate_entry,
    path_text,
    result_entry,
)
from lifeservices_cli.i18n import Lang
from lifeservices_cli.packs.compiler import Check
from lifeservices_cli.packs.packset import PackSet
from lifeservices_cli.report.store import ResultStore
from lifeservices_cli.semantics.numbers import to_json
from lifeservices_cli.sources import InputInfo, Table, reread

SCHEMA_VERSION = 2
#: ``--results``: which results of records the reports list (``None``: every one). Counts are always of all.
Listing = Literal["all", "problems", "none"]
LISTED: dict[str, frozenset[str] | None] = {
    "all": None,
    "problems": frozenset({FAIL, INVALID, MISSING}),
    "none": frozenset(),
}
#: Which statuses make ``--fail-on`` exit 1.
FAILING: dict[str, frozenset[str]] = {
    "any": frozenset({FAIL, INVALID, MISSING}),
    "fail": frozenset({FAIL}),
    "never": frozenset(),
}


@dataclass
class Report:
    packset: PackSet
    lang: Lang
    as_of: date = field(default_factory=date.today)
    not_in_force: list[str] = field(default_factory=list)
    inputs: list[InputInfo] = field(default_factory=list)
    aggregates: list[AggregateResult] = field(default_factory=list)
    #: Inputs that are no file (records built in Python): their path → a fresh table of their rows.
    tables: dict[str, Callable[[], Table]] = field(default_factory=dict)
    #: The folder of a JSON report to be written in place from the result spool (see ``store``).
    spool_folder: Path | None = None
    #: More summary keys (``check --baseline`` adds ``baseline``: the known and new problems).
    extra_summary: dict[str, Any] = field(default_factory=dict)
    #: ``--results``: the results of records every format lists (``all``, ``problems``, ``none``);
    #: the summary's counts, the per-indicator and per-district tallies and the aggregates stay complete.
    listing: Listing = "all"
    #: What a renderer made while the results were (by format: ``render.csvlines.Lines`` for "csv").
    prepared: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.store = ResultStore(self.result_dict, self.spool_folder, self._head_room, self.result_from_dict)

    def _head_room(self) -> int:
        """Room to leave for the JSON report's head: its size now, and more for counts and warnings."""
        known = json.dumps([self.header(), self.summary(), self.indicator_dicts()], ensure_ascii=False, indent=4)
        return len(known.encode()) * 5 // 4 + 16384

    def raw_table(self, info: InputInfo, encoding: str | None = None) -> Table:
        """An input's header and raw cells as they were read, for formats that repeat the record."""
        if info.path in self.tables:
            return self.tables[info.path]()
        return reread(info, self.packset, encoding)

    @property
    def results(self) -> list[Result]:
        """Every result as a list (for small runs, the API and tests; large runs iterate instead)."""
        return list(self.store)

    def counts(self) -> Counter[str]:
        return self.store.counts

    def aggregate_counts(self) -> Counter[str]:
        return Counter(a.status for a in self.aggregates)

    def summary(self) -> dict[str, Any]:
        counts = self.counts()
        summary: dict[str, Any] = {
            "records": sum(i.records for i in self.inputs),
            "checks": self.store.total,
        }
        summary.update({status: counts.get(status, 0) for status in STATUSES})
        agg = self.aggregate_counts()
        summary["aggregates"] = {
            "checks": len(self.aggregates),
            **{s: agg.get(s, 0) for s in (PASS, FAIL, NA, MISSING, INVALID)},
        }
        summary.update(self.extra_summary)
        return summary

    def exit_code(self, fail_on: FailOn) -> int:
        """0 when nothing counts as failed under ``fail_on``, else 1."""
        failing = FAILING[fail_on]
        if any(self.store.counts[s] for s in failing) or any(a.status in failing for a in self.aggregates):
            return 1
        return 0

    def warnings(self) -> list[str]:
        return [w for i in self.inputs for w in i.warnings]

    @property
    def listed(self) -> frozenset[str] | None:
        """The statuses of the results of records the reports list (``None``: all of them)."""
        if self.listing not in LISTED:
            raise ValueError(f"listing must be all, problems or none, not {self.listing!r}")
        return LISTED[self.listing]

    def lists(self, status: str) -> bool:
        """Whether the reports list a result of this status (``--results``)."""
        listed = self.listed
        return listed is None or status in listed

    def iter_results(self) -> Iterator[Result]:
        """Every result, in input order (record by record, indicator by indicator)."""
        return iter(self.store)

    def header(self) -> dict[str, Any]:
        """The report's first keys: schema, tool, language, packs and inputs."""
        lang = self.lang
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "lifeservices-cli", "version": __version__},
            "lang": lang,
            "as_of": self.as_of.isoformat(),
            "settings": self.packset.settings,
            "not_in_force": self.not_in_force,
            "packs": [
                {"id": p.id, "document": p.document, "title": p.title.get(lang), "path": path}
                for p, path in self.packset.packs
            ],
            "inputs": [input_dict(i) for i in self.inputs],
            **({"results_filter": self.listing} if self.listing != "all" else {}),
        }

    def indicator_dicts(self) -> list[dict[str, Any]]:
        """Each indicator with what all its results share (schema 2): its checks in force on ``as_of``."""
        lang = self.lang
        out = []
        for ind in self.packset.indicators:
            checks = self._checks.get(ind.id, ())
            head = checks[0] if checks else None
            out.append(
                {
                    "id": ind.id,
                    "title": ind.spec.title.get(lang),
                    "entity": ind.spec.entity,
                    "kind": ind.spec.kind,
                    "clause": {"ref": ind.spec.clause.ref, "quote": ind.spec.clause.quote},
                    "departments": ind.spec.departments,
                    "in_force": bool(checks),
                    "combine": ind.combine,
                    "comparator": head.comparator if head else None,
                    "unit": head.unit if head else None,
                    "threshold": to_json(head.threshold) if head else None,
                    "checks": [
                        {
                            "title": c.title.get(lang),
                            "comparator": c.comparator,
                            "unit": c.unit,
                            "threshold": to_json(c.threshold),
                            "threshold_formula": c.threshold_formula.text if c.threshold_formula else None,
                            "rule": c.rule_text(lang),
                        }
                        for c in checks
                    ],
                }
            )
        return out

    def result_dict(self, r: Result) -> dict[str, Any]:
        """One result as it stands in the JSON report (schema 2: only what is its own).

        ``check`` (which of the indicator's checks the value and threshold are) is there only
        for an indicator of more than one check; ``year`` (the row's reporting year) only for an
        entity that has one (district rows).
        """
        several = len(self._checks.get(r.indicator, ())) > 1
        return result_entry(r, r.indicator in self._yearly, several)

    def result_from_dict(self, data: dict[str, Any]) -> Result:
        """A ``Result`` back from its JSON form, its comparator and unit from its indicator's check."""
        from lifeservices_cli.report.store import result_from_dict

        check = data.get("check", 0)
        checks = self._checks.get(data["indicator"], ())
        shared = checks[check] if check < len(checks) else None
        return result_from_dict(data, shared.comparator if shared else None, shared.unit if shared else None)

    def aggregate_dict(self, a: AggregateResult) -> dict[str, Any]:
        """One aggregate as it stands in the JSON report (its comparator and unit: the indicator's)."""
        return aggregate_entry(a)

    @cached_property
    def _yearly(self) -> frozenset[str]:
        """The indicators whose entity has a reporting year: their results carry ``year``."""
        entities = self.packset.entities
        return frozenset(
            ind.id
            for ind in self.packset.indicators
            if ind.spec.entity in entities and entities[ind.spec.entity].spec.reporting_year is not None
        )

    @cached_property
    def _checks(self) -> dict[str, tuple[Check, ...]]:
        """Each indicator's checks in force on ``as_of`` (none when it is not in force)."""
        out: dict[str, tuple[Check, ...]] = {}
        for ind in self.packset.indicators:
            checks = ind.checks_at(self.as_of)
            if checks:
                out[ind.id] = checks
        return out

    def to_dict(self) -> dict[str, Any]:
        """The whole JSON report as one dict (the renderers stream the same pieces)."""
        return {
            **self.header(),
            "summary": self.summary(),
            "indicators": self.indicator_dicts(),
            "results": [self.result_dict(r) for r in self.iter_results() if self.lists(r.status)],
            "aggregates": [self.aggregate_dict(a) for a in self.aggregates],
        }


def input_dict(info: InputInfo) -> dict[str, Any]:
    """An input as the report's header lists it: every field the reader recorded, in its order.

    Serialised generically, so a key the input side adds (a sheet, totals, skipped rows) reaches
    the report without a change here; paths are made safe to encode.
    """
    import dataclasses

    if hasattr(info, "to_dict"):  # the input side's own order: what it is, then how it was read
        data = info.to_dict()
    elif dataclasses.is_dataclass(info):
        data = {f.name: getattr(info, f.name) for f in dataclasses.fields(info)}
    else:
        data = dict(vars(info))
    if isinstance(data.get("path"), str):
        data["path"] = path_text(data["path"])
    return {k: _plain(v) for k, v in data.items() if not k.startswith("_")}


def _plain(value: Any) -> Any:
    """A value as JSON can hold it (tuples as lists, paths and dates as text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Path | date):
        return str(value)
    return str(value)


__all__ = ["Report", "FAILING", "LISTED", "Listing", "SCHEMA_VERSION", "ELIGIBLE", "NOT_ELIGIBLE"]
