"""Worked examples for ``lifeservices explain``: records built from an indicator's own rule.

For each criterion, one field is moved to the rule's boundary — solved exactly when the metric
is linear in a number field (``service_facility_area / households * 100`` gives 30 m² for 100
households), found day by day for dates — and then just past it. The records are then checked
by the real pipeline (``checker.check_records``), so what ``explain`` shows is what ``check``
would say. Aggregates get two groups: one with a passing and a failing record, one passing.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from lifeservices_cli.errors import UsageError
from lifeservices_cli.formula import Formula
from lifeservices_cli.i18n import Lang, t
from lifeservices_cli.packs.compiler import Check, CompiledIndicator, Entity
from lifeservices_cli.packs.packset import PackSet
from lifeservices_cli.semantics.comparators import compare
from lifeservices_cli.semantics.values import Unknown, Value, missing

from .common import decimal_text

Values = dict[str, Value]
Assignment = dict[str, Value]

_DAYS = 40_000  # how far (in days, either way) a date is searched for a boundary
_GUARDED = re.compile(r"is_missing\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*\)")
_NUMBER_LITERAL = re.compile(r"(?<![A-Za-z_\d.])\d+(?:\.\d+)?")
_TEXT_LITERAL = re.compile(r"'([^']*)'|\"([^\"]*)\"")


@dataclass
class ExampleRecord:
    record_id: str
    cells: dict[str, str]  # field -> cell text, as a data file would hold it
    results: dict[str, Any] = field(default_factory=dict)  # indicator's result: status, value, gap, message


@dataclass
class WorkedExample:
    as_of: date
    records: list[ExampleRecord]
    aggregates: list[dict[str, Any]] = field(default_factory=list)
    by: str | None = None  # the grouping field, for aggregates


def ordered(formula: Formula | None) -> list[str]:
    """The fields of a formula in the order they appear in its text."""
    if formula is None:
        return []

    def position(name: str) -> int:
        m = re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", formula.text)
        return m.start() if m else len(formula.text)

    return sorted(formula.fields, key=lambda name: (position(name), name))


def record_fields(packset: PackSet, ind: CompiledIndicator) -> list[str]:
    """Every field of the entity the indicator reads (for aggregates: the counted indicator's, and
    the grouping field), in the pack's field order."""
    names: set[str] = set()
    if ind.spec.aggregate is not None:
        base = packset.get(ind.spec.aggregate.of)
        names.update(record_fields(packset, base))
        names.add(ind.spec.aggregate.by)
    formulas = [ind.applies_if, ind.shortfall]
    for crit in ind.criteria:
        for _, check in crit.versions:
            formulas += [check.metric, check.threshold_formula]
    for formula in formulas:
        if formula is not None:
            names.update(formula.fields)
    order = list(packset.entities[ind.spec.entity].spec.fields)
    return [n for n in order if n in names]


# --------------------------------------------------------------------------- evaluating


def _passes(check: Check, values: Values) -> bool | None:
    metric = check.metric(values)
    threshold = check.threshold_for(values)
    if isinstance(metric, Unknown) or isinstance(threshold, Unknown) or threshold is None:
        return None
    try:
        return bool(compare(check.comparator, metric, threshold))
    except TypeError:
        return None


def _decides(combine: str, checks: tuple[Check, ...], values: Values) -> bool | None:
    outcomes = [_passes(c, values) for c in checks]
    if any(o is None for o in outcomes):
        return None
    return all(outcomes) if combine != "any" else any(outcomes)


# --------------------------------------------------------------------------- solving one check


def _linear_boundary(check: Check, values: Values, name: str) -> tuple[Fraction, Fraction] | None:
    """``(x, step)``: the value of ``name`` where metric − threshold is 0, and the change of
    ``name`` that moves the metric by one unit; None unless metric − threshold is linear in it."""

    def g(x: Fraction) -> Fraction | None:
        trial = {**values, name: x}
        metric, threshold = check.metric(trial), check.threshold_for(trial)
        if isinstance(metric, Fraction) and isinstance(threshold, Fraction):
            return metric - threshold
        return None

    for start in (Fraction(0), Fraction(1), Fraction(10)):
        a, b, c = g(start), g(start + 1), g(start + 2)
        if a is None or b is None or c is None:
            continue
        slope = b - a
        if slope != 0 and c - b == slope:
            return start - a / slope, 1 / abs(slope)
    return None


def _number_solution(
    check: Check, values: Values, name: str, minimum: Fraction | None, maximum: Fraction | None = None
) -> tuple[Assignment, Assignment] | None:
    found = _linear_boundary(check, values, name)
    if found is None:
        return None
    x, step = found

    def usable(v: Fraction) -> bool:
        in_range = (minimum is None or v >= minimum) and (maximum is None or v <= maximum)
        return in_range and decimal_text(v) is not None

    def first(candidates: list[Fraction], wanted: bool) -> Fraction | None:
        return next((v for v in candidates if usable(v) and _passes(check, {**values, name: v}) is wanted), None)

    good = first([x, x + step, x - step], True)
    bad = first([x, x - step, x + step], False)
    if good is None or bad is None:
        return None
    return {name: good}, {name: bad}


