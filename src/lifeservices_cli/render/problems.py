"""Which results a bounded format lists: a "worst N" collection that keeps counts of
everything in bounded memory, the most severe results per indicator or per key (``--by``), and
the grouping views' problems and tallies.

Pure functions over the report model; nothing here reads files or writes output.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
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
from lifeservices_cli.i18n import Lang
from lifeservices_cli.packs.compiler import CompiledIndicator
from lifeservices_cli.render.common import (
    ORDER,
    PROBLEMS,
    View,
    clean,
    group_name,
    visible,
)

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
_KEYS = ("source", "district", "indicator", "status")


@dataclass
class Picked:
    """One group of ``worst_many``: the counts of all its results, the first one's position, and
    the results kept (position, status, result), in input order."""

    counts: Counter[str] = field(default_factory=Counter)
    first: int = 0
    kept: list[tuple[int, str, Result]] = field(default_factory=list)

    def worst(self, limit: int, order: dict[str, int] | None = None, wrap: Any = None) -> Worst[Any]:
        """The group as ``Worst.add`` would have kept it from every result (each ``wrap(result)``)."""
        worst: Worst[Any] = _Ranked(limit, order=order or dict(ORDER))
        for _, status, r in self.kept:
            worst.add(status, r if wrap is None else wrap(r))
        worst.counts = Counter(self.counts)  # the counts of all, not only of those kept
        worst.total = sum(self.counts.values())
        return worst


def worst_by(
    report: Any,
    limit: int,
    by: tuple[str, ...] = (),
    statuses: Iterable[str] | None = None,
    rank: dict[str, int] | None = None,
) -> dict[tuple[str, ...], Worst[Result]]:
    """Per group of ``by`` (``source``, ``district``, ``indicator``, ``status``; ``()``: one group),
    the ``limit`` worst results among ``statuses`` (all: None) with the counts of all of them.

    ``rank`` orders the statuses (default ``ORDER``: fail, invalid, missing, …); ties keep input
    order. Groups come in first-seen order. A large run's spooled results are ranked in polars,
    so only the results kept are parsed (a million passes cost no Python objects).
    """
    (picked,) = worst_many(report, [(limit, by, statuses, rank)])
    return {key: group.worst(limit, rank) for key, group in picked.items()}


Spec = tuple[int, tuple[str, ...], "Iterable[str] | None", "dict[str, int] | None"]


def worst_many(report: Any, specs: list[Spec]) -> list[dict[tuple[str, ...], Picked]]:
    """``worst_by`` for several (limit, by, statuses, rank) at once, in one pass over the results;
    each group as a ``Picked`` (its first result's position, the kept ones in input order)."""
    order_of = [spec[3] or ORDER for spec in specs]
    wanted = [None if spec[2] is None else frozenset(spec[2]) for spec in specs]
    for spec in specs:
        assert all(k in _KEYS for k in spec[1])
    outs: list[dict[tuple[str, ...], Picked]] = [{} for _ in specs]
    if not report.store.spooled:
        for n, r in enumerate(report.iter_results()):
            for (limit, by, _, _), keep, order, out in zip(specs, wanted, order_of, outs, strict=True):
                if keep is not None and r.status not in keep:
                    continue
                key = tuple(getattr(r, k) for k in by)
                group = out.get(key)
                if group is None:
                    group = out[key] = Picked(first=n)
                group.counts[r.status] += 1
                if limit:
                    group.kept.append((n, r.status, r))
                    if len(group.kept) > 2 * limit + 64:  # keep it bounded: the best ``limit`` are among these
                        group.kept = _best(group.kept, limit, order)
        for (limit, _, _, _), order, out in zip(specs, order_of, outs, strict=True):
            for group in out.values():
                group.kept = _best(group.kept, limit, order)
        return outs
    if TALLY and _tallied(report.store, specs):
        return _from_tally(report.store, specs, wanted, order_of)
    import polars as pl

    every = {k for spec in specs for k in spec[1]}
    kept: list[dict[tuple[str, ...], list[tuple[int, int, str, str]]]] = [{} for _ in specs]  # (rank, n, status, entry)
    for frame in report.store.scan(source="source" in every, district="district" in every):
        for i, ((limit, by, _, _), keep, order, out) in enumerate(zip(specs, wanted, order_of, outs, strict=True)):
            part = frame if keep is None else frame.filter(pl.col("status").is_in(sorted(keep)))
            if part.is_empty():
                continue
            keys = [pl.col(k) for k in by] or [pl.lit(0).alias("_all")]
            names = [*by] if by else ["_all"]
            part = part.with_columns(*(g for g in keys if not by))
            columns = list(dict.fromkeys([*names, "status"]))
            tally = part.group_by(*columns, maintain_order=True).agg(pl.len(), pl.col("n").first())
            for row in tally.iter_rows(named=True):
                key = _key([row[k] for k in names], by)
                picked = out.get(key)
                if picked is None:
                    picked = out[key] = Picked(first=row["n"])
                picked.counts[row["status"]] += row["len"]
            if not limit:
                continue
            # a row can only displace a kept one of a worse rank (ties go to the earlier row, kept already)
            rank_expr = pl.col("status").replace_strict(order, default=9, return_dtype=pl.Int8)
            part = part.with_columns(rank_expr.alias("rank"))
            bound = 99
            if len(kept[i]) == 1 and not by:
                rows = next(iter(kept[i].values()))
                bound = rows[-1][0] if len(rows) >= limit else 99
            better = part.filter(pl.col("rank") <= bound) if bound < 99 else part
            top = better.sort("rank", "n").group_by(*names, maintain_order=True).head(limit)
            touched = set()
            for row in top.select(*columns, "rank", "n", "entry").iter_rows(named=True):
                key = _key([row[k] for k in names], by)
                kept[i].setdefault(key, []).append((row["rank"], row["n"], row["status"], row["entry"]))
                touched.add(key)  # Python text: the block is freed
            for key in touched:
                kept[i][key] = sorted(kept[i][key])[:limit]
    for i, out in enumerate(outs):
        for key, picked in out.items():
            rows = sorted(kept[i].get(key, []), key=lambda row: row[1])  # input order
            picked.kept = [(n, status, report.store.entry(entry)) for _, n, status, entry in rows]
    return outs


#: Whether a large run's summaries are ranked from the store's tally (the tests turn it off to compare).
TALLY = True


def _tallied(store: Any, specs: list[Spec]) -> bool:
    """Whether the store's tally holds every result and enough of each group for these specs."""
    from lifeservices_cli.report.tally import FIRST, FIRST_ALL

    tally = store.tally
    if not tally.usable or any(spec[0] > (FIRST_ALL if not spec[1] else FIRST) for spec in specs):
        return False
    return bool(sum(group.count for group in tally.groups.values()) == store.total)


def _from_tally(
    store: Any, specs: list[Spec], wanted: list[frozenset[str] | None], order_of: list[dict[str, int]]
) -> list[dict[tuple[str, ...], Picked]]:
    """``worst_many`` from the tally: the counts as they are; a group's worst are among the first
    ``limit`` of each of its statuses, ranked as the spool's results would be (status, then
    position). One group of everything ranks each status's own first positions. Statuses are taken
    best rank first, and no further once ``limit`` are in hand (a worse rank never displaces them)."""
    items = sorted(store.tally.groups.items(), key=lambda item: item[1].first[0])  # first seen first
    outs: list[dict[tuple[str, ...], Picked]] = []
    chosen: list[dict[tuple[str, ...], list[tuple[int, int, str]]]] = []
    for (limit, by, _, _), keep, order in zip(specs, wanted, order_of, strict=True):
        out: dict[tuple[str, ...], Picked] = {}
        pending: dict[tuple[str, ...], dict[int, list[tuple[str, Any]]]] = {}  # key -> rank -> (status, firsts)
        for (source, district, indicator, status), group in items:
            if keep is not None and status not in keep:
                continue
            values = {"source": source, "district": district, "indicator": indicator, "status": status}
            key = tuple(values[k] for k in by)
            picked = out.get(key)
            if picked is None:
                picked = out[key] = Picked(first=group.first[0])
            picked.counts[status] += group.count
            if limit and by:
                pending.setdefault(key, {}).setdefault(order.get(status, 9), []).append((status, group.first))
        if limit and not by and () in out:
            for status, firsts in store.tally.statuses.items():
                if keep is None or status in keep:
                    pending.setdefault((), {}).setdefault(order.get(status, 9), []).append((status, firsts))
        picks: dict[tuple[str, ...], list[tuple[int, int, str]]] = {}
        for key, by_rank in pending.items():
            rows: list[tuple[int, int, str]] = []
            for rank in sorted(by_rank):
                for status, firsts in by_rank[rank]:
                    rows.extend((rank, n, status) for n in firsts[:limit])
                if len(rows) >= limit:
                    break
            picks[key] = sorted(rows)[:limit]
        outs.append(out)
        chosen.append(picks)
    results = store.entries_at([n for picks in chosen for rows in picks.values() for _, n, _ in rows])
    for out, picks in zip(outs, chosen, strict=True):
        for key, rows in picks.items():
            out[key].kept = [(n, status, results[n]) for _, n, status in sorted(rows, key=lambda row: row[1])]
    return outs


def _best(kept: list[tuple[int, str, Result]], limit: int, order: dict[str, int]) -> list[tuple[int, str, Result]]:
    """The ``limit`` worst of ``kept`` (ties: the earlier), in input order."""
    best = sorted(kept, key=lambda item: (order.get(item[1], 9), item[0]))[:limit]
    return sorted(best, key=lambda item: item[0])


def _key(values: list[Any], by: tuple[str, ...]) -> tuple[str, ...]:
    """A group's key as ``Result`` attributes give it (the spool's source and district are JSON text)."""
    import json

    if not by:
        return ()
    pairs = zip(by, values, strict=True)
    return tuple(
        json.loads(f'"{v}"') if k == "source" and v is not None else json.loads(v) if k == "district" else v
        for k, v in pairs
    )


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
    def what(self) -> Result | AggregateResult:
        """The result or the aggregate (one of them is set)."""
        what = self.result or self.aggregate
        assert what is not None, "a problem is a result or an aggregate"
        return what

    @property
    def status(self) -> str:
        return self.what.status

    @property
    def message(self) -> str:
        return visible(self.what.message)


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


@dataclass
class Tallies:
    """What the summary formats need from every result, read in one pass (``tallies``)."""

    districts: dict[str | None, Counter[str]]  # per district (first-seen order), the statuses of all results
    indicators: dict[str, Counter[str]]  # per indicator, the statuses of all results
    groups: Groups  # the problems listed (``--results``) and the failed aggregates, by the view
    rows: Worst[Result] | None  # the ``rows`` worst results listed, when asked for


def tallies(report: Any, view: View, limit: int, rows: int | None = None) -> Tallies:
    """The per-district and per-indicator counts, the problems grouped by ``view`` (``limit``
    worst per group) and, with ``rows``, the ``rows`` worst results listed — the same as adding
    every result in input order to ``Counter``s, a ``Groups`` and a ``Worst``, in one pass (a
    large run's results ranked in polars, only those kept parsed)."""
    indicators = {ind.id: ind for ind in report.packset.indicators}
    listed = [s for s in PROBLEMS if report.lists(s)]
    by = ("district",) if view is View.district else ("indicator",)
    specs: list[Spec] = [(0, ("district",), None, None), (0, ("indicator",), None, None), (limit, by, listed, None)]
    if rows is not None:
        specs.append((rows, (), None if report.listed is None else sorted(report.listed), None))
    picked = worst_many(report, specs)
    groups = Groups(view, limit)

    def problem(r: Result) -> Problem:
        return Problem(indicators[r.indicator], result=r)

    problems = sorted(picked[2].items(), key=lambda item: item[1].first)
    if view is View.department:
        mine: dict[str | None, list[Picked]] = {}
        for (ind_id,), group in problems:
            for key in group_keys(view, indicators[ind_id], None):
                mine.setdefault(key, []).append(group)
        for key, parts in mine.items():
            merged = Picked(counts=sum((p.counts for p in parts), Counter()))
            merged.kept = sorted((item for p in parts for item in p.kept), key=lambda item: item[0])
            groups.groups[key] = merged.worst(limit, wrap=problem)
    else:
        for (key,), group in problems:
            groups.groups[key] = group.worst(limit, wrap=problem)
    for a in report.aggregates:
        if a.status in PROBLEMS:
            groups.add(Problem(indicators[a.indicator], aggregate=a), a.group)
    worst = None
    if rows is not None:
        worst = picked[3][()].worst(rows) if () in picked[3] else Worst(rows)
    return Tallies(
        {key[0]: group.counts for key, group in picked[0].items()},
        {key[0]: group.counts for key, group in picked[1].items()},
        groups,
        worst,
    )
