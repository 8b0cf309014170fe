"""The pack set a check runs with: its entities, indicators and parameters, what ``--only``,
``--skip`` and ``--set`` change, and the problems (``file:line:col: CODE message``) that stop it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction

from lifeservices_cli.errors import UsageError
from lifeservices_cli.packs.codes import code as registered
from lifeservices_cli.packs.compiler import AS_OF, CompiledIndicator, DatedCheck, Entity
from lifeservices_cli.packs.models import Measure, Pack, PackTest, Parameter
from lifeservices_cli.semantics import units
from lifeservices_cli.semantics.cells import make_converter
from lifeservices_cli.semantics.values import FieldType, Unknown


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem in a pack: ``file:line:col: CODE message``."""

    path: str
    line: int | None
    column: int | None
    code: str
    message: str

    def __post_init__(self) -> None:
        registered(self.code)  # a registered code, or a bug

    def __str__(self) -> str:
        return f"{self.path}:{self.line or 1}:{self.column or 1}: {self.code} {self.message}"


class PackError(UsageError):
    """The packs cannot be used; ``problems`` lists everything found."""

    def __init__(self, problems: list[Problem]):
        first = problems[0]
        more = f" (and {len(problems) - 1} more; run 'lifeservices lint' to see all)" if len(problems) > 1 else ""
        super().__init__(first.message + more, first.path, first.line)
        self.problems = problems


@dataclass
class ParameterInfo:
    spec: Parameter
    pack_id: str
    versions: tuple[tuple[date | None, Fraction | date], ...]

    def at(self, as_of: date) -> Fraction | date:
        chosen = self.versions[0][1]
        for start, value in self.versions:
            if start is None or start <= as_of:
                chosen = value
        return chosen


@dataclass
class PackSet:
    """All packs of a run, merged: their entities, parameters, indicators, coverage and tests."""

    packs: list[tuple[Pack, str]] = field(default_factory=list)  # (pack, path as shown)
    entities: dict[str, Entity] = field(default_factory=dict)
    indicators: list[CompiledIndicator] = field(default_factory=list)
    parameters: dict[str, ParameterInfo] = field(default_factory=dict)
    coverage: list[tuple[Measure, str]] = field(default_factory=list)  # (measure, pack id)
    tests: list[tuple[PackTest, str, int | None]] = field(default_factory=list)  # (test, file, line)
    settings: list[dict[str, str]] = field(default_factory=list)  # --set assignments, for the report
    problems: list[Problem] = field(default_factory=list)

    def for_entity(self, entity: str) -> list[CompiledIndicator]:
        return [i for i in self.indicators if i.spec.entity == entity]

    def get(self, indicator_id: str) -> CompiledIndicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    def constant_types(self) -> dict[str, FieldType]:
        types: dict[str, FieldType] = {AS_OF: "date"}
        for name, info in self.parameters.items():
            types[name] = "date" if isinstance(info.versions[0][1], date) else "number"
        return types

    def constants_at(self, as_of: date) -> dict[str, Fraction | date]:
        """``as_of`` and every parameter's value in force on that day, for formulas."""
        values: dict[str, Fraction | date] = {AS_OF: as_of}
        values.update({name: info.at(as_of) for name, info in self.parameters.items()})
        return values

    def select(self, only: Sequence[str] = (), skip: Sequence[str] = ()) -> None:
        """Keep the indicators named by ``--only`` and drop those named by ``--skip``."""
        known = {i.id for i in self.indicators}
        for wanted in (*only, *skip):
            if wanted not in known:
                raise UsageError(f"unknown indicator {wanted!r}; known: {', '.join(sorted(known))}")
        keep = set(only) if only else known
        for ind in self.indicators:  # an aggregate needs the indicator it counts
            if ind.id in keep and ind.spec.aggregate is not None:
                keep.add(ind.spec.aggregate.of)
        self.indicators = [i for i in self.indicators if i.id in keep and i.id not in set(skip)]

    def apply_settings(self, assignments: Sequence[str]) -> None:
        """``ID.threshold=600`` (or ``ID.N.threshold`` for the Nth criterion) and ``PARAM=5``."""
        for text in assignments:
            target, sep, raw = text.partition("=")
            target, raw = target.strip(), raw.strip()
            if not sep or not target or not raw:
                raise UsageError(f"--set {text!r}: expected ID.threshold=VALUE or PARAMETER=VALUE")
            if target in self.parameters:
                info = self.parameters[target]
                old = info.versions[-1][1]
                info.versions = ((None, _setting_value(text, raw, info.spec.unit)),)
                self.settings.append({"target": target, "value": raw, "was": str(old)})
                continue
            parts = target.split(".")
            if len(parts) not in (2, 3) or parts[-1] != "threshold":
                raise UsageError(
                    f"--set {text!r}: no parameter {target!r}; to change a threshold use ID.threshold=VALUE"
                )
            self._set_threshold(text, parts, raw)

    def _set_threshold(self, text: str, parts: list[str], raw: str) -> None:
        try:
            ind = self.get(parts[0])
        except KeyError:
            raise UsageError(f"--set {text!r}: unknown indicator {parts[0]!r}") from None
        if len(parts) == 3 and not parts[1].isdigit():
            raise UsageError(f"--set {text!r}: expected ID.N.threshold with N a criterion number")
        index = int(parts[1]) - 1 if len(parts) == 3 else 0
        if len(parts) == 2 and len(ind.criteria) > 1:
            raise UsageError(f"--set {text!r}: {ind.id} has {len(ind.criteria)} criteria; use {ind.id}.N.threshold")
        if not 0 <= index < len(ind.criteria):
            raise UsageError(f"--set {text!r}: {ind.id} has no criterion {index + 1}")
        current = ind.criteria[index].versions[-1][1]
        if not isinstance(current.threshold, Fraction):
            raise UsageError(f"--set {text!r}: only a numeric threshold can be set")
        unit = current.unit if current.unit and units.lookup(current.unit) else None
        value = _setting_value(text, raw, unit)
        if not isinstance(value, Fraction):
            raise UsageError(f"--set {text!r}: {raw!r} is not a number")
        reference = f"--set {text}"
        criteria = list(ind.criteria)
        criteria[index] = DatedCheck(((None, current.with_threshold(value, reference)),))
        updated = CompiledIndicator(
            ind.spec,
            ind.pack_id,
            ind.combine,
            tuple(criteria),
            ind.applies_if,
            ind.shortfall,
            {**ind.origin, "rule": reference},
        )
        self.indicators = [updated if i.id == ind.id else i for i in self.indicators]
        self.settings.append({"target": ".".join(parts), "value": raw, "was": str(current.threshold)})


def _setting_value(text: str, raw: str, unit: str | None) -> Fraction | date:
    from lifeservices_cli.semantics.dates import parse_date

    if (when := parse_date(raw)) is not None:
        return when
    value = make_converter("number", column="--set", field="--set", field_unit=unit, lang="en")(raw, 0)
    if isinstance(value, Unknown) or not isinstance(value, Fraction):
        raise UsageError(f"--set {text!r}: {raw!r} is not a number" + (f" in {unit}" if unit else ""))
    return value
