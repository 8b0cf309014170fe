"""The formula language's shapes: the allow-listed tree, a compiled ``Formula``, its errors and limits."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lifeservices_cli.semantics.values import FieldType, Value

MAX_LENGTH = 2000
MAX_DEPTH = 64
MAX_EXPONENT = 100
FUNCTIONS: frozenset[str] = frozenset({"abs", "add_years", "if", "is_missing", "max", "min", "round", "years_between"})

Record = Mapping[str, Value]
Fn = Callable[[Record], Value]


class FormulaError(Exception):
    """Rejected formula: ``message`` is one line of English, ``column`` is 1-based or None."""

    def __init__(self, message: str, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.column = column

    def __str__(self) -> str:
        return self.message if self.column is None else f"{self.message} (column {self.column})"


@dataclass(frozen=True)
class Formula:
    """A compiled formula; call it with a record mapping field names to values."""

    text: str
    type: FieldType
    fields: frozenset[str]
    _fn: Fn = field(repr=False, compare=False)
    tree: Node | None = field(default=None, repr=False, compare=False)  # for other back ends (columnar)

    def __call__(self, record: Record) -> Value:
        """Evaluate against ``record``; a field absent from it counts as missing."""
        return self._fn(record)


@dataclass(frozen=True, slots=True)
class Node:
    """One node of the allow-listed tree; ``start``/``end`` index the source text."""

    kind: str  # num str bool name call neg pos not cmp arith and or
    start: int
    end: int
    value: Any = None  # literal value, name, function name or operator
    pos: int = 0  # where the operator / function name is, for error columns
    args: tuple[Node, ...] = ()
    ops: tuple[tuple[str, int], ...] = ()  # chains: operator and position before args[1:]
