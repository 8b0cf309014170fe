"""What a check produces: results, their statuses, and their entries in the report.

One definition used by both engines. A ``Result`` is one indicator checked against one record;
an ``AggregateResult`` one aggregate indicator for one group. ``RESULT_ENTRY`` is the JSON
report's entry of a result: its keys in order, when a key is there, and how the record engine's
``Result`` gives its value. The record path builds a dict from it (``result_entry``); the
columnar plan writes the same entry as text from expressions (``entry_pieces``), so a key added
here is a key both engines must write (the plan fails on a key it has no expression for).
The entries are joined by ``SEPARATOR`` in the report and in the spool (the columnar engine
writes them straight into it); ``FailOn`` says which statuses make a run fail.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from operator import attrgetter
from typing import Any, Literal, TypeAlias, TypeVar

from lifeservices_cli.semantics.numbers import ZERO, Shown, to_json

PASS, FAIL, NA, MISSING, INVALID = "pass", "fail", "not_applicable", "missing_data", "invalid_data"
ELIGIBLE, NOT_ELIGIBLE = "eligible", "not_eligible"
STATUSES = (PASS, FAIL, NA, MISSING, INVALID, ELIGIBLE, NOT_ELIGIBLE)
#: What makes the exit code 1: any problem (fail, invalid or missing data), a fail only, never.
FailOn: TypeAlias = Literal["any", "fail", "never"]
#: Between two results' JSON entries: in the JSON report's ``results`` list and in the spool.
SEPARATOR = ",\n    "


@dataclass(slots=True)
class Result:
    """One indicator checked against one record."""

    source: str
    line: int
    record_id: str | None
    record_name: str | None
    district: str | None
    indicator: str
    status: str
    value: Shown  # a number, yes/no or (for a date metric) a date; text metrics are refused at load
    threshold: Shown
    comparator: str | None
    unit: str | None
    gap: Fraction | None
    message: str
    shortfall: Fraction | None = None
    #: Which of the indicator's checks the value, threshold, comparator and unit are (0 for one check).
    check: int = 0
    #: The row's reporting year, for an entity with a ``reporting_year`` (district rows: what, with
    #: the district, identifies a record that has no id or name); None otherwise or when it is no year.
    year: int | None = None


@dataclass(slots=True)
class AggregateResult:
    """An aggregate indicator for one group (e.g. one district)."""

    indicator: str
    group: str | None
    status: str
    value: Fraction | None
    numerator: int
    denominator: int
    unknown: int
    threshold: Fraction | bool
    comparator: str
    unit: str | None
    gap: Fraction | None
    message: str


_SURROGATES = re.compile("[\ud800-\udfff]")


@lru_cache(maxsize=256)  # once per input file, not once per result
def path_text(path: str) -> str:
    """A file name as report text: bytes it did not decode from (lone surrogates) become U+FFFD."""
    return _SURROGATES.sub("\ufffd", path)


#: When a key is in an entry: always, only for an indicator whose entity has a reporting year
#: (``yearly``), only for an indicator of more than one check (``several``).
When = Literal["always", "yearly", "several"]


@dataclass(frozen=True, slots=True)
class Key:
    """One key of a report entry: its name, when it is there, and its JSON value from the result
    (``value``; without it the result's attribute of the same name, as it is)."""

    name: str
    value: Callable[[Any], Any] | None = None
    when: When = "always"

    def getter(self) -> Callable[[Any], Any]:
        return self.value if self.value is not None else attrgetter(self.name)


#: A result's entry in the JSON report (schema 2: only what is its own), in order.
RESULT_ENTRY: tuple[Key, ...] = (
    Key("source", lambda r: path_text(r.source)),
    Key("line"),
    Key("record_id"),
    Key("record_name"),
    Key("district"),
    Key("year", when="yearly"),
    Key("indicator"),
    Key("status"),
    Key("check", when="several"),
    Key("value", lambda r: to_json(r.value, r.threshold)),
    Key("threshold", lambda r: to_json(r.threshold, r.value)),
    Key("gap", lambda r: to_json(r.gap, ZERO)),
    Key("shortfall", lambda r: to_json(r.shortfall, ZERO)),
    Key("message"),
)

#: An aggregate's entry (its comparator, unit, clause and departments are its indicator's).
AGGREGATE_ENTRY: tuple[Key, ...] = (
    Key("indicator"),
    Key("group"),
    Key("status"),
    Key("value", lambda a: to_json(a.value, a.threshold)),
    Key("numerator"),
    Key("denominator"),
    Key("unknown"),
    Key("threshold", lambda a: to_json(a.threshold, a.value)),
    Key("gap", lambda a: to_json(a.gap, ZERO)),
    Key("message"),
)


def entry_keys(yearly: bool = False, several: bool = False) -> tuple[Key, ...]:
    """The keys of a result's entry, for an indicator with a reporting year or not, several checks or not."""
    return _KEYS[yearly, several]


_KEYS = {
    (yearly, several): tuple(k for k in RESULT_ENTRY if {"always": True, "yearly": yearly, "several": several}[k.when])
    for yearly in (False, True)
    for several in (False, True)
}
#: The record path's (name, getter) pairs for each kind of entry: built once, used per result.
_GETTERS = {kind: tuple((k.name, k.getter()) for k in keys) for kind, keys in _KEYS.items()}
_AGGREGATE_GETTERS = tuple((k.name, k.getter()) for k in AGGREGATE_ENTRY)


def result_entry(r: Result, yearly: bool = False, several: bool = False) -> dict[str, Any]:
    """A result's entry as a dict (the record path; ``json.dumps`` of it is the report's text)."""
    return {name: get(r) for name, get in _GETTERS[yearly, several]}


def aggregate_entry(a: AggregateResult) -> dict[str, Any]:
    """An aggregate's entry as a dict."""
    return {name: get(a) for name, get in _AGGREGATE_GETTERS}


T = TypeVar("T")


def entry_pieces(
    keys: Sequence[Key], values: Mapping[str, str | T | Sequence[str | T]], *, opens: bool = True, closes: bool = True
) -> list[str | T]:
    """The JSON text of ``keys`` of an entry, as ``json.dumps`` writes a dict, in pieces.

    ``values`` gives each key's value: a ``str`` is the value's JSON text already, a list is the
    value's text in pieces, anything else (a polars expression) is put in as it is. Literal text
    next to literal text is joined, so an entry of constants is one string. ``opens``/``closes``:
    with the entry's ``{``/``}``; a part that does not close ends with the ``", "`` before the
    next key (the rest of the entry follows). Every key must have a value (else ``KeyError``).
    """
    out: list[str | T] = []

    def put(piece: str | T) -> None:
        if isinstance(piece, str) and out and isinstance(out[-1], str):
            out[-1] += piece
        else:
            out.append(piece)

    put("{" if opens else "")
    for n, key in enumerate(keys):
        put(f'{", " if n else ""}"{key.name}": ')
        value = values[key.name]
        for piece in value if isinstance(value, list | tuple) else (value,):
            put(piece)
    put("}" if closes else ", ")
    return [p for p in out if not (isinstance(p, str) and p == "")]
