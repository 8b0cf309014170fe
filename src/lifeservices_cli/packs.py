"""Loading indicator packs: YAML → pydantic models → compiled indicators.

Every problem is a ``UsageError`` naming the file, the line and the key path. Formulas and
rules are compiled here, once, so the engine only evaluates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from importlib import resources
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import pydantic
import yaml

from lifeservices_cli import comparators, units, yamlio
from lifeservices_cli.cells import normalize
from lifeservices_cli.errors import UsageError
from lifeservices_cli.formula import Formula, FormulaError, compile_formula
from lifeservices_cli.models import Criterion, EntitySpec, Indicator, Localized, Pack, RuleSpec
from lifeservices_cli.values import FieldType

BUNDLED = "baicheng-2022-323.yaml"


@dataclass(frozen=True, slots=True)
class Check:
    """One compiled comparison: ``metric <comparator> threshold``."""

    metric: Formula
    title: Localized
    comparator: str
    word: str | None
    threshold: Fraction | bool
    unit: str | None

    def rule_text(self, lang: str) -> str:
        """The rule as the plan would say it, e.g. ``不低于 500 m²`` or ``>= 500 m²``."""
        shown = self.word if (self.word and lang == "zh") else self.comparator
        threshold = self.threshold
        if isinstance(threshold, bool):
            value = ("是" if threshold else "否") if lang == "zh" else ("yes" if threshold else "no")
        else:
            from lifeservices_cli.numbers import display

            value = display(threshold)
        return f"{shown} {value}{' ' + self.unit if self.unit else ''}"


@dataclass(frozen=True, slots=True)
class CompiledIndicator:
    spec: Indicator
    pack_id: str
    combine: str  # "one", "all" or "any"
    checks: tuple[Check, ...]
    applies_if: Formula | None = None
    shortfall: Formula | None = None

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True, slots=True)
class Entity:
    name: str
    spec: EntitySpec
    aliases: dict[str, str]  # normalised alias -> field name
    types: dict[str, FieldType]


@dataclass
class PackSet:
    """All packs of a run, merged: their entities and their indicators."""

    packs: list[tuple[Pack, str]] = field(default_factory=list)  # (pack, path)
    entities: dict[str, Entity] = field(default_factory=dict)
    indicators: list[CompiledIndicator] = field(default_factory=list)

    def for_entity(self, entity: str) -> list[CompiledIndicator]:
        return [i for i in self.indicators if i.spec.entity == entity]

    def get(self, indicator_id: str) -> CompiledIndicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)


def bundled_path() -> Path:
    """The pack that ships inside the package."""
    return Path(str(resources.files("lifeservices_cli") / "indicators" / BUNDLED))


def pack_files(paths: Sequence[str | Path]) -> list[Path]:
    """Expand files and folders (``*.yaml``/``*.yml``, sorted) into pack files."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
            if not inside:
                raise UsageError("no .yaml pack files in this folder", path)
            found.extend(inside)
        elif path.exists():
            found.append(path)
        else:
            raise UsageError("no such pack file or folder", path)
    return found


def load_packs(paths: Sequence[str | Path] | None = None) -> PackSet:
    """Load and compile the packs at ``paths`` (the bundled pack when None or empty)."""
    files = pack_files(paths) if paths else [bundled_path()]
    packset = PackSet()
    for path in files:
        pack, node = _read_pack(path)
        _merge(packset, pack, node, path)
    if not paths:  # report where the bundled pack is without naming a machine path
        packset.packs = [(pack, f"(bundled) {BUNDLED}") for pack, _ in packset.packs]
    return packset