def _date_solution(
    check: Check, values: Values, name: str, as_of: date, latest: int = _DAYS
) -> tuple[Assignment, Assignment | None] | None:
    """A day that passes and a day that fails, next to each other, at most ``latest`` days after
    ``as_of``; only a passing day when every day up to then passes."""

    def ok(days: int) -> bool | None:
        return _passes(check, {**values, name: as_of + timedelta(days=days)})

    lo, hi = -_DAYS, latest
    at_lo, at_hi = ok(lo), ok(hi)
    if at_lo is None or at_hi is None:
        return None
    if at_lo == at_hi:
        return ({name: as_of + timedelta(days=hi)}, None) if at_lo else None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        now = ok(mid)
        if now is None:
            return None
        lo, hi = (mid, hi) if now == at_lo else (lo, mid)
    good, bad = (lo, hi) if at_lo else (hi, lo)
    return {name: as_of + timedelta(days=good)}, {name: as_of + timedelta(days=bad)}


def _search(
    names: list[str], candidates: Callable[[str], list[Value]], wanted: Callable[[Values], bool | None], values: Values
) -> Assignment | None:
    """The first combination of candidate values (at most a few thousand) that ``wanted`` accepts."""
    names = names[:6]
    for count, combo in enumerate(itertools.product(*(candidates(n) for n in names))):
        if count > 5000:
            return None
        trial = dict(zip(names, combo, strict=True))
        if wanted({**values, **trial}):
            return trial
    return None


class _Builder:
    def __init__(self, packset: PackSet, ind: CompiledIndicator, as_of: date, lang: Lang):
        self.packset, self.ind, self.as_of, self.lang = packset, ind, as_of, lang
        self.entity: Entity = packset.entities[ind.spec.entity]
        self.types = self.entity.types

    def default(self, name: str) -> Value:
        kind = self.types[name]
        if kind == "number":
            return Fraction(100)
        if kind == "boolean":
            return True
        if kind == "date":
            return self.as_of - timedelta(days=365)
        return t("authoring.example_text", self.lang)

    def candidates(self, formula: Formula, name: str, current: Value) -> list[Value]:
        kind = self.types[name]
        if kind == "boolean":
            return [True, False]
        if kind == "number":
            found = [Fraction(m.group()) for m in _NUMBER_LITERAL.finditer(formula.text)]
            near = [v + d for v in found for d in (0, 1, -1)]
            return list(dict.fromkeys([*near, current, Fraction(0)]))
        if kind == "text":
            texts = [a or b for a, b in _TEXT_LITERAL.findall(formula.text)]
            return list(dict.fromkeys([*texts, current]))
        return [current]

    def solve(self, check: Check, values: Values, fixed: set[str]) -> tuple[Assignment, Assignment | None] | None:
        """Values of the check's fields that pass and that fail it, each next to the boundary."""
        names = [n for n in [*ordered(check.metric), *ordered(check.threshold_formula)] if n not in fixed]
        names = list(dict.fromkeys(names))
        if check.metric.type == "boolean":
            bools = [n for n in names if self.types[n] == "boolean"]
            if not bools:
                return None
            good = _search(bools, lambda n: [True, False], lambda v: _passes(check, v), values)
            bad = _search(bools, lambda n: [True, False], lambda v: _passes(check, v) is False, values)
            return (good, bad) if good is not None and bad is not None else None
        for name in names:
            kind = self.types[name]
            if kind == "number":
                spec = self.entity.spec.fields[name]
                minimum = Fraction(str(spec.minimum)) if spec.minimum is not None else None
                maximum = Fraction(str(spec.maximum)) if spec.maximum is not None else None
                solved: tuple[Assignment, Assignment | None] | None = _number_solution(
                    check, values, name, minimum, maximum
                )
            elif kind == "date":
                latest = 0 if self.entity.spec.fields[name].not_after_as_of else _DAYS
                solved = _date_solution(check, values, name, self.as_of, latest)
            else:
                continue
            if solved is not None:
                return solved
        return None

    def record_values(self, checks: tuple[Check, ...]) -> tuple[Values, Values | None]:
        """A record that passes (or is eligible) and one that fails, when both can be found."""
        ind = self.ind
        names = record_fields(self.packset, ind)
        optional = {n for c in checks for f in (c.metric, c.threshold_formula) if f for n in _guarded(f)}
        values: Values = {n: missing(n) if n in optional else self.default(n) for n in names}
        year = self.entity.spec.reporting_year
        if year is not None:  # a row of the year the example is checked in
            values[year] = Fraction(self.as_of.year)
        values.update(self.packset.constants_at(self.as_of))
        fixed: set[str] = set(optional)
        if ind.applies_if is not None:
            applies = ind.applies_if
            fields = ordered(applies)
            trial = _search(
                fields, lambda n: self.candidates(applies, n, values[n]), lambda v: applies(v) is True, values
            )
            if trial is not None:
                values.update(trial)
            fixed |= set(fields)
        solutions = [self.solve(c, values, fixed) for c in checks]
        if any(s is None for s in solutions):
            return values, None
        goods = [s[0] for s in solutions if s is not None]
        bads = [s[1] for s in solutions if s is not None and s[1] is not None]
        decide = ind.combine
        if decide == "any":
            base = _merged(values, bads)
            good = next((v for g in goods if _decides(decide, checks, v := {**base, **g})), None)
            bad = base if _decides(decide, checks, base) is False else None
        else:
            good = next(
                (v for order in (goods, goods[::-1]) if _decides(decide, checks, v := _merged(values, order))), None
            )
            bad = None
            if good is not None:
                bad = next((v for b in bads[::-1] if _decides(decide, checks, v := {**good, **b}) is False), None)
        if good is None:
            return values, None
        return good, bad


