"""``lifeservices lint``: every problem of a pack, without data.

The loader's problems (YAML syntax, unknown and missing keys, duplicate ids, formulas naming
unknown fields, comparator, unit and type mismatches, quotes not in the plan's text, extends
loops) plus the checks below, which look at the pack as a whole:

- LS060 (warning) an indicator no coverage measure lists, when the pack has a coverage map;
- LS061 an indicator's department that none of the measures covering it names;
- LS070 a test naming an unknown indicator;
- LS071 a test naming an unknown entity, or a record the test does not have.

Tests files beside a pack (``<stem>.tests.yaml``) are read and checked too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lifeservices_cli.packs import loader as packs
from lifeservices_cli.packs import yamlio
from lifeservices_cli.packs.codes import UNREADABLE, WARNINGS
from lifeservices_cli.packs.models import Pack, PackTest
from lifeservices_cli.packs.packset import PackSet, Problem

from .common import shown, top_level_files, unshown
from .packtest import Case, collect, pack_paths


def severity(code: str) -> str:
    return "warning" if code in WARNINGS else "error"


@dataclass
class LintResult:
    files: list[str]  # the pack files linted, as shown
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.code not in WARNINGS]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.code in WARNINGS]

    def exit_code(self, strict: bool = False) -> int:
        """2 when a file cannot be read, 1 when any error (or, with ``strict``, warning), else 0."""
        if any(p.code in UNREADABLE for p in self.problems):
            return 2
        return 1 if (self.errors or (strict and self.problems)) else 0


class _Nodes:
    """The YAML node tree of each pack file, read again for the positions of whole-pack checks."""

    def __init__(self) -> None:
        self._cache: dict[str, yaml.Node | None] = {}

    def __call__(self, name: str) -> yaml.Node | None:
        if name not in self._cache:
            try:
                _, node = yamlio.load(unshown(name).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, yamlio.YamlError):
                node = None
            self._cache[name] = node
        return self._cache[name]


def _at(name: str, node: yaml.Node | None, loc: list[Any], code: str, message: str) -> Problem:
    line, column = yamlio.position_of(node, loc)
    return Problem(name, line or 1, column, code, message)


def lint(paths: Sequence[str | Path] | None) -> LintResult:
    """Lint the packs at ``paths`` (files or folders; a tests file stands for its pack)."""
    chosen = pack_paths(paths)
    files = top_level_files(chosen)
    packset = packs.load_packs(chosen, collect=True)
    result = LintResult([shown(f) for f in files], [_hide(p) for p in packset.problems])
    wanted = {f.resolve() for f in files}
    tops = [(pack, name) for pack, name in packset.packs if unshown(name).resolve() in wanted]
    nodes = _Nodes()
    result.problems += _coverage(packset, tops, nodes)
    cases, trouble = collect(packset, files)
    result.problems += [_hide(p) for p in trouble]
    result.problems += _tests(packset, cases, nodes)
    order = {name: n for n, name in enumerate(dict.fromkeys(p.path for p in result.problems))}
    result.problems.sort(key=lambda p: (order[p.path], p.line or 1, p.column or 1))
    return result


def _hide(problem: Problem) -> Problem:
    return Problem(shown(problem.path), problem.line, problem.column, problem.code, problem.message)


# --------------------------------------------------------------------------- coverage


def _coverage(packset: PackSet, tops: list[tuple[Pack, str]], nodes: _Nodes) -> list[Problem]:
    found: list[Problem] = []
    listed: dict[str, list[str]] = {}  # indicator -> departments of the measures listing it
    covering: dict[str, int] = {}  # indicator -> how many measures list it
    for measure, _ in packset.coverage:
        for ref in measure.indicators:
            covering[ref] = covering.get(ref, 0) + 1
            if measure.departments:
                listed.setdefault(ref, []).extend(measure.departments)
    for pack, name in tops:
        if not pack.coverage:
            continue
        for index, spec in enumerate(pack.indicators):
            if spec.id not in covering:
                found.append(
                    _at(
                        name,
                        nodes(name),
                        ["indicators", index, "id"],
                        "LS060",
                        f"indicators.{index}.id: warning: indicator {spec.id!r} is not listed by any coverage "
                        "measure; add it to the 'indicators' of the measure it checks",
                    )
                )
    for ind in packset.indicators:
        allowed = listed.get(ind.id)
        if not allowed:
            continue
        for department in ind.spec.departments:
            if department in allowed:
                continue
            where = _department_at(ind.id, department, tops)
            if where is None:
                continue
            name, loc = where
            found.append(
                _at(
                    name,
                    nodes(name),
                    loc,
                    "LS061",
                    f"{'.'.join(map(str, loc))}: department {department!r} of {ind.id!r} is not among the departments "
                    f"of the coverage measure(s) listing it: {', '.join(dict.fromkeys(allowed))}",
                )
            )
    return found


def _department_at(indicator: str, department: str, tops: list[tuple[Pack, str]]) -> tuple[str, list[Any]] | None:
    """Where a top-level pack writes the department (an override, else the indicator), else the
    coverage entry of a top-level pack that lists the indicator."""
    for pack, name in tops:
        for index, override in enumerate(pack.overrides):
            if override.id == indicator and override.departments and department in override.departments:
                return name, ["overrides", index, "departments", override.departments.index(department)]
    for pack, name in tops:
        for index, spec in enumerate(pack.indicators):
            if spec.id == indicator and department in spec.departments:
                return name, ["indicators", index, "departments", spec.departments.index(department)]
    for pack, name in tops:
        for index, measure in enumerate(pack.coverage):
            if indicator in measure.indicators:
                return name, ["coverage", index, "indicators", measure.indicators.index(indicator)]
    return None


# --------------------------------------------------------------------------- tests


def _tests(packset: PackSet, cases: list[Case], nodes: _Nodes) -> list[Problem]:
    found: list[Problem] = []
    known = {i.id for i in packset.indicators}
    for case in cases:
        node = case.node if case.node is not None else nodes(case.file)
        found += _case_problems(case.test, case.file, node, case.loc, known, packset)
    return found


def _case_problems(
    test: PackTest, file: str, node: yaml.Node | None, loc: list[Any], known: set[str], packset: PackSet
) -> list[Problem]:
    found = []
    prefix = ".".join(map(str, loc))
    if test.entity is not None and test.entity not in packset.entities:
        where = [*loc, "entity"]
        message = f"{prefix}.entity: test {test.name!r} names unknown entity {test.entity!r}; known: " + ", ".join(
            sorted(packset.entities)
        )
        found.append(_at(file, node, where, "LS071", message))
    for number, exp in enumerate(test.expect):
        where = [*loc, "expect", number]
        key = f"{prefix}.expect.{number}"
        if exp.indicator not in known:
            found.append(
                _at(
                    file,
                    node,
                    [*where, "indicator"],
                    "LS070",
                    f"{key}.indicator: test {test.name!r} names unknown indicator {exp.indicator!r}",
                )
            )
        if exp.record > len(test.records):
            found.append(
                _at(
                    file,
                    node,
                    [*where, "record"],
                    "LS071",
                    f"{key}.record: test {test.name!r} has {len(test.records)} record(s), not {exp.record}",
                )
            )
    return found
