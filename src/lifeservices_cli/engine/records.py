"""The record engine: records × indicators → results (the per-group aggregates: ``engine.aggregate``).

Pure and total: it never raises on data. Every outcome is a status with a reason. Formulas
are compiled already (``packs.compiler``); here they are only evaluated.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from fractions import Fraction
from typing import TypedDict

from lifeservices_cli.engine.results import (
    ELIGIBLE,
    FAIL,
    INVALID,
    MISSING,
    NA,
    NOT_ELIGIBLE,
    PASS,
    Result,
)
from lifeservices_cli.i18n import Lang, t
from lifeservices_cli.packs.compiler import Check, CompiledIndicator
from lifeservices_cli.packs.models import FieldSpec
from lifeservices_cli.packs.packset import PackSet
from lifeservices_cli.semantics.comparators import compare
from lifeservices_cli.semantics.numbers import ZERO, Shown, display
from lifeservices_cli.semantics.values import Unknown, Value, invalid, merge, missing, reason
from lifeservices_cli.sources import Record


def _unknown_status(u: Unknown) -> str:
    return INVALID if u.is_invalid else MISSING


def _field_titles(ind: CompiledIndicator, packset: PackSet, u: Unknown, lang: Lang) -> str:
    fields = packset.entities[ind.spec.entity].spec.fields
    return t("words.fields_sep", lang).join(sorted(fields[f].title.get(lang) if f in fields else f for f in u.missing))


def _unknown_message(ind: CompiledIndicator, packset: PackSet, u: Unknown, lang: Lang, applicability: bool) -> str:
    if u.is_invalid:  # the reasons are codes with parameters: worded here, in the report's language
        return t("msg.invalid", lang, reasons=t("words.reasons_sep", lang).join(r.word(lang) for r in u.invalid))
    key = "msg.missing_applicability" if applicability else "msg.missing"
    return t(key, lang, fields=_field_titles(ind, packset, u, lang))


class RuleSlots(TypedDict):
    """The slots of ``msg.rule_formula`` that do not depend on the record."""

    comparator: str
    threshold: str


def formula_rule(check: Check, lang: Lang) -> RuleSlots:
    """The comparator (its word in Chinese: the pack gives the plan's word in Chinese only) and
    the threshold's title of a check whose threshold is a formula."""
    assert check.threshold_formula is not None
    shown = check.threshold_title.get(lang) if check.threshold_title else check.threshold_formula.text
    return {"comparator": check.comparator_text(lang), "threshold": shown}


def unit_slot(unit: str | None) -> str:
    """A unit as the ``unit`` slot of a message takes it: after a space, or nothing."""
    return f" {unit}" if unit else ""


def _describe(check: Check, value: Shown, threshold: Value | None, lang: Lang) -> str:
    title = check.title.get(lang)
    if isinstance(value, bool):
        return t("msg.check_yes_no", lang, title=title, value=t("words.yes" if value else "words.no", lang))
    unit = unit_slot(check.unit)
    against = None if isinstance(threshold, Unknown) else threshold
    rule = check.rule_text(lang, against=value)
    if check.threshold_formula is not None and against is not None:
        shown = display(against, against=value)
        rule = t("msg.rule_formula", lang, value=shown, unit=unit, **formula_rule(check, lang))
    number = display(value, against=against)
    return t("msg.check", lang, title=title, value=number, unit=unit, rule=rule)


class Engine:
    """Checks records against the record-level indicators of a pack set, as of one day.

    The rules in force on ``as_of`` (dated values, ``effective_from``/``effective_to``) are
    chosen once here; indicators not in force then are listed in ``not_in_force``. An entity with
    a ``reporting_year`` (one row per district and year) is judged by the row's year instead: an
    indicator applies to a row when it is in force on some day of that year, with the rules in
    force on the last such day; a row of a year outside its period is ``not_applicable``.

    Fields with a ``maximum``, or dates that cannot be after ``as_of`` (``not_after_as_of``), are
    screened here, where the day of assessment is known: a value beyond is invalid data.
    """

    def __init__(self, packset: PackSet, lang: Lang = "zh", as_of: date | None = None):
        self.packset = packset
        self.lang = lang
        self.as_of = as_of or date.today()
        self.constants = packset.constants_at(self.as_of)
        self.checks: dict[str, tuple[Check, ...]] = {}
        self.not_in_force: list[str] = []
        self._by_entity: dict[str, list[tuple[CompiledIndicator, tuple[Check, ...]]]] = {}
        self._years: dict[str, str] = {}  # entity -> its reporting-year field
        self._screens: dict[str, list[tuple[str, FieldSpec]]] = {}
        for name, entity in packset.entities.items():
            if entity.spec.reporting_year is not None:
                self._years[name] = entity.spec.reporting_year
            screened = [(f, s) for f, s in entity.spec.fields.items() if s.maximum is not None or s.not_after_as_of]
            if screened:
                self._screens[name] = screened
        self._year_checks: dict[tuple[str, int], tuple[Check, ...] | tuple[str, str]] = {}
        for ind in packset.indicators:
            checks = ind.checks_at(self.as_of)
            if checks is None and ind.spec.entity in self._years and ind.spec.kind != "aggregate":
                checks = ind.checks  # the row's year chooses (``_for_year``)
            if checks is None:
                self.not_in_force.append(ind.id)
                continue
            self.checks[ind.id] = checks
            if ind.spec.kind != "aggregate":
                self._by_entity.setdefault(ind.spec.entity, []).append((ind, checks))

    def by_records_only(self, entity: str) -> bool:
        """Whether ``entity``'s rows need this engine's per-row screens or year gate (not columns)."""
        return entity in self._years or entity in self._screens

    def _screen(self, record: Record, entity: str) -> None:
        """Values beyond a field's ``maximum``, or dates after ``as_of`` where that cannot be, become invalid."""
        lang = self.lang
        for fname, spec in self._screens.get(entity, ()):
            value = record.values.get(fname)
            column = spec.title.get(lang)
            if spec.maximum is not None and isinstance(value, Fraction) and value > Fraction(str(spec.maximum)):
                most = display(Fraction(str(spec.maximum)))
                raw = display(value)
                record.values[fname] = invalid(
                    "cell.above_maximum", line=record.line, column=column, raw=raw, maximum=most
                )
            elif spec.not_after_as_of and isinstance(value, date) and value > self.as_of:
                day = self.as_of.isoformat()
                record.values[fname] = invalid(
                    "cell.after_as_of", line=record.line, column=column, raw=value.isoformat(), as_of=day
                )

    def _for_year(self, ind: CompiledIndicator, record: Record) -> tuple[Check, ...] | tuple[str, str]:
        """The checks in force for the row's reporting year, or the status and message that say why none."""
        lang = self.lang
        name = self._years[ind.spec.entity]
        year = record.values.get(name, missing(name))
        if isinstance(year, Unknown):
            return _unknown_status(year), _unknown_message(ind, self.packset, year, lang, applicability=True)
        if not isinstance(year, Fraction) or year.denominator != 1 or not 1 <= year <= 9998:
            column = self.packset.entities[ind.spec.entity].spec.fields[name].title.get(lang)
            why = reason("cell.not_year", line=record.line, column=column, raw=display(year))
            return INVALID, t("msg.invalid", lang, reasons=why.word(lang))
        key = (ind.id, int(year))
        found = self._year_checks.get(key)
        if found is None:
            found = self._year_checks[key] = self._year_rules(ind, int(year))
        return found

    def _year_rules(self, ind: CompiledIndicator, year: int) -> tuple[Check, ...] | tuple[str, str]:
        start, end = ind.period
        first, last = date(year, 1, 1), date(year, 12, 31)
        if end is not None and first > end:
            return NA, t("msg.year_after", self.lang, year=year, day=end.isoformat())
        checks = ind.checks_at(last if end is None else min(last, end))
        if checks is None or (start is not None and last < start):
            day = start or min(v for c in ind.criteria for v, _ in c.versions if v is not None)
            return NA, t("msg.year_before", self.lang, year=year, day=day.isoformat())
        return checks

    def indicators_for(self, entity: str) -> list[tuple[CompiledIndicator, tuple[Check, ...]]]:
        """The record-level indicators in force for ``entity``, with their checks."""
        return list(self._by_entity.get(entity, ()))

    def check(self, record: Record, entity: str) -> Iterator[Result]:
        record.values.update(self.constants)
        for ind, checks in self._by_entity.get(entity, ()):
            yield self.evaluate(ind, record, checks)

    def evaluate(self, ind: CompiledIndicator, record: Record, checks: tuple[Check, ...] | None = None) -> Result:
        lang = self.lang
        values = record.values
        if checks is None:
            values.update(self.constants)
            checks = self.checks[ind.id]
        head = checks[0]
        result = Result(
            record.source,
            record.line,
            record.text("id"),
            record.text("name"),
            record.text("district"),
            ind.id,
            NA,
            None,
            head.threshold,
            head.comparator,
            head.unit,
            None,
            "",
        )
        year_field = self._years.get(ind.spec.entity)
        if year_field is not None:
            year = values.get(year_field)
            if isinstance(year, Fraction) and year.denominator == 1 and 1 <= year <= 9998:
                result.year = int(year)
        if record.problems:
            reasons = t("words.reasons_sep", lang).join(record.problems)  # worded by the reader already
            result.status, result.message = INVALID, t("msg.invalid", lang, reasons=reasons)
            return result
        entity = ind.spec.entity
        if entity in self._screens:
            self._screen(record, entity)
        if entity in self._years:
            chosen = self._for_year(ind, record)
            if isinstance(chosen[0], str):
                result.status, result.message = chosen
                return result
            checks = chosen
        if ind.applies_if is not None:
            applies = ind.applies_if(values)
            if isinstance(applies, Unknown):
                result.status = _unknown_status(applies)
                result.message = _unknown_message(ind, self.packset, applies, lang, applicability=True)
                return result
            if not applies:
                title = ind.spec.applies_title.get(lang) if ind.spec.applies_title else ind.applies_if.text
                result.message = t("msg.not_applicable", lang, condition=title)
                return result
        outcomes: list[tuple[Check, Value, bool | Unknown]] = []
        thresholds: dict[int, Value | None] = {}
        for check in checks:
            value = check.metric(values)
            threshold = check.threshold if check.threshold_formula is None else check.threshold_formula(values)
            thresholds[id(check)] = threshold
            ok: bool | Unknown
            if isinstance(value, Unknown):
                ok = merge(value, threshold) if isinstance(threshold, Unknown) else value
            else:
                ok = threshold if isinstance(threshold, Unknown) else compare(check.comparator, value, threshold)
            outcomes.append((check, value, ok))
        decision, primary = _combine(ind.combine, outcomes)
        check, value, _ = primary
        threshold = thresholds[id(check)]
        result.threshold = None if isinstance(threshold, Unknown) else threshold
        result.comparator, result.unit = check.comparator, check.unit
        result.check = next(i for i, c in enumerate(checks) if c is check)
        if isinstance(decision, Unknown):
            result.status = _unknown_status(decision)
            result.message = _unknown_message(ind, self.packset, decision, lang, applicability=False)
            return result
        if not isinstance(value, Unknown):
            result.value = value
            if isinstance(value, Fraction) and isinstance(threshold, Fraction):
                result.gap = value - threshold
        eligibility = ind.spec.kind == "eligibility"
        if eligibility:
            result.status = ELIGIBLE if decision else NOT_ELIGIBLE
            deciding = [o for o in outcomes if o[2] is decision] or outcomes
            why = t("words.sep", lang).join(
                _describe(c, v, thresholds[id(c)], lang) for c, v, _ in deciding if not isinstance(v, Unknown)
            )
            result.message = t("msg.eligible" if decision else "msg.not_eligible", lang, reason=why)
            return result
        result.status = PASS if decision else FAIL
        shown = [o for o in outcomes if o[2] is decision] if ind.combine == ("any" if decision else "all") else outcomes
        result.message = t("words.sep", lang).join(
            _describe(c, v, thresholds[id(c)], lang) for c, v, _ in shown if not isinstance(v, Unknown)
        )
        if not decision and ind.shortfall is not None:
            limit = threshold if threshold is not None else missing("threshold")
            need = ind.shortfall({**values, "threshold": limit})
            if isinstance(need, Fraction) and need > 0:
                result.shortfall = need
                unit = unit_slot(ind.spec.shortfall.unit if ind.spec.shortfall else None)
                result.message += t("msg.shortfall", lang, value=display(need, against=ZERO), unit=unit)
        return result


def _combine(
    how: str, outcomes: list[tuple[Check, Value, bool | Unknown]]
) -> tuple[bool | Unknown, tuple[Check, Value, bool | Unknown]]:
    """Three-valued all/any: a known deciding outcome wins over unknown ones."""
    if how == "one":
        return outcomes[0][2], outcomes[0]
    decisive = False if how == "all" else True
    for outcome in outcomes:
        if outcome[2] is decisive:
            return decisive, outcome
    unknowns = [o for o in outcomes if isinstance(o[2], Unknown)]
    if unknowns:
        return merge(*(o[2] for o in unknowns if isinstance(o[2], Unknown))), unknowns[0]
    return not decisive, outcomes[0]
