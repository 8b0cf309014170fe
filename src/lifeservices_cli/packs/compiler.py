"""Compiling validated pack models into what the engine evaluates.

Formulas and rules are compiled once here. A problem raises ``Located`` with the key path
inside the pack (and, for formulas, the column inside the formula), which ``packs.py`` turns
into ``file:line:col: CODE message``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from typing import Any

from lifeservices_cli.formula import Formula, FormulaError, compile_formula
from lifeservices_cli.i18n import Lang, t
from lifeservices_cli.packs.codes import code as registered
from lifeservices_cli.packs.models import DatedRule, EntitySpec, Indicator, Localized, Parameter, RuleSpec
from lifeservices_cli.semantics import comparators, units
from lifeservices_cli.semantics.cells import make_converter, normalize
from lifeservices_cli.semantics.dates import parse_date
from lifeservices_cli.semantics.numbers import Shown, display
from lifeservices_cli.semantics.values import FieldType, Unknown, Value

#: Names every formula may use besides the entity's fields.
AS_OF = "as_of"


class Located(Exception):
    """A problem at a key path of a pack; ``column`` is an offset inside the value (1-based)."""

    def __init__(self, loc: list[Any], message: str, code: str, column: int | None = None):
        super().__init__(message)
        self.loc, self.message, self.code, self.column = loc, message, registered(code), column


@dataclass(frozen=True, slots=True)
class Entity:
    name: str
    spec: EntitySpec
    aliases: dict[str, str]  # normalised alias -> field name
    types: dict[str, FieldType]


@dataclass(frozen=True, slots=True)
class Check:
    """One compiled comparison: ``metric <comparator> threshold``."""

    metric: Formula
    title: Localized
    comparator: str
    word: str | None
    threshold: Fraction | bool | None  # None when ``threshold_formula`` gives it per record
    unit: str | None
    threshold_formula: Formula | None = None
    reference: str | None = None  # the text that set this rule, for dated values and overrides
    threshold_title: Localized | None = None  # what a formula threshold means

    def threshold_for(self, values: Mapping[str, Value]) -> Value:
        if self.threshold_formula is None:
            assert self.threshold is not None  # a check without a formula has its threshold
            return self.threshold
        return self.threshold_formula(values)

    def comparator_text(self, lang: Lang) -> str:
        """The comparator as a person reads it: the plan's word (``不低于``) in Chinese, which is
        the only language the pack gives it in; the symbol otherwise."""
        return self.word if (self.word and lang == "zh") else self.comparator

    def rule_text(self, lang: Lang, against: Shown = None) -> str:
        """The rule as the plan would say it, e.g. ``不低于 500 m²`` or ``>= 500 m²`` (the threshold
        with the places a value ``against`` it needs, ``numbers.display``)."""
        shown = self.comparator_text(lang)
        threshold = self.threshold
        if self.threshold_formula is not None:
            value = self.threshold_title.get(lang) if self.threshold_title else self.threshold_formula.text
        elif isinstance(threshold, bool):
            value = t("words.yes" if threshold else "words.no", lang)
        else:
            value = display(threshold, against=against)
        return f"{shown} {value}{' ' + self.unit if self.unit else ''}"

    def with_threshold(self, threshold: Fraction, reference: str) -> Check:
        return Check(self.metric, self.title, self.comparator, self.word, threshold, self.unit, None, reference, None)


@dataclass(frozen=True, slots=True)
class DatedCheck:
    """A criterion's rules over time: ``(from, check)`` sorted by date; ``None`` is "always"."""

    versions: tuple[tuple[date | None, Check], ...]

    def at(self, as_of: date) -> Check | None:
        chosen = None
        for start, check in self.versions:
            if start is None or start <= as_of:
                chosen = check
        return chosen


@dataclass(frozen=True)
class CompiledIndicator:
    spec: Indicator
    pack_id: str
    combine: str  # "one", "all" or "any"
    criteria: tuple[DatedCheck, ...]
    applies_if: Formula | None = None
    shortfall: Formula | None = None
    origin: dict[str, str] = field(default_factory=dict)  # key -> where its effective value came from

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def checks(self) -> tuple[Check, ...]:
        """The latest version of each criterion (for listings; the engine uses ``checks_at``)."""
        return tuple(c.versions[-1][1] for c in self.criteria)

    @property
    def period(self) -> tuple[date | None, date | None]:
        """The first and last day in force (None: open)."""
        start = parse_date(self.spec.effective_from) if self.spec.effective_from else None
        end = parse_date(self.spec.effective_to) if self.spec.effective_to else None
        return start, end

    def in_force(self, as_of: date) -> bool:
        start, end = self.period
        return (start is None or start <= as_of) and (end is None or as_of <= end)

    def checks_at(self, as_of: date) -> tuple[Check, ...] | None:
        """The checks in force on ``as_of``; None when the indicator is not in force then."""
        if not self.in_force(as_of):
            return None
        found = []
        for criterion in self.criteria:
            check = criterion.at(as_of)
            if check is None:
                return None
            found.append(check)
        return tuple(found)


