"""``lifeservices test``: a pack's own test cases, records in and expected results out (as
OpenFisca's YAML tests).

Cases come from a pack's ``tests:`` key and from ``<pack stem>.tests.yaml`` beside it (a YAML
list of the same mappings). Each case is checked by the real pipeline with its own ``as_of``,
and, when it has ``set``, on a freshly loaded pack set with those settings applied. Values are
compared exactly: the expected value is read as a decimal (``Fraction(str(expected))``), yes/no
as yes/no, dates as dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pydantic

from lifeservices_cli.errors import UsageError
from lifeservices_cli.i18n import Lang
from lifeservices_cli.packs import loader as packs
from lifeservices_cli.packs import yamlio
from lifeservices_cli.packs.models import Expectation, PackTest
from lifeservices_cli.packs.packset import PackSet, Problem
from lifeservices_cli.packs.problems import loc_text, pydantic_problems
from lifeservices_cli.semantics.dates import parse_date

from .common import exact_text, shown, top_level_files, unshown

SUFFIXES = (".tests.yaml", ".tests.yml")


class _TestsFile(pydantic.BaseModel):
    """A tests file's cases, under the key a pack uses for them (so messages name pack keys)."""

    tests: list[PackTest]


@dataclass
class Case:
    test: PackTest
    file: str  # as shown
    line: int | None
    node: Any = None  # the case's YAML node, for lint positions
    loc: list[Any] = field(default_factory=list)  # key path of the case inside its file


@dataclass
class CaseResult:
    case: Case
    mismatches: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.mismatches

    @property
    def where(self) -> str:
        return f"{self.case.file}:{self.case.line or 1}"


# --------------------------------------------------------------------------- finding cases


def is_tests_file(path: Path) -> bool:
    return path.name.endswith(SUFFIXES)


