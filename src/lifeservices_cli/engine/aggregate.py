"""Aggregation: the results of record-level indicators counted per group (a district), and
each group's rate decided against an aggregate indicator's threshold, three-valued (a rate that
the unknown results could move across the threshold is missing or invalid, not pass or fail)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

from lifeservices_cli.engine.results import FAIL, INVALID, MISSING, NA, PASS, AggregateResult, Result
from lifeservices_cli.i18n import t
from lifeservices_cli.packs.compiler import CompiledIndicator
from lifeservices_cli.semantics.comparators import compare
from lifeservices_cli.semantics.numbers import display
from lifeservices_cli.sources import Record

if TYPE_CHECKING:
    from lifeservices_cli.engine.records import Engine


@dataclass
class _Tally:
    passed: int = 0
    failed: int = 0
    missing: int = 0
    invalid: int = 0


@dataclass
class Aggregator:
    """Counts the results of record-level indicators per group, for the aggregate indicators."""

    engine: Engine
    _tallies: dict[str, dict[str | None, _Tally]] = field(default_factory=dict)
    _wanted: dict[str, list[CompiledIndicator]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for ind in self.engine.packset.indicators:
            in_force = ind.id in self.engine.checks
            if ind.spec.kind == "aggregate" and ind.spec.aggregate is not None and in_force:
                self._wanted.setdefault(ind.spec.aggregate.of, []).append(ind)
                self._tallies[ind.id] = {}

    def add(self, result: Result, record: Record) -> None:
        for agg in self._wanted.get(result.indicator, ()):
            assert agg.spec.aggregate is not None
            key = record.values.get(agg.spec.aggregate.by)
            self.count(agg.id, key if isinstance(key, str) else None, result.status)

    def wants(self, indicator: str) -> list[tuple[str, str]]:
        """``(aggregate id, group-by field)`` for each aggregate that counts ``indicator``."""
        return [(agg.id, agg.spec.aggregate.by) for agg in self._wanted.get(indicator, ()) if agg.spec.aggregate]

    def count(self, aggregate: str, group: str | None, status: str, n: int = 1) -> None:
        """Count ``n`` results of ``status`` in ``group`` for ``aggregate``."""
        tally = self._tallies[aggregate].setdefault(group, _Tally())
        if status == PASS:
            tally.passed += n
        elif status == FAIL:
            tally.failed += n
        elif status == MISSING:
            tally.missing += n
        elif status == INVALID:
            tally.invalid += n

    def register(self, aggregate: str, group: str | None) -> None:
        """Make ``group`` known (groups are reported in the order they first appear)."""
        self._tallies[aggregate].setdefault(group, _Tally())

    def snapshot(self) -> dict[str, dict[str | None, _Tally]]:
        return {k: {g: _Tally(**vars(t)) for g, t in v.items()} for k, v in self._tallies.items()}

    def restore(self, saved: dict[str, dict[str | None, _Tally]]) -> None:
        self._tallies = saved

    def results(self) -> list[AggregateResult]:
        out: list[AggregateResult] = []
        for agg_id, groups in self._tallies.items():
            ind = self.engine.packset.get(agg_id)
            for group, tally in groups.items():
                out.append(self._decide(ind, group, tally))
        return out

    def _decide(self, ind: CompiledIndicator, group: str | None, tally: _Tally) -> AggregateResult:
        lang = self.engine.lang
        check = self.engine.checks[ind.id][0]
        shown_group = group if group is not None else t("words.no_group", lang)
        known = tally.passed + tally.failed
        unknown = tally.missing + tally.invalid
        total = known + unknown
        value = Fraction(tally.passed * 100, known) if known else None
        assert check.threshold is not None, "an aggregate's threshold is a number (the compiler checks it)"
        res = AggregateResult(
            ind.id,
            group,
            NA,
            value,
            tally.passed,
            known,
            unknown,
            check.threshold,
            check.comparator,
            check.unit,
            None,
            "",
        )
        if total == 0:
            res.message = t("msg.agg_none", lang, group=shown_group)
            return res
        low = Fraction(tally.passed * 100, total)
        high = Fraction((tally.passed + unknown) * 100, total)
        ok_low, ok_high = (
            compare(check.comparator, low, check.threshold),
            compare(check.comparator, high, check.threshold),
        )
        if ok_low == ok_high:
            res.status = PASS if ok_low else FAIL
        else:
            res.status = INVALID if tally.invalid else MISSING
        if value is not None and isinstance(check.threshold, Fraction):
            res.gap = value - check.threshold
        res.message = t(
            "msg.agg",
            lang,
            group=shown_group,
            numerator=tally.passed,
            denominator=known,
            value=display(value, against=check.threshold) if value is not None else "—",
            rule=check.rule_text(lang, against=value),
        )
        if unknown:
            res.message += t("msg.agg_unknown", lang, unknown=unknown)
        return res