def _guarded(formula: Formula) -> set[str]:
    """Fields a formula reads only behind ``is_missing`` (optional ones): examples leave them blank."""
    return set(_GUARDED.findall(formula.text))


def _merged(values: Values, assignments: list[Assignment]) -> Values:
    out = dict(values)
    for assignment in assignments:
        out.update(assignment)
    return out


# --------------------------------------------------------------------------- cells and the pipeline


def cell(value: Value, lang: Lang) -> str:
    if isinstance(value, bool):
        return t("words.yes" if value else "words.no", lang)
    if isinstance(value, Fraction):
        return decimal_text(value) or str(float(value))
    if isinstance(value, date):
        return value.isoformat()
    return "" if isinstance(value, Unknown) else str(value)


def _cells(entity: Entity, values: Values, lang: Lang) -> dict[str, str]:
    return {name: cell(value, lang) for name, value in values.items() if name in entity.types}


def worked_example(packset: PackSet, ind: CompiledIndicator, as_of: date, lang: Lang) -> WorkedExample:
    """Example records for ``ind`` checked as ``check`` would check them on ``as_of``."""
    from lifeservices_cli.pipeline import check_records
    from lifeservices_cli.semantics.numbers import ZERO, to_json

    when = _in_force_day(ind, as_of)
    counted = packset.get(ind.spec.aggregate.of) if ind.spec.aggregate is not None else ind
    checks = counted.checks_at(when) or counted.checks
    builder = _Builder(packset, counted, when, lang)
    good, bad = builder.record_values(checks)
    entity = builder.entity
    rows = [_cells(entity, good, lang)] + ([_cells(entity, bad, lang)] if bad is not None else [])
    by = ind.spec.aggregate.by if ind.spec.aggregate is not None else None
    if by is not None:
        groups = (t("authoring.group_a", lang), t("authoring.group_b", lang))
        rows = [{**row, by: groups[0]} for row in rows] + [{**rows[0], by: groups[1]}]
    records = []
    for number, row in enumerate(rows, start=1):
        row = dict(row)
        if "id" in entity.types:
            row = {"id": f"EX-{number}", **row}
        records.append(ExampleRecord(row.get("id", str(number)), row))
    try:
        report = check_records([r.cells for r in records], entity=entity.name, packset=packset, lang=lang, as_of=when)
    except UsageError:
        return WorkedExample(when, records, by=by)
    for result in report.results:
        if result.indicator == counted.id and 1 <= result.line <= len(records):
            records[result.line - 1].results = {
                "status": result.status,
                "value": to_json(result.value, result.threshold),
                "gap": to_json(result.gap, ZERO),
                "shortfall": to_json(result.shortfall, ZERO),
                "message": result.message,
            }
    aggregates = [
        {
            "group": a.group,
            "status": a.status,
            "value": to_json(a.value, a.threshold),
            "numerator": a.numerator,
            "denominator": a.denominator,
            "gap": to_json(a.gap, ZERO),
            "message": a.message,
        }
        for a in report.aggregates
        if a.indicator == ind.id
    ]
    return WorkedExample(when, records, aggregates, by)


def _in_force_day(ind: CompiledIndicator, as_of: date) -> date:
    """``as_of`` when the indicator is in force then, else the first day it is."""
    if ind.checks_at(as_of) is not None:
        return as_of
    from lifeservices_cli.semantics.dates import parse_date

    days = [start for crit in ind.criteria for start, _ in crit.versions if start is not None]
    if ind.spec.effective_from:
        days.append(parse_date(ind.spec.effective_from) or as_of)
    for day in sorted(days, reverse=True):
        if ind.checks_at(day) is not None:
            return day
    return as_of
