"""What the summaries need of a large run's results, kept while the results are stored.

The table, Markdown, HTML and GitHub outputs show counts per group (district, indicator,
status, file) and a few results per group: the worst ones, ties going to the earlier. Ranked
by status, those are always among the *first* results of each status in the group, so for
every (source, district, indicator, status) the tally keeps the count and the positions of the
first ``FIRST`` results. ``render.problems.worst_many`` then ranks from the tally and reads
only the results it keeps, instead of reading a million results back from the spool.

For the one ranking over every result (SARIF keeps the 25,000 worst problems of a run), it also
keeps the first ``FIRST_ALL`` positions of each status, whatever the group.

Positions are kept in arrays of 64-bit integers, at most ``BUDGET`` of them per key in all
(8 MB; a file with thousands of districts): past it the tally gives up (``usable`` is False)
and the summaries read the spool as before.
"""

from __future__ import annotations

from array import array
from typing import Any

#: Positions kept per (source, district, indicator, status): enough for every summary's limit.
FIRST = 5000
#: Positions kept per status, whatever the group: SARIF's results per run.
FIRST_ALL = 25_000
#: Positions kept in all (per key), at most: 8 bytes each.
BUDGET = 1_000_000

Key = tuple[str, "str | None", str, str]  # source, district, indicator, status


class Group:
    """One key's results: how many, and the positions of the first ``FIRST``, in input order."""

    __slots__ = ("count", "first")

    def __init__(self) -> None:
        self.count = 0
        self.first = array("q")


class Tally:
    """Per key, the count of results and the positions of its first ``FIRST``, in input order."""

    def __init__(self) -> None:
        self.groups: dict[Key, Group] = {}
        self.statuses: dict[str, array[int]] = {}  # status -> its first FIRST_ALL positions
        self.kept = 0
        self.usable = True

    @property
    def first(self) -> int:
        """How many positions are kept per key (``FIRST``)."""
        return FIRST

    @property
    def first_all(self) -> int:
        """How many positions are kept per status (``FIRST_ALL``)."""
        return FIRST_ALL

    def _group(self, key: Key) -> Group:
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group()
        return group

    def _status(self, status: str) -> array[int]:
        firsts = self.statuses.get(status)
        if firsts is None:
            firsts = self.statuses[status] = array("q")
        return firsts

    def add(self, key: Key, n: int) -> None:
        """One result at position ``n`` (positions come in increasing order)."""
        if not self.usable:
            return
        group = self._group(key)
        group.count += 1
        if len(group.first) < FIRST:
            group.first.append(n)
            self.kept += 1
            if self.kept > BUDGET:
                self.give_up()
                return
        firsts = self._status(key[3])
        if len(firsts) < FIRST_ALL:
            firsts.append(n)

    def add_batch(self, source: str, parts: list[tuple[str, Any, Any]], hard: list[tuple[Key, int]]) -> None:
        """A batch of results: per indicator two polars frames, one counted by ``district`` and
        ``status`` (``len``, and ``n``: the group's first ``FIRST`` positions, increasing), one by
        ``status`` (``n``: its first ``FIRST_ALL``); and the results made one by one (``hard``: key
        and position), in any order."""
        if not self.usable:
            return
        # which lists were full before this batch: its positions all come after theirs
        full = {status for status, firsts in self.statuses.items() if len(firsts) >= FIRST_ALL}
        statuses: set[str] = set()
        for _, _, by_status in parts:
            lists = by_status.get_column("n")
            for i, status in enumerate(by_status.get_column("status").to_list()):
                if status not in full:  # the indicators' positions interleave: all of them, then sorted
                    self._status(status).extend(lists[i].to_list())
                    statuses.add(status)
        for made, n in hard:
            if made[3] not in full:
                self._status(made[3]).append(n)
                statuses.add(made[3])
        for status in statuses:  # the batch's positions, in order, as many as are kept
            self.statuses[status] = array("q", sorted(self.statuses[status])[:FIRST_ALL])
        touched: set[Key] = set()
        for indicator, counted, _ in parts:
            lists = counted.get_column("n")
            for i, (district, status, count) in enumerate(counted.select("district", "status", "len").iter_rows()):
                key: Key = (source, district, indicator, status)
                group = self._group(key)
                group.count += count
                if len(group.first) < FIRST:
                    group.first.extend(lists[i].to_list())
                    touched.add(key)
        for key, n in hard:
            group = self._group(key)
            group.count += 1
            group.first.append(n)
            touched.add(key)
        for key in touched:
            group = self.groups[key]
            group.first = array("q", sorted(group.first)[:FIRST])
        self.kept = sum(len(g.first) for g in self.groups.values())
        if self.kept > BUDGET:
            self.give_up()

    def give_up(self) -> None:
        """Results were stored without their keys, or too many kinds: the summaries read the spool."""
        self.usable, self.groups, self.statuses, self.kept = False, {}, {}, 0

    def snapshot(self) -> tuple[Any, ...]:
        """A point to go back to (``restore``): every key's count and how many positions it had."""
        sizes = {key: (g.count, len(g.first)) for key, g in self.groups.items()}
        return self.usable, self.kept, sizes, {status: len(p) for status, p in self.statuses.items()}

    def restore(self, mark: tuple[Any, ...]) -> None:
        usable, self.kept, sizes, statuses = mark
        if not usable or not self.usable:
            self.usable = usable and self.usable
            if not self.usable:
                self.give_up()
            return
        self.groups = {key: self.groups[key] for key in sizes}
        for key, (count, positions) in sizes.items():
            group = self.groups[key]
            group.count = count
            del group.first[positions:]
        self.statuses = {status: self.statuses[status] for status in statuses}
        for status, positions in statuses.items():
            del self.statuses[status][positions:]
