"""Pieces every format shares: statuses, severity order, safe text, shown values, a bounded
"worst N" collection, and the grouping views (``--by``).

Pure functions over the report model; nothing here reads files or writes output.
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any, Generic, TypeVar

from lifeservices_cli.engine.results import (
    ELIGIBLE,
    FAIL,
    INVALID,
    MISSING,
    NA,
    NOT_ELIGIBLE,
    PASS,
    AggregateResult,
    Result,
)
from lifeservices_cli.i18n import Lang, t, w
from lifeservices_cli.packs.compiler import CompiledIndicator
from lifeservices_cli.semantics.numbers import ZERO, display

#: Statuses that are problems under the strictest ``--fail-on`` (what the failure lists show).
PROBLEMS = (FAIL, INVALID, MISSING)
#: Severity, worst first: the order of "worst first" lists.
ORDER = {FAIL: 0, INVALID: 1, MISSING: 2, NOT_ELIGIBLE: 3, ELIGIBLE: 4, PASS: 5, NA: 6}
#: Every status in the order the summaries list them.
SHOWN = (PASS, FAIL, MISSING, INVALID, NA, ELIGIBLE, NOT_ELIGIBLE)

_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Invisible characters that reorder or break what is shown (bidi overrides and isolates — the
#: "Trojan Source" trick —, line and paragraph separators, a stray BOM) and the two that XML forbids.
_INVISIBLE = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ufeff\ufffe\uffff]")


class View(StrEnum):
    """How failure lists are grouped (``--by``)."""

    indicator = "indicator"
    district = "district"
    department = "department"


def clean(text: str | None) -> str:
    """Text safe to encode anywhere: lone surrogates (undecodable input bytes) become U+FFFD."""
    if not text:
        return ""
    return _SURROGATES.sub("\ufffd", text)


def visible(text: str | None) -> str:
    """``clean`` text with control characters shown as ``\\x1b`` (tab and newline kept), and bidi
    controls, line separators and XML's non-characters as ``\\u202e``.

    What a terminal, an XML file or a spreadsheet would otherwise execute, reject or hide.
    """
    shown = _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", clean(text))
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", shown)


def status_text(status: str, lang: Lang) -> str:
    return t(f"status.{status}", lang)


def record_label(r: Result) -> str:
    """``TB-003 海明社区``; for a record without id or name, what identifies it: its district and
    reporting year (``洮北区 2023``), or ``—`` when there is nothing."""
    return visible(" ".join(x for x in (r.record_id, r.record_name) if x)) or record_key(r) or "—"


def record_key(r: Result) -> str:
    """What identifies a record that has no id or name: ``洮北区 2023`` (district rows), else ``""``."""
    if r.record_id or r.record_name or r.year is None:
        return ""
    return visible(" ".join(x for x in (r.district, str(r.year)) if x))


def value_text(value: Fraction | bool | None, unit: str | None, lang: Lang, against: object = None) -> str:
    """A value for people: ``480 m²``, ``是``, ``—``; with the places its comparison with
    ``against`` (its threshold) needs (``numbers.display``)."""
    if isinstance(value, bool):
        return t("words.yes" if value else "words.no", lang)
    if value is None:
        return "—"
    shown = display(value, against=against)  # type: ignore[arg-type]
    return f"{shown} {unit}" if unit else shown


def number_text(value: Fraction | None, against: object = None) -> str:
    """An exact number as a plain decimal (6 places, or more when its comparison with ``against``
    needs them), ``""`` for none."""
    return "" if value is None else display(value, 6, against)  # type: ignore[arg-type]


def gap_text(gap: Fraction | None) -> str:
    """A gap for people, never ``0`` unless it is 0: ``-0.0001``, ``—`` for none."""
    return display(gap, against=ZERO) if gap is not None else "—"


def rate_text(a: AggregateResult) -> str:
    """An aggregate's rate with ``%``, never rounded onto its target: ``99.999%``; ``—`` for none."""
    return f"{display(a.value, against=a.threshold)}%" if a.value is not None else "—"


def rule_text(ind: CompiledIndicator, lang: Lang) -> str:
    """The indicator's rule in words, e.g. ``不低于 500 m²`` or ``A 以下 300 m² 或 B 以下 300000 元``."""
    if ind.combine == "one":
        return ind.checks[0].rule_text(lang)
    joiner = t("words.and", lang) if ind.combine == "all" else t("words.or", lang)
    return joiner.join(f"{c.title.get(lang)} {c.rule_text(lang)}" for c in ind.checks)


def group_name(group: str | None, lang: Lang) -> str:
    return visible(group) if group else t("words.no_group", lang)


def labelled(key: str, value: str, lang: Lang) -> str:
    """``数值：480 m²`` / ``Value: 480 m²``."""
    return f"{w(key, lang)}{'：' if lang == 'zh' else ': '}{value}"


