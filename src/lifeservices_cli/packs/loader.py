"""Loading indicator packs: YAML → pydantic models → compiled indicators (``compiler.py``).

A pack may ``extends`` another (a path relative to it, or ``bundled:ID``) and ``overrides``
that pack's indicators; every effective value remembers where it came from. Problems carry
the file, line, column, a code and the key path. ``load_packs`` stops a run at the first one
(as ``PackError``); ``lint`` collects them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pydantic
import yaml

from lifeservices_cli.errors import UsageError
from lifeservices_cli.packs import yamlio
from lifeservices_cli.packs.compiler import (
    Entity,
    Located,
    Scope,
    compile_entity,
    compile_indicator,
    parameter_versions,
)
from lifeservices_cli.packs.models import Indicator, Pack
from lifeservices_cli.packs.packset import PackError, PackSet, ParameterInfo, Problem
from lifeservices_cli.packs.problems import loc_text, pydantic_problems

BUNDLED = "baicheng-2022-323.yaml"
BUNDLED_PREFIX = "bundled:"

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
            inside = [p for p in inside if not p.name.endswith((".tests.yaml", ".tests.yml"))]
            if not inside:
                raise UsageError("no .yaml pack files in this folder", path)
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        elif path.exists():  # a device or a FIFO (perhaps through a symlink): never ends, or blocks
            raise UsageError("not a regular file", path)
        else:
            raise UsageError("no such pack file or folder", path)
    return found


def load_packs(paths: Sequence[str | Path] | None = None, *, collect: bool = False) -> PackSet:
    """Load and compile the packs at ``paths`` (the bundled pack when None or empty).

    Raises ``PackError`` on the first problem, or with ``collect`` returns the pack set with
    every problem found in ``problems``.
    """
    files = pack_files(paths) if paths else [bundled_path()]
    loader = _Loader(collect)
    loader.shown[bundled_path().resolve()] = f"(bundled) {bundled_path().name}"  # never a machine path
    for path in files:
        loader.shown.setdefault(path.resolve(), str(path))  # name top-level packs as the user did
        loader.load(path.resolve(), [])
    return loader.packset


class _Stop(Exception):
    """Raised after a problem when problems are not being collected."""


class _Loader:
    def __init__(self, collect: bool):
        self.collect = collect
        self.packset = PackSet()
        self.loaded: dict[Path, str] = {}  # resolved file -> pack id
        self.shown: dict[Path, str] = {}  # resolved file -> as the user named it

    # ----------------------------------------------------------------- problems

    def problem(
        self,
        path: Path,
        node: yaml.Node | None,
        loc: list[Any],
        code: str,
        message: str,
        column: int | None = None,
    ) -> None:
        line, col = yamlio.position_of(node, loc, column)
        text = f"{loc_text(loc)}: {message}" if loc else message
        found = Problem(self.name(path), line or 1, col, code, text)
        self.packset.problems.append(found)
        if not self.collect:
            raise PackError([found])

    def located(self, path: Path, node: yaml.Node | None, exc: Located, prefix: list[Any] | None = None) -> None:
        if prefix is None:
            self.problem(path, node, exc.loc, exc.code, exc.message, exc.column)
        else:
            self.problem(path, node, prefix, exc.code, f"{loc_text(exc.loc)}: {exc.message}")

    def name(self, path: Path) -> str:
        return self.shown.get(path) or _shown(path)

    # ----------------------------------------------------------------- files

    def load(self, path: Path, stack: list[Path]) -> None:
        if path in self.loaded:
            return
        read = self.read(path)
        if read is None:
            return
        pack, node = read
        if pack.extends:
            base = _resolve_extends(pack.extends, path)
            if base in stack or base == path:
                self.problem(path, node, ["extends"], "LS050", f"extends: {pack.extends!r} makes a loop")
            elif not base.is_file():
                self.problem(path, node, ["extends"], "LS050", f"extends: no pack file {pack.extends!r}")
            else:
                self.load(base, [*stack, path])
        self.merge(pack, node, path)

    def read(self, path: Path) -> tuple[Pack, yaml.Node | None] | None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.problem(path, None, [], "LS000", "a pack must be UTF-8 text")
            return None
        except OSError as exc:
            if not self.collect:
                raise UsageError(f"cannot read pack: {exc.strerror or exc}", self.name(path)) from None
            self.problem(path, None, [], "LS000", f"cannot read pack: {exc.strerror or exc}")
            return None
        try:
            data, node = yamlio.load(text)
        except yamlio.YamlError as exc:
            self.packset.problems.append(Problem(self.name(path), exc.line, None, "LS001", exc.message))
            if not self.collect:
                raise PackError(self.packset.problems[-1:]) from None
            return None
        if not isinstance(data, dict):
            self.problem(
                path, node, [], "LS004", "a pack must be a YAML mapping with id, title, document, entities, indicators"
            )
            return None
        try:
            return Pack.model_validate(data), node
        except pydantic.ValidationError as exc:
            found = []
            for loc, code, message in pydantic_problems(exc, data):
                line, col = yamlio.position_of(node, loc, at_key=code == "LS002")
                found.append(Problem(self.name(path), line or 1, col, code, f"{loc_text(loc)}: {message}"))
            self.packset.problems.extend(found)
            if not self.collect:
                raise PackError(found) from None
            return None

    # ----------------------------------------------------------------- merging

    def merge(self, pack: Pack, node: yaml.Node | None, path: Path) -> None:
        ps = self.packset
        for known, known_path in ps.packs:
            if known.id == pack.id:
                self.problem(path, node, ["id"], "LS010", f"pack id {pack.id!r} is already loaded from {known_path}")
                return
        ps.packs.append((pack, self.name(path)))
        self.loaded[path] = pack.id
        for name, spec in pack.entities.items():
            if name in ps.entities:
                self.problem(
                    path, node, ["entities", name], "LS010", f"entity {name!r} is already defined by another pack"
                )
                continue
            try:
                ps.entities[name] = compile_entity(name, spec)
            except Located as exc:
                self.located(path, node, exc)
        for name, param in pack.parameters.items():
            try:
                ps.parameters[name] = ParameterInfo(
                    param, pack.id, parameter_versions(name, param, ["parameters", name])
                )
            except Located as exc:
                self.located(path, node, exc)
        for index, override in enumerate(pack.overrides):
            self.override(pack, node, path, index, override)
        for index, indicator in enumerate(pack.indicators):
            self.indicator(pack, node, path, ["indicators", index], indicator)
        ids = {i.id for i in ps.indicators}
        for index, measure in enumerate(pack.coverage):
            for n, ref in enumerate(measure.indicators):
                if ref not in ids:
                    self.problem(
                        path, node, ["coverage", index, "indicators", n], "LS011", f"unknown indicator {ref!r}"
                    )
            ps.coverage.append((measure, pack.id))
        for index, case in enumerate(pack.tests):
            ps.tests.append((case, self.name(path), yamlio.line_of(node, ["tests", index])))
        if self.collect and pack.source_text:
            self.check_quotes(pack, node, path)

    def scope(self, entity: Entity) -> Scope:
        return Scope(entity, self.packset.constant_types())

    def indicator(self, pack: Pack, node: yaml.Node | None, path: Path, loc: list[Any], spec: Indicator) -> None:
        ps = self.packset
        if any(i.id == spec.id for i in ps.indicators):
            self.problem(path, node, [*loc, "id"], "LS010", f"duplicate indicator id {spec.id!r}")
            return
        entity = ps.entities.get(spec.entity)
        if entity is None:
            known = ", ".join(sorted(ps.entities)) or "none"
            self.problem(path, node, [*loc, "entity"], "LS011", f"unknown entity {spec.entity!r}; known: {known}")
            return
        origin = {"pack": f"{pack.id} ({self.name(path)})"}
        try:
            ps.indicators.append(
                compile_indicator(spec, pack.id, self.scope(entity), {i.id: i for i in ps.indicators}, loc, origin)
            )
        except Located as exc:
            self.located(path, node, exc)

    def override(self, pack: Pack, node: yaml.Node | None, path: Path, index: int, override: Any) -> None:
        ps = self.packset
        loc: list[Any] = ["overrides", index]
        try:
            position, base = next((n, i) for n, i in enumerate(ps.indicators) if i.id == override.id)
        except StopIteration:
            self.problem(
                path,
                node,
                [*loc, "id"],
                "LS011",
                f"overrides: unknown indicator {override.id!r}; a pack can only override what it extends",
            )
            return
        changes = override.model_dump(exclude_none=True, exclude={"id", "reference"})
        data = base.spec.model_dump(exclude_none=True)
        if "values" in changes:
            data.pop("rule", None)
        if "rule" in changes:
            data.pop("values", None)
        data.update(changes)
        where = f"{pack.id} ({self.name(path)}): {override.reference}"
        origin = {**base.origin, **dict.fromkeys(changes, where)}
        try:
            spec = Indicator.model_validate(data)
        except pydantic.ValidationError as exc:
            for msg_loc, code, message in pydantic_problems(exc, data):
                self.problem(path, node, loc, code, f"({override.id}) {loc_text(msg_loc)}: {message}")
            return
        try:
            compiled = compile_indicator(
                spec,
                base.pack_id,
                self.scope(ps.entities[spec.entity]),
                {i.id: i for i in ps.indicators[:position]},
                loc,
                origin,
            )
        except Located as exc:
            self.located(path, node, exc, prefix=loc)
            return
        ps.indicators[position] = compiled

    def check_quotes(self, pack: Pack, node: yaml.Node | None, path: Path) -> None:
        source = path.parent / (pack.source_text or "")
        try:
            if not source.is_file():  # a device or a FIFO would never end, or block
                raise OSError(f"not a regular file: {source}")
            text = source.read_text(encoding="utf-8")
        except OSError:
            self.problem(path, node, ["source_text"], "LS041", f"cannot read the plan's text {pack.source_text!r}")
            return
        for index, spec in enumerate(pack.indicators):
            if spec.clause.quote not in text:
                self.problem(
                    path,
                    node,
                    ["indicators", index, "clause", "quote"],
                    "LS040",
                    f"the quote of {spec.id!r} is not found verbatim in {pack.source_text}",
                )


def _resolve_extends(target: str, path: Path) -> Path:
    if target.startswith(BUNDLED_PREFIX):
        return (bundled_path().parent / f"{target.removeprefix(BUNDLED_PREFIX)}.yaml").resolve()
    return (path.parent / target).resolve()


def _shown(path: Path) -> str:
    """A path as the user would write it: relative to the working folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        bundled = bundled_path().parent.resolve()
        if path.is_relative_to(bundled):
            return f"(bundled) {path.relative_to(bundled)}"
        return str(path)