def beside(pack: Path) -> Path | None:
    """``<stem>.tests.yaml`` (or ``.tests.yml``) next to a pack, if there is one."""
    for suffix in SUFFIXES:
        candidate = pack.with_name(pack.stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def pack_of_tests(path: Path) -> Path:
    """The pack a ``<stem>.tests.yaml`` belongs to: ``<stem>.yaml`` or ``<stem>.yml`` beside it."""
    stem = next(path.name[: -len(s)] for s in SUFFIXES if path.name.endswith(s))
    for suffix in (".yaml", ".yml"):
        candidate = path.with_name(stem + suffix)
        if candidate.is_file():
            return candidate
    raise UsageError(f"no pack beside this test file (expected {stem}.yaml)", path)


def pack_paths(paths: Sequence[str | Path] | None) -> list[Path] | None:
    """The packs named by ``paths``, where a tests file stands for the pack beside it."""
    if not paths:
        return None
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        out.append(pack_of_tests(path) if path.is_file() and is_tests_file(path) else path)
    return list(dict.fromkeys(out))


def read_tests_file(path: Path) -> tuple[list[Case], list[Problem]]:
    """The cases of a tests file, and every problem found reading it."""
    name = shown(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = "a tests file must be UTF-8 text" if isinstance(exc, UnicodeDecodeError) else str(exc.strerror)
        return [], [Problem(name, 1, 1, "LS000", f"cannot read tests: {reason}")]
    try:
        data, node = yamlio.load(text)
    except yamlio.YamlError as exc:
        return [], [Problem(name, exc.line or 1, None, "LS001", exc.message)]
    if data is None:
        return [], []
    if not isinstance(data, list):
        return [], [Problem(name, 1, 1, "LS004", "a tests file is a YAML list of test cases")]
    cases: list[Case] = []
    problems: list[Problem] = []
    for index, item in enumerate(data):
        try:
            (test,) = _TestsFile.model_validate({"tests": [item]}).tests
        except pydantic.ValidationError as exc:
            for loc, code, message in pydantic_problems(exc, {"tests": [item]}):
                inner = [index, *loc[2:]]
                line, col = yamlio.position_of(node, inner)
                problems.append(Problem(name, line or 1, col, code, f"{loc_text(inner)}: {message}"))
            continue
        child = node.value[index] if node is not None else None
        cases.append(Case(test, name, child.start_mark.line + 1 if child is not None else None, node, [index]))
    return cases, problems


def collect(packset: PackSet, files: Sequence[Path]) -> tuple[list[Case], list[Problem]]:
    """The cases of the top-level pack files: their ``tests:`` and the tests files beside them."""
    wanted = {f.resolve() for f in files}
    cases: list[Case] = []
    counts: dict[str, int] = {}
    for test, name, line in packset.tests:
        index = counts[name] = counts.get(name, -1) + 1
        if unshown(name).resolve() in wanted:
            cases.append(Case(test, shown(unshown(name)), line, loc=["tests", index]))
    problems: list[Problem] = []
    for pack in files:
        found = beside(pack)
        if found is not None:
            more, trouble = read_tests_file(found)
            cases += more
            problems += trouble
    return cases, problems


# --------------------------------------------------------------------------- running cases


def _number(raw: object) -> Fraction | None:
    try:
        return Fraction(str(raw))
    except (ValueError, ZeroDivisionError):
        return None


def _show(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        return exact_text(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _same(expected: object, got: object) -> bool:
    if isinstance(expected, bool) or isinstance(got, bool):
        return isinstance(expected, bool) and isinstance(got, bool) and expected == got
    if isinstance(got, date):
        return parse_date(str(expected)) == got
    if isinstance(got, Fraction):
        return _number(expected) == got
    return False


def _compare(exp: Expectation, status: str, value: object, gap: object) -> list[str]:
    parts = []
    if status != exp.status:
        parts.append(f"expected status {exp.status}, got {status}")
    if exp.value is not None and not _same(exp.value, value):
        parts.append(f"value expected {_show(exp.value)}, got {_show(value)}")
    if exp.gap is not None and not _same(exp.gap, gap):
        parts.append(f"gap expected {_show(exp.gap)}, got {_show(gap)}")
    return parts


def _packset_for(case: PackTest, shared: PackSet, paths: Sequence[Path] | None) -> PackSet:
    if not case.set:
        return shared
    fresh = packs.load_packs(paths)
    fresh.apply_settings([f"{target}={value}" for target, value in case.set.items()])
    return fresh


def run_case(case: Case, shared: PackSet, paths: Sequence[Path] | None, lang: Lang) -> CaseResult:
    """Check the case's records and compare every expectation."""
    from lifeservices_cli.pipeline import check_records

    out = CaseResult(case)
    test = case.test
    as_of = parse_date(test.as_of) if test.as_of else None
    try:
        packset = _packset_for(test, shared, paths)
        report = check_records(test.records, entity=test.entity, packset=packset, lang=lang, as_of=as_of)
    except UsageError as exc:
        out.mismatches.append(f"error: {exc}")
        return out
    known = {i.id: i for i in packset.indicators}
    for exp in test.expect:
        ind = known.get(exp.indicator)
        if ind is None:
            out.mismatches.append(f"indicator {exp.indicator}: unknown indicator")
            continue
        if ind.spec.kind == "aggregate" or exp.group is not None:
            found = [a for a in report.aggregates if a.indicator == exp.indicator]
            if exp.group is not None or len(found) != 1:
                found = [a for a in found if a.group == exp.group]
            head = f"group {exp.group or '(blank)'} / indicator {exp.indicator}"
            if not found:
                groups = ", ".join(sorted(str(a.group) for a in report.aggregates if a.indicator == exp.indicator))
                out.mismatches.append(f"{head}: no result for this group (results for: {groups or 'none'})")
                continue
            agg = found[0]
            parts = _compare(exp, agg.status, agg.value, agg.gap)
        else:
            head = f"record {exp.record} / indicator {exp.indicator}"
            found_r = [r for r in report.results if r.indicator == exp.indicator and r.line == exp.record]
            if not found_r:
                out.mismatches.append(f"{head}: no result ({_why_none(exp, ind, test, report)})")
                continue
            result = found_r[0]
            parts = _compare(exp, result.status, result.value, result.gap)
        if parts:
            out.mismatches.append(f"{head}: {'; '.join(parts)}")
    return out


def _why_none(exp: Expectation, ind: Any, test: PackTest, report: Any) -> str:
    if exp.record > len(test.records):
        return f"the case has {len(test.records)} record(s)"
    if ind.id in report.not_in_force:
        return f"not in force on {report.as_of.isoformat()}"
    entity = report.inputs[0].entity if report.inputs else "?"
    if ind.spec.entity != entity:
        return f"the indicator is for {ind.spec.entity!r}, the records were read as {entity!r}"
    return "not checked"


def run(paths: Sequence[str | Path] | None, lang: Lang = "zh") -> list[CaseResult]:
    """Run every case of the packs at ``paths`` (the bundled pack when none).

    Raises ``UsageError`` when the packs or a tests file cannot be used, or there are no cases.
    """
    chosen = pack_paths(paths)
    files = top_level_files(chosen)
    packset = packs.load_packs(chosen)
    cases, problems = collect(packset, files)
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more; run 'lifeservices lint')" if len(problems) > 1 else ""
        raise UsageError(f"{first.code} {first.message}{more}", first.path, first.line)
    if not cases:
        names = ", ".join(shown(f) for f in files)
        raise UsageError(f"no test cases in {names}: add 'tests:' to the pack or a <pack>.tests.yaml beside it")
    return [run_case(case, packset, chosen, lang) for case in cases]