def counts_text(counts: Counter[str], lang: Lang, statuses: Iterable[str] = SHOWN) -> str:
    """``未达标 3、达标 5`` (only the statuses that occur)."""
    sep = w("list_sep", lang)
    return sep.join(f"{status_text(s, lang)} {counts[s]}" for s in statuses if counts[s])


def unlisted_note(report: Any) -> str | None:
    """What ``--results problems|none`` left out of the lists, in words; None when it lists all."""
    if report.listed is None:
        return None
    count = report.store.total - report.store.count(report.listed)
    return w("not_listed", report.lang, count=count, listing=report.listing)


def nothing_listed(report: Any) -> str:
    """What a list of problems says when it has none: there are none, or ``--results none`` hid them."""
    hidden = report.listing == "none" and any(report.store.counts[s] for s in PROBLEMS)
    return (unlisted_note(report) if hidden else None) or w("no_problems", report.lang)


T = TypeVar("T")


@dataclass
class Worst(Generic[T]):
    """The ``limit`` most severe items seen, in bounded memory, with counts of everything.

    ``items()`` gives them in arrival order when nothing was dropped, else worst first (ties in
    arrival order) — the same as a stable sort by severity cut at ``limit``.
    """

    limit: int
    counts: Counter[str] = field(default_factory=Counter)
    total: int = 0
    _heap: list[tuple[int, int, T]] = field(default_factory=list)

    def add(self, status: str, item: T) -> None:
        self.counts[status] += 1
        seq = self.total
        self.total += 1
        entry = (-ORDER.get(status, 9), -seq, item)
        if len(self._heap) < self.limit:
            heapq.heappush(self._heap, entry)
        elif self.limit and entry[:2] > self._heap[0][:2]:
            heapq.heapreplace(self._heap, entry)

    @property
    def dropped(self) -> int:
        return self.total - len(self._heap)

    def items(self) -> list[T]:
        kept = sorted(self._heap, key=lambda e: (-e[1],) if not self.dropped else (-e[0], -e[1]))
        return [item for _, _, item in kept]


def results_with(report: Any, statuses: Iterable[str] | None = None) -> Iterator[Result]:
    """The report's results (those with one of ``statuses``), in input order.

    A large run's spooled results are filtered in polars first, so only the results asked for
    are parsed from their JSON (a million passes cost no Python objects).
    """
    wanted = None if statuses is None else frozenset(statuses)
    if not report.store.spooled:
        yield from (r for r in report.iter_results() if wanted is None or r.status in wanted)
        return
    import polars as pl

    for frame in report.store.scan():
        if wanted is not None:
            frame = frame.filter(pl.col("status").is_in(sorted(wanted)))
        for entry in frame.get_column("entry"):
            yield report.store.entry(entry)


def worst_per_indicator(report: Any, limit: int) -> dict[str, Worst[Result]]:
    """Per indicator, its ``limit`` worst results with the counts of all (as ``Worst.add`` keeps them)."""
    return {key[0]: worst for key, worst in worst_by(report, limit, ("indicator",)).items()}


#: What ``worst_by`` can group on: a result's attribute and the column ``store.scan`` gives it in.
_KEYS = ("source", "indicator", "status")


