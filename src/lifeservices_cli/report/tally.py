"""What the summaries need of a large run's results, kept while the results are stored.

The table, Markdown, HTML and GitHub outputs show counts per group (district, indicator,
status, file) and a few results per group: the worst ones, ties going to the earlier. Ranked
by status, those are always among the *first* results of each status in the group, so for
every (source, district, indicator, status) the tally keeps the count and the positions of the
first ``FIRST`` results. ``render.problems.worst_many`` then ranks from the tally and reads
only the results it keeps, instead of reading a million results back from the spool.

At most ``BUDGET`` positions are kept in all (a file with thousands of districts): past it
the tally gives up (``usable`` is False) and the summaries read the spool as before.
"""

from __future__ import annotations

from typing import Any

#: Positions kept per (source, district, indicator, status): enough for every summary's limit.
FIRST = 5000
#: Positions kept in all, at most (a few MiB of Python integers).
BUDGET = 400_000

Key = tuple[str, "str | None", str, str]  # source, district, indicator, status
#: The columns of ``add_frame``'s frame, in the key's order.
KEYS = ("source", "district", "indicator", "status")


class Tally:
    """Per key, the count of results and the positions of its first ``FIRST``, in input order."""

    def __init__(self) -> None:
        self.groups: dict[Key, tuple[list[int], list[int]]] = {}  # key -> ([count], first positions)
        self.kept = 0
        self.usable = True

    @property
    def first(self) -> int:
        """How many positions are kept per key (``FIRST``)."""
        return FIRST

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

    def add_batch(self, source: str, parts: list[tuple[str, Any]], hard: list[tuple[Key, int]]) -> None:
        """A batch of results: per indicator a polars frame counted by ``district`` and ``status``
        (``len``, and ``n``: the group's first ``FIRST`` positions, increasing), and the results
        made one by one (``hard``: key and position), in any order."""
        if not self.usable:
            return
        touched: set[Key] = set()
        for indicator, counted in parts:
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
        self.usable, self.groups, self.kept = False, {}, 0

    def _spend(self, count: int) -> None:
        self.kept += count
        if self.kept > BUDGET:
            self.give_up()

    def snapshot(self) -> tuple[bool, int, dict[Key, tuple[int, int]]]:
        """A point to go back to (``restore``): every key's count and how many positions it had."""
        return self.usable, self.kept, {key: (g[0][0], len(g[1])) for key, g in self.groups.items()}

    def restore(self, mark: tuple[bool, int, dict[Key, tuple[int, int]]]) -> None:
        usable, self.kept, sizes = mark
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