# --------------------------------------------------------------------------- entities and parameters


def compile_entity(name: str, spec: EntitySpec) -> Entity:
    aliases: dict[str, str] = {}
    for fname, fspec in spec.fields.items():
        if fspec.unit is not None and units.lookup(fspec.unit) is None:
            raise Located(["entities", name, "fields", fname, "unit"], f"unknown unit {fspec.unit!r}", "LS031")
        if fspec.entry_unit is not None and units.conversion(fspec.entry_unit, fspec.unit or "") is None:
            where = ["entities", name, "fields", fname, "entry_unit"]
            raise Located(where, f"entry unit {fspec.entry_unit!r} does not convert to {fspec.unit!r}", "LS031")
        for alias in (fname, fspec.title.zh, fspec.title.en, *fspec.aliases):
            key = normalize(alias)
            if aliases.get(key, fname) != fname:
                raise Located(
                    ["entities", name, "fields", fname, "aliases"],
                    f"alias {alias!r} is used by both {aliases[key]!r} and {fname!r}",
                    "LS010",
                )
            aliases[key] = fname
        where = ["entities", name, "fields", fname]
        if fspec.maximum is not None and fspec.type != "number":
            raise Located([*where, "maximum"], "'maximum' is for number fields", "LS032")
        if fspec.not_after_as_of and fspec.type != "date":
            raise Located([*where, "not_after_as_of"], "'not_after_as_of' is for date fields", "LS032")
    if spec.reporting_year is not None:
        year = spec.fields.get(spec.reporting_year)
        if year is None or year.type != "number":
            where = ["entities", name, "reporting_year"]
            raise Located(where, f"'reporting_year' must name a number field, not {spec.reporting_year!r}", "LS011")
    types = {fname: fspec.type for fname, fspec in spec.fields.items()}
    return Entity(name, spec, aliases, types)


def parameter_value(name: str, raw: float | int | str, unit: str | None, loc: list[Any]) -> Fraction | date:
    """A parameter's value: a date, or a number (a unit in the text converts to the parameter's unit)."""
    if isinstance(raw, str) and (when := parse_date(raw)) is not None:
        return when
    convert = make_converter("number", column=name, field=name, field_unit=unit, lang="en")
    value = convert(str(raw), 0)
    if isinstance(value, Unknown) or not isinstance(value, Fraction):
        raise Located(loc, f"parameter {name!r}: {raw!r} is not a number or a date", "LS004")
    return value


def parameter_versions(name: str, spec: Parameter, loc: list[Any]) -> tuple[tuple[date | None, Fraction | date], ...]:
    if spec.values is None:
        assert spec.value is not None  # the model holds a value or values
        return ((None, parameter_value(name, spec.value, spec.unit, [*loc, "value"])),)
    return tuple(
        (parse_date(day), parameter_value(name, dv.value, spec.unit, [*loc, "values", day, "value"]))
        for day, dv in sorted(spec.values.items())
    )


# --------------------------------------------------------------------------- formulas and rules


@dataclass
class Scope:
    """What formulas of one entity may name: its fields, ``as_of`` and the parameters."""

    entity: Entity
    constants: dict[str, FieldType]

    def formula(self, text: str, loc: list[Any], extra: dict[str, FieldType] | None = None) -> Formula:
        try:
            return compile_formula(text, self.entity.types, constants={**self.constants, **(extra or {})})
        except FormulaError as exc:
            raise Located(loc, f"formula {text!r}: {exc.message}", "LS020", exc.column) from None


def _parse_rule(rule: str | RuleSpec, loc: list[Any]) -> comparators.ParsedRule:
    try:
        if isinstance(rule, RuleSpec):
            return comparators.parse_rule(f"{rule.comparator} {rule.threshold}{rule.unit or ''}")
        return comparators.parse_rule(rule)
    except comparators.RuleError as exc:
        raise Located(loc, str(exc), "LS030") from None


