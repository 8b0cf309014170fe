"""The values that flow through the engine.

A cell becomes one of: an exact rational number (``Fraction``), a ``bool``, a ``str``, or
``Unknown`` — a value the data does not give us, either because it is missing or because it
could not be read. ``Unknown`` carries the reasons so a result can say which column and line
are to blame. Formulas propagate ``Unknown`` with three-valued logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Literal, TypeAlias

FieldType: TypeAlias = Literal["number", "boolean", "text", "date"]


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value the data does not decide.

    ``missing`` holds the canonical names of fields that were blank or absent;
    ``invalid`` holds human-readable reasons for cells that could not be read (or for
    arithmetic that has no answer, such as a division by zero).
    """

    missing: frozenset[str] = frozenset()
    invalid: tuple[str, ...] = ()

    @property
    def is_invalid(self) -> bool:
        return bool(self.invalid)


Value: TypeAlias = Fraction | bool | str | date | Unknown


def missing(field: str) -> Unknown:
    return Unknown(missing=frozenset((field,)))


def invalid(reason: str) -> Unknown:
    return Unknown(invalid=(reason,))


def merge(*values: Unknown) -> Unknown:
    """Combine the reasons of several unknown values (order kept, duplicates dropped)."""
    if len(values) == 1:
        return values[0]
    miss: frozenset[str] = frozenset().union(*(v.missing for v in values))
    reasons: list[str] = []
    for v in values:
        for r in v.invalid:
            if r not in reasons:
                reasons.append(r)
    return Unknown(missing=miss, invalid=tuple(reasons))
