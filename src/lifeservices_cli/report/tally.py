"""What the summaries need of a large run's results, kept while the results are stored.

The table, Markdown, HTML and GitHub outputs show counts per group (district, indicator,
status, file) and a few results per group: the worst ones, ties going to the earlier. Ranked
by status, those are always among the *first* results of each status in the group, so for
every (source, district, indicator, status) the tally keeps the count and the positions of the
first ``FIRST`` results. ``render.problems.worst_many`` then ranks from the tally and reads
only the results it keeps, instead of reading a million results back from the spool.

For the one ranking over every result (SARIF keeps the 25,000 worst problems of a run), it also
keeps the first ``FIRST_ALL`` positions of each status, whatever the group.

At most ``BUDGET`` positions are kept in all (a file with thousands of districts): past it
the tally gives up (``usable`` is False) and the summaries read the spool as before.
"""

from __future__ import annotations

from typing import Any

#: Positions kept per (source, district, indicator, status): enough for every summary's limit.
FIRST = 5000
#: Positions kept per status, whatever the group: SARIF's results per run.
FIRST_ALL = 25_000
#: Positions kept in all (per key), at most (a few MiB of Python integers).
BUDGET = 400_000

Key = tuple[str, "str | None", str, str]  # source, district, indicator, status
#: The columns of ``add_frame``'s frame, in the key's order.
KEYS = ("source", "district", "indicator", "status")


class Tally:
    """Per key, the count of results and the positions of its first ``FIRST``, in input order."""

    def __init__(self) -> None:
        self.groups: dict[Key, tuple[list[int], list[int]]] = {}  # key -> ([count], first positions)
        self.statuses: dict[str, list[int]] = {}  # status -> its first FIRST_ALL positions
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

    def add(self, key: Key, n: int) -> None:
        """One result at position ``n`` (positions come in increasing order)."""
        if not self.usable:
            return
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = ([0], [])
        group[0][0] += 1
        if len(group[1]) < FIRST:
            group[1].append(n)
            self._spend(1)
        firsts = self.statuses.setdefault(key[3], [])
        if len(firsts) < FIRST_ALL:
            firsts.append(n)

    def add_batch(
        self, source: str, parts: list[tuple[str, Any, Any]], hard: list[tuple[Key, int]]
    ) -> None:
        """A batch of results: per indicator two polars frames, one counted by ``district`` and
        ``status`` (``len``, and ``n``: the group's first ``FIRST`` positions, increasing), one by
        ``status`` (``n``: its first ``FIRST_ALL``); and the results made one by one (``hard``: key
        and position), in any order."""
        if not self.usable:
            return
        touched: set[Key] = set()
        statuses: set[str] = set()
        full = {status for status, firsts in self.statuses.items() if len(firsts) >= FIRST_ALL}  # before this batch
        for _, _, by_status in parts:
            lists = by_status.get_column("n")
            for i, status in enumerate(by_status.get_column("status").to_list()):
                if status not in full:  # the indicators' positions interleave: all of them, then sorted
                    self.statuses.setdefault(status, []).extend(lists[i].to_list())
                    statuses.add(status)
        for made, n in hard:
            if made[3] not in full:
                self.statuses.setdefault(made[3], []).append(n)
                statuses.add(made[3])
        for status in statuses:  # the batch's positions, in order, as many as are kept
            self.statuses[status].sort()
            del self.statuses[status][FIRST_ALL:]
        for indicator, counted, _ in parts:
            lists = counted.get_column("n")
            for i, (district, status, count) in enumerate(counted.select("district", "status", "len").iter_rows()):
                key: Key = (source, district, indicator, status)
                group = self.groups.get(key)
                if group is None:
                    group = self.groups[key] = ([0], [])
                group[0][0] += count
                if len(group[1]) < FIRST:
                    group[1].extend(lists[i].to_list())
                    touched.add(key)
        for key, n in hard:
            group = self.groups.get(key)
            if group is None:
                group = self.groups[key] = ([0], [])
            group[0][0] += 1
            group[1].append(n)
            touched.add(key)
        for key in touched:  # the batch's positions, in order, as many as are kept
            group = self.groups[key]
            group[1].sort()
            del group[1][FIRST:]
        self.kept = sum(len(g[1]) for g in self.groups.values())
        if self.kept > BUDGET:
            self.give_up()

    def give_up(self) -> None:
        """Results were stored without their keys: the summaries read the spool."""
        self.usable, self.groups, self.statuses, self.kept = False, {}, {}, 0

    def _spend(self, count: int) -> None:
        self.kept += count
        if self.kept > BUDGET:
            self.give_up()

    def snapshot(self) -> tuple[Any, ...]:
        """A point to go back to (``restore``): every key's count and how many positions it had."""
        sizes = {key: (g[0][0], len(g[1])) for key, g in self.groups.items()}
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
            group[0][0] = count
            del group[1][positions:]
        self.statuses = {status: self.statuses[status] for status in statuses}
        for status, positions in statuses.items():
            del self.statuses[status][positions:]