def worst_by(
    report: Any,
    limit: int,
    by: tuple[str, ...] = (),
    statuses: Iterable[str] | None = None,
    rank: dict[str, int] | None = None,
) -> dict[tuple[str, ...], Worst[Result]]:
    """Per group of ``by`` (``source``, ``indicator``, ``status``; ``()``: one group), the
    ``limit`` worst results among ``statuses`` (all: None) with the counts of all of them.

    ``rank`` orders the statuses (default ``ORDER``: fail, invalid, missing, …); ties keep input
    order. Groups come in first-seen order. A large run's spooled results are ranked in polars,
    so only the results kept are parsed (a million passes cost no Python objects).
    """
    order = rank or ORDER
    wanted = None if statuses is None else frozenset(statuses)
    assert all(k in _KEYS for k in by)
    out: dict[tuple[str, ...], Worst[Result]] = {}
    if not report.store.spooled:
        for r in report.iter_results():
            if wanted is not None and r.status not in wanted:
                continue
            key = tuple(getattr(r, k) for k in by)
            worst = out.get(key)
            if worst is None:
                worst = out[key] = _Ranked(limit, order=order)
            worst.add(r.status, r)
        return out
    import polars as pl

    counts: dict[tuple[str, ...], Counter[str]] = {}
    kept: dict[tuple[str, ...], list[tuple[int, int, str, str]]] = {}  # key → (rank, n, status, entry), best first
    group = list(by) or [pl.lit(0).alias("_all")]
    names = [*by] if by else ["_all"]
    rank_expr = pl.col("status").replace_strict(order, default=9, return_dtype=pl.Int8)
    for frame in report.store.scan(source="source" in by):
        if wanted is not None:
            frame = frame.filter(pl.col("status").is_in(sorted(wanted)))
        if frame.is_empty():
            continue
        frame = frame.with_columns(*(g for g in group if isinstance(g, pl.Expr)))
        columns = list(dict.fromkeys([*names, "status"]))
        for row in frame.group_by(*columns, maintain_order=True).len().iter_rows(named=True):
            counts.setdefault(_key([row[k] for k in names], by), Counter())[row["status"]] += row["len"]
        # a row can only displace a kept one of a worse rank (ties go to the earlier row, kept already)
        frame = frame.with_columns(rank_expr.alias("rank"))
        bound = 99
        if len(kept) == 1 and not by:
            rows = next(iter(kept.values()))
            bound = rows[-1][0] if len(rows) >= limit else 99
        better = frame.filter(pl.col("rank") <= bound) if bound < 99 else frame
        top = better.sort("rank", "n").group_by(*names, maintain_order=True).head(limit)
        for row in top.select(*columns, "rank", "n", "entry").iter_rows(named=True):
            entry = (row["rank"], row["n"], row["status"], row["entry"])
            kept.setdefault(_key([row[k] for k in names], by), []).append(entry)  # Python text: the block is freed
        for key in {_key(list(k), by) for k in top.select(names).unique().iter_rows()}:
            kept[key] = sorted(kept[key])[:limit]
    for key, total in counts.items():
        worst = out[key] = _Ranked(limit, order=order)
        for _, _, status, entry in sorted(kept.get(key, []), key=lambda row: row[1]):  # input order
            worst.add(status, report.store.entry(entry))
        worst.counts = total  # the counts of all, not only of those kept
        worst.total = sum(total.values())
    return out


def _key(values: list[Any], by: tuple[str, ...]) -> tuple[str, ...]:
    """A group's key as ``Result`` attributes give it (the spool's source is JSON string content)."""
    import json

    if not by:
        return ()
    pairs = zip(by, values, strict=True)
    return tuple(json.loads(f'"{v}"') if k == "source" and v is not None else v for k, v in pairs)


@dataclass
class _Ranked(Worst[T]):
    """``Worst`` with its own order of statuses."""

    order: dict[str, int] = field(default_factory=lambda: dict(ORDER))

    def add(self, status: str, item: T) -> None:
        self.counts[status] += 1
        seq = self.total
        self.total += 1
        entry = (-self.order.get(status, 9), -seq, item)
        if len(self._heap) < self.limit:
            heapq.heappush(self._heap, entry)
        elif self.limit and entry[:2] > self._heap[0][:2]:
            heapq.heapreplace(self._heap, entry)


def group_keys(view: View, indicator: CompiledIndicator, district: str | None) -> Iterator[str | None]:
    """The groups a problem belongs to under ``view`` (a result of a two-department indicator is in both)."""
    if view is View.indicator:
        yield indicator.id
    elif view is View.district:
        yield district
    else:
        yield from indicator.spec.departments


@dataclass
class Problem:
    """A record result or an aggregate that is a problem, as the grouped lists show it."""

    indicator: CompiledIndicator
    result: Result | None = None
    aggregate: AggregateResult | None = None

    @property
    def status(self) -> str:
        return self.result.status if self.result else self.aggregate.status  # type: ignore[union-attr]

    @property
    def message(self) -> str:
        return visible(self.result.message if self.result else self.aggregate.message)  # type: ignore[union-attr]


@dataclass
class Groups:
    """Problems grouped by a view, ``limit`` worst kept per group; groups in first-seen order."""

    view: View
    limit: int
    groups: dict[str | None, Worst[Problem]] = field(default_factory=dict)

    def add(self, problem: Problem, district: str | None) -> None:
        for key in group_keys(self.view, problem.indicator, district):
            worst = self.groups.get(key)
            if worst is None:
                worst = self.groups[key] = Worst(self.limit)
            worst.add(problem.status, problem)

    def title(self, key: str | None, indicators: dict[str, CompiledIndicator], lang: Lang) -> str:
        if self.view is View.indicator and key in indicators:
            ind = indicators[key]
            return f"{ind.spec.clause.ref} {ind.spec.title.get(lang)} [{ind.id}]"
        return group_name(key, lang)


__all__ = [
    "ELIGIBLE",
    "FAIL",
    "INVALID",
    "MISSING",
    "NA",
    "NOT_ELIGIBLE",
    "PASS",
    "ORDER",
    "PROBLEMS",
    "Groups",
    "Problem",
    "View",
    "Worst",
    "clean",
    "visible",
]