def compile_check(
    scope: Scope,
    metric: Formula,
    rule: str | RuleSpec,
    unit: str | None,
    title: Localized,
    loc: list[Any],
    reference: str | None = None,
    threshold_title: Localized | None = None,
) -> Check:
    parsed = _parse_rule(rule, [*loc, "rule"])
    entity = scope.entity
    if metric.type == "text":
        raise Located([*loc, "metric"], "a metric must be a number, a date or yes/no, not text", "LS032")
    field_spec = entity.spec.fields.get(metric.text.strip())
    if unit is None and field_spec is not None:
        unit = field_spec.unit  # a bare field's rule is in the field's unit unless the pack says otherwise
    threshold_formula = None
    threshold = parsed.threshold
    if parsed.formula is not None:
        threshold_formula = scope.formula(parsed.formula, [*loc, "rule"])
        if threshold_title is None and parsed.formula.strip() in entity.types:
            threshold_title = entity.spec.fields[parsed.formula.strip()].title
        if threshold_formula.type != metric.type:
            raise Located(
                [*loc, "rule"], f"the threshold is {threshold_formula.type}, the metric {metric.type}", "LS032"
            )
    elif metric.type == "boolean" and not isinstance(threshold, bool):
        raise Located([*loc, "rule"], "a yes/no metric needs a yes/no threshold, e.g. '== 是'", "LS032")
    elif metric.type != "boolean" and isinstance(threshold, bool):
        kind = "numeric" if metric.type == "number" else metric.type
        raise Located([*loc, "rule"], f"a {kind} metric needs a {kind} threshold", "LS032")
    if parsed.unit is not None and isinstance(threshold, Fraction):
        if unit is None:
            known = units.lookup(parsed.unit)
            assert known is not None  # parse_rule refuses a unit it does not know (LS030)
            unit = known.symbol
        factor = units.conversion(parsed.unit, unit)
        if factor is None:
            raise Located([*loc, "rule"], f"the threshold's unit {parsed.unit!r} does not convert to {unit!r}", "LS031")
        threshold = threshold * factor
    if field_spec is not None and field_spec.unit is not None and unit is not None:
        if units.conversion(field_spec.unit, unit) != 1:
            raise Located([*loc, "unit"], f"unit {unit!r} differs from the field's unit {field_spec.unit!r}", "LS031")
    return Check(
        metric, title, parsed.comparator, parsed.word, threshold, unit, threshold_formula, reference, threshold_title
    )


def _versions(
    scope: Scope,
    metric: Formula,
    rule: str | RuleSpec | None,
    values: dict[str, DatedRule] | None,
    unit: str | None,
    title: Localized,
    loc: list[Any],
    reference: str | None,
    threshold_title: Localized | None = None,
) -> DatedCheck:
    if values is None:
        assert rule is not None
        check = compile_check(scope, metric, rule, unit, title, loc, reference, threshold_title)
        return DatedCheck(((None, check),))
    versions = []
    for day, dated in sorted(values.items()):
        where = [*loc, "values", day]
        check = compile_check(scope, metric, dated.rule, unit, title, where, dated.reference, threshold_title)
        versions.append((parse_date(day), check))
    return DatedCheck(tuple(versions))


def _default_title(metric: str, entity: Entity) -> Localized:
    spec = entity.spec.fields.get(metric.strip())
    return spec.title if spec else Localized(zh=metric, en=metric)


def compile_indicator(
    spec: Indicator,
    pack_id: str,
    scope: Scope,
    earlier: Mapping[str, CompiledIndicator],
    loc: list[Any],
    origin: dict[str, str] | None = None,
) -> CompiledIndicator:
    """Compile one validated indicator; ``earlier`` are the indicators compiled before it."""
    entity = scope.entity
    applies = scope.formula(spec.applies_if, [*loc, "applies_if"]) if spec.applies_if else None
    if applies is not None and applies.type != "boolean":
        raise Located([*loc, "applies_if"], "'applies_if' must be a yes/no formula", "LS032")
    reference = (origin or {}).get("rule")
    if spec.kind == "aggregate":
        agg = spec.aggregate
        assert agg is not None
        base = earlier.get(agg.of)
        if base is None:
            raise Located([*loc, "aggregate", "of"], f"unknown indicator {agg.of!r} (it must come earlier)", "LS011")
        if base.spec.entity != spec.entity or base.spec.kind == "aggregate":
            raise Located(
                [*loc, "aggregate", "of"], f"{agg.of!r} is not a record-level indicator of {spec.entity!r}", "LS011"
            )
        if agg.by not in entity.types:
            raise Located([*loc, "aggregate", "by"], f"unknown field {agg.by!r}", "LS011")
        rate = scope.formula("0", [*loc, "aggregate"])
        title = Localized(zh="达标率", en="pass rate")
        crit = _versions(scope, rate, spec.rule, spec.values, spec.unit or "%", title, loc, reference)
        return CompiledIndicator(spec, pack_id, "one", (crit,), applies, None, origin or {})
    if spec.metric is not None:
        metric = scope.formula(spec.metric, [*loc, "metric"])
        title = spec.metric_title or _default_title(spec.metric, entity)
        criteria: tuple[DatedCheck, ...] = (
            _versions(scope, metric, spec.rule, spec.values, spec.unit, title, loc, reference, spec.threshold_title),
        )
        combine = "one"
    else:
        key = "all_of" if spec.all_of is not None else "any_of"
        crits = spec.all_of if spec.all_of is not None else spec.any_of
        assert crits is not None  # the model holds a metric, all_of or any_of
        compiled = []
        for n, c in enumerate(crits):
            metric = scope.formula(c.metric, [*loc, key, n, "metric"])
            title = c.title or _default_title(c.metric, entity)
            where = [*loc, key, n]
            compiled.append(
                _versions(scope, metric, c.rule, c.values, c.unit, title, where, reference, c.threshold_title)
            )
        criteria = tuple(compiled)
        combine = "all" if key == "all_of" else "any"
    shortfall = None
    if spec.shortfall is not None:
        shortfall = scope.formula(spec.shortfall.formula, [*loc, "shortfall", "formula"], {"threshold": "number"})
    return CompiledIndicator(spec, pack_id, combine, criteria, applies, shortfall, origin or {})