def _read_pack(path: Path) -> tuple[Pack, yaml.Node | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UsageError("a pack must be UTF-8 text", path) from None
    except OSError as exc:
        raise UsageError(f"cannot read pack: {exc.strerror or exc}", path) from None
    try:
        data, node = yamlio.load(text)
    except yamlio.YamlError as exc:
        raise UsageError(exc.message, path, exc.line) from None
    if not isinstance(data, dict):
        raise UsageError("a pack must be a YAML mapping with id, title, document, entities, indicators", path, 1)
    try:
        return Pack.model_validate(data), node
    except pydantic.ValidationError as exc:
        errors = [(err, _clean_loc(data, list(err["loc"]), err["type"])) for err in exc.errors()]
        # A union (``rule`` is text or a mapping) reports one error per arm: keep the arm the data chose.
        fitting = [(err, loc) for err, loc in errors if _fits(err, data, loc)] or errors
        err, loc = fitting[0]
        more = f" (and {len(fitting) - 1} more problem(s))" if len(fitting) > 1 else ""
        raise UsageError(f"{_loc(loc)}: {_pydantic_message(err, loc)}{more}", path, yamlio.line_of(node, loc)) from None


def _loc(loc: Iterable[Any]) -> str:
    return ".".join(str(p) for p in loc) or "(top)"


def _clean_loc(data: Any, loc: list[Any], kind: str) -> list[Any]:
    """Drop pydantic's union-arm tags (``'constrained-str'``, ``'RuleSpec'``) from a location."""
    clean: list[Any] = []
    current = data
    for n, key in enumerate(loc):
        if isinstance(current, dict) and key in current:
            current = current[key]
        elif isinstance(current, list) and isinstance(key, int) and 0 <= key < len(current):
            current = current[key]
        elif n != len(loc) - 1 or kind != "missing":
            continue  # a union-arm tag, not a key of the pack
        clean.append(key)
    return clean


def _fits(err: Any, data: Any, loc: list[Any]) -> bool:
    """Whether an error belongs to the union arm that matches the data's shape."""
    tags = [k for k in err["loc"] if isinstance(k, str) and k not in loc]
    if not tags:
        return True
    current = data
    for key in loc[:-1] if err["type"] in ("extra_forbidden", "missing") else loc:
        try:
            current = current[key]
        except (KeyError, IndexError, TypeError):
            return True
    wants_mapping = any(t[:1].isupper() for t in tags)
    return wants_mapping == isinstance(current, dict)


def _model_at(loc: list[Any]) -> Any:
    """The pydantic model class at a location of a pack, if the location names one."""
    tp: Any = Pack
    for key in loc:
        tp = _step(tp, key)
        if tp is None:
            return None
    return tp


def _step(tp: Any, key: Any) -> Any:
    origin = get_origin(tp)
    if origin in (Union, UnionType):
        arms = [_step(arm, key) for arm in get_args(tp)]
        return next((a for a in arms if a is not None), None)
    if origin is Annotated:
        return _step(get_args(tp)[0], key)
    if origin is list:
        return get_args(tp)[0] if isinstance(key, int) else None
    if origin is dict:
        return get_args(tp)[1]
    if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
        info = tp.model_fields.get(key)
        return info.annotation if info else None
    return None


def _pydantic_message(err: Any, loc: list[Any]) -> str:
    if err["type"] == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = ""
        if isinstance(model, type) and issubclass(model, pydantic.BaseModel):
            allowed = "; allowed keys: " + ", ".join(model.model_fields)
        return f"unknown key {loc[-1]!r}{allowed}"
    if err["type"] == "missing":
        return "this key is required"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def _fail(path: Path, node: yaml.Node | None, loc: list[Any], message: str) -> UsageError:
    return UsageError(f"{_loc(loc)}: {message}", path, yamlio.line_of(node, loc))


def _merge(packset: PackSet, pack: Pack, node: yaml.Node | None, path: Path) -> None:
    for known, known_path in packset.packs:
        if known.id == pack.id:
            raise UsageError(f"pack id {pack.id!r} is already loaded from {known_path}", path, 1)
    packset.packs.append((pack, str(path)))
    for name, spec in pack.entities.items():
        if name in packset.entities:
            raise _fail(path, node, ["entities", name], f"entity {name!r} is already defined by another pack")
        packset.entities[name] = _entity(name, spec, path, node)
    for index, spec in enumerate(pack.indicators):
        loc: list[Any] = ["indicators", index]
        if any(i.id == spec.id for i in packset.indicators):
            raise _fail(path, node, [*loc, "id"], f"duplicate indicator id {spec.id!r}")
        packset.indicators.append(_compile(spec, pack.id, packset, path, node, loc))


def _entity(name: str, spec: EntitySpec, path: Path, node: yaml.Node | None) -> Entity:
    aliases: dict[str, str] = {}
    for fname, fspec in spec.fields.items():
        if fspec.unit is not None and units.lookup(fspec.unit) is None:
            raise _fail(path, node, ["entities", name, "fields", fname, "unit"], f"unknown unit {fspec.unit!r}")
        for alias in (fname, fspec.title.zh, fspec.title.en, *fspec.aliases):
            key = normalize(alias)
            if aliases.get(key, fname) != fname:
                raise _fail(
                    path,
                    node,
                    ["entities", name, "fields", fname, "aliases"],
                    f"alias {alias!r} is used by both {aliases[key]!r} and {fname!r}",
                )
            aliases[key] = fname
    types = {fname: fspec.type for fname, fspec in spec.fields.items()}
    return Entity(name, spec, aliases, types)


def _formula(
    text: str,
    entity: Entity,
    path: Path,
    node: yaml.Node | None,
    loc: list[Any],
    constants: dict[str, FieldType] | None = None,
) -> Formula:
    try:
        return compile_formula(text, entity.types, constants=constants)
    except FormulaError as exc:
        raise _fail(path, node, loc, f"formula {text!r}: {exc}") from None


def _check(crit: Criterion, entity: Entity, path: Path, node: yaml.Node | None, loc: list[Any]) -> Check:
    metric = _formula(crit.metric, entity, path, node, [*loc, "metric"])
    rule = crit.rule
    try:
        if isinstance(rule, RuleSpec):
            parsed = comparators.parse_rule(f"{rule.comparator} {rule.threshold}{rule.unit or ''}")
        else:
            parsed = comparators.parse_rule(rule)
    except comparators.RuleError as exc:
        raise _fail(path, node, [*loc, "rule"], str(exc)) from None
    threshold = parsed.threshold
    unit = crit.unit
    if metric.type == "boolean" and not isinstance(threshold, bool):
        raise _fail(path, node, [*loc, "rule"], "a yes/no metric needs a yes/no threshold, e.g. '== 是'")
    if metric.type == "number" and isinstance(threshold, bool):
        raise _fail(path, node, [*loc, "rule"], "a numeric metric needs a numeric threshold")
    if metric.type == "text":
        raise _fail(path, node, [*loc, "metric"], "a metric must be a number or yes/no, not text")
    field_spec = entity.spec.fields.get(metric.text.strip())
    if unit is None and field_spec is not None:
        unit = field_spec.unit  # a bare field's rule is in the field's unit unless the pack says otherwise
    if parsed.unit is not None and not isinstance(threshold, bool):
        if unit is None:
            unit = units.lookup(parsed.unit).symbol  # type: ignore[union-attr]
        factor = units.conversion(parsed.unit, unit)
        if factor is None:
            raise _fail(
                path, node, [*loc, "rule"], f"the threshold's unit {parsed.unit!r} does not convert to {unit!r}"
            )
        threshold = threshold * factor
    if metric.type == "number" and len(metric.fields) == 1 and metric.text.strip() in entity.types:
        field_unit = entity.spec.fields[metric.text.strip()].unit
        if unit is not None and field_unit is not None and units.conversion(field_unit, unit) != 1:
            raise _fail(path, node, [*loc, "unit"], f"unit {unit!r} differs from the field's unit {field_unit!r}")
    title = crit.title or _default_title(crit.metric, entity)
    return Check(metric, title, parsed.comparator, parsed.word, threshold, unit)


def _default_title(metric: str, entity: Entity) -> Localized:
    spec = entity.spec.fields.get(metric.strip())
    return spec.title if spec else Localized(zh=metric, en=metric)


def _compile(
    spec: Indicator, pack_id: str, packset: PackSet, path: Path, node: yaml.Node | None, loc: list[Any]
) -> CompiledIndicator:
    entity = packset.entities.get(spec.entity)
    if entity is None:
        known = ", ".join(sorted(packset.entities)) or "none"
        raise _fail(path, node, [*loc, "entity"], f"unknown entity {spec.entity!r}; known: {known}")
    applies = _formula(spec.applies_if, entity, path, node, [*loc, "applies_if"]) if spec.applies_if else None
    if applies is not None and applies.type != "boolean":
        raise _fail(path, node, [*loc, "applies_if"], "'applies_if' must be a yes/no formula")
    if spec.kind == "aggregate":
        agg = spec.aggregate
        assert agg is not None and spec.rule is not None
        try:
            base = packset.get(agg.of)
        except KeyError:
            raise _fail(
                path, node, [*loc, "aggregate", "of"], f"unknown indicator {agg.of!r} (it must come earlier)"
            ) from None
        if base.spec.entity != spec.entity or base.spec.kind == "aggregate":
            raise _fail(
                path, node, [*loc, "aggregate", "of"], f"{agg.of!r} is not a record-level indicator of {spec.entity!r}"
            )
        if agg.by not in entity.types:
            raise _fail(path, node, [*loc, "aggregate", "by"], f"unknown field {agg.by!r}")
        crit = Criterion(
            metric="0", rule=spec.rule, unit=spec.unit or "%", title=Localized(zh="达标率", en="pass rate")
        )
        return CompiledIndicator(spec, pack_id, "one", (_check(crit, entity, path, node, loc),), applies)
    if spec.metric is not None:
        assert spec.rule is not None
        crit = Criterion(metric=spec.metric, rule=spec.rule, unit=spec.unit, title=spec.metric_title)
        checks: tuple[Check, ...] = (_check(crit, entity, path, node, loc),)
        combine = "one"
    else:
        key = "all_of" if spec.all_of is not None else "any_of"
        crits = spec.all_of if spec.all_of is not None else spec.any_of
        assert crits is not None
        checks = tuple(_check(c, entity, path, node, [*loc, key, n]) for n, c in enumerate(crits))
        combine = "all" if key == "all_of" else "any"
    shortfall = None
    if spec.shortfall is not None:
        shortfall = _formula(
            spec.shortfall.formula,
            entity,
            path,
            node,
            [*loc, "shortfall", "formula"],
            constants={"threshold": "number"},
        )
    return CompiledIndicator(spec, pack_id, combine, checks, applies, shortfall)
