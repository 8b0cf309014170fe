"""``lifeservices lint``: every code at its file:line:col, text and JSON output, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import pack_text
from lifeservices_cli.authoring.lint import lint, severity
from lifeservices_cli.packs.codes import CODES

ROOT = Path(__file__).resolve().parents[2]

PACK = pack_text("tiny")

SECOND = """\
  - id: area-max
    title: {zh: 面积不超过900平方米, en: area of at most 900 m²}
    clause: {ref: 二, section: 二、其他, quote: 面积不超过900平方米}
    departments: [市民政局]
    entity: site
    kind: standard
    metric: area
    rule: 不超过 900
"""

COVERAGE = """\
coverage:
  - ref: 一
    title: {zh: 总则, en: general}
    departments: [市民政局]
    indicators: [area-min]
"""


@pytest.fixture
def cli(cli):
    return cli.using(catch_exceptions=False)


def edit(old: str, new: str, text: str = PACK) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def position(text: str, line_fragment: str, token: str) -> tuple[int, int]:
    """1-based line of the only line holding ``line_fragment``, and the column of ``token`` in it."""
    found = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line_fragment in line]
    assert len(found) == 1, (line_fragment, found)
    number, line = found[0]
    return number, line.index(token) + 1


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def lint_text(cli, here: Path, text: str, name: str = "pack.yaml"):
    (here / name).write_text(text, encoding="utf-8")
    return cli("lint", name)


def only_problem(result) -> str:
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    return lines[0]


# --------------------------------------------------------------------------- clean packs


def test_bundled_pack_is_clean(cli):
    result = cli("lint")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "没有问题（1 个指标包）" in result.stderr


def test_bundled_pack_by_path_is_clean_and_its_tests_are_linted_too(cli, here):
    result = cli("lint", str(ROOT / "indicators"), "--lang", "en")
    assert result.exit_code == 0, result.output
    assert result.stderr.strip() == "no problems in 1 pack file(s)"


def test_small_pack_is_clean(cli, here):
    result = lint_text(cli, here, PACK)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


# --------------------------------------------------------------------------- each code at its place


CASES = [
    # (code, old, new, line fragment, token the column points at, message fragment)
    (
        "LS002",
        "    metric: area\n",
        "    metric: area\n    colour: red\n",
        "colour: red",
        "colour",  # an unknown key is pointed at itself, not at its value
        "unknown key 'colour'",
    ),
    (
        "LS003",
        "    clause: {ref: 一, section: 一、总则, quote: 面积不低于500平方米}\n",
        "",
        "- id: area-min",
        "id",
        "clause",
    ),
    ("LS004", "kind: standard", "kind: standerd", "kind: standerd", "standerd", "indicators.0.kind"),
    ("LS011", "entity: site", "entity: sight", "entity: sight", "sight", "unknown entity 'sight'"),
    ("LS020", "metric: area", "metric: 2 * aera", "metric: 2 * aera", "aera", "unknown field 'aera'"),
    ("LS030", "rule: 不低于 500", "rule: about 500", "rule: about", "about", "cannot read rule"),
    ("LS031", "    unit: m²\n", "    unit: 元\n", "unit: 元", "元", "differs from the field's unit"),
    (
        "LS032",
        "metric: area\n    rule: 不低于 500",
        "metric: ok\n    rule: 不低于 5",
        "rule: 不低于 5",
        "不低于",
        "yes/no",
    ),
    ("LS050", "document: 测试文件", "document: 测试文件\nextends: missing.yaml", "extends:", "missing", "no pack file"),
]


@pytest.mark.parametrize(("code", "old", "new", "fragment", "token", "message"), CASES, ids=[c[0] for c in CASES])
def test_loader_codes_at_file_line_column(cli, here, code, old, new, fragment, token, message):
    text = edit(old, new)
    result = lint_text(cli, here, text)
    assert result.exit_code == 1, result.output
    line, column = position(text, fragment, token)
    problem = only_problem(result)
    assert problem.startswith(f"pack.yaml:{line}:{column}: {code} "), problem
    assert message in problem


def test_ls000_unreadable_pack_exits_2(cli, here):
    (here / "pack.yaml").write_bytes(b"\xff\xfe id: x")
    result = cli("lint", "pack.yaml")
    assert result.exit_code == 2
    assert only_problem(result) == "pack.yaml:1:1: LS000 a pack must be UTF-8 text"


def test_missing_path_is_a_usage_error(cli, here):
    result = cli("lint", "nothere.yaml")
    assert result.exit_code == 2
    assert result.stderr.strip() == "lifeservices: error: nothere.yaml: no such pack file or folder"
    assert "Traceback" not in result.output


def test_ls001_yaml_syntax(cli, here):
    text = edit("en: tiny pack}", "en: tiny pack")
    result = lint_text(cli, here, text)
    assert result.exit_code == 1
    problem = only_problem(result)
    assert problem.startswith("pack.yaml:3:1: LS001 invalid YAML"), problem


def test_ls010_duplicate_id(cli, here):
    text = PACK + PACK[PACK.index("  - id: area-min") :]
    result = lint_text(cli, here, text)
    assert result.exit_code == 1
    line = [n for n, t in enumerate(text.splitlines(), 1) if "- id: area-min" in t][1]
    assert only_problem(result) == f"pack.yaml:{line}:9: LS010 indicators.1.id: duplicate indicator id 'area-min'"


def test_ls040_quote_not_in_the_plan_and_ls041_no_plan(cli, here):
    text = edit("document: 测试文件", "document: 测试文件\nsource_text: plan.txt")
    result = lint_text(cli, here, text)
    line, column = position(text, "source_text:", "plan.txt")
    assert only_problem(result).startswith(f"pack.yaml:{line}:{column}: LS041 "), result.stdout
    (here / "plan.txt").write_text("一、总则 面积不低于600平方米。", encoding="utf-8")
    result = cli("lint", "pack.yaml")
    line, column = position(text, "quote: 面积不低于500平方米", "面积不低于500平方米")
    assert only_problem(result) == (
        f"pack.yaml:{line}:{column}: LS040 indicators.0.clause.quote: "
        "the quote of 'area-min' is not found verbatim in plan.txt"
    )
    (here / "plan.txt").write_text("一、总则 面积不低于500平方米。", encoding="utf-8")
    assert cli("lint", "pack.yaml").exit_code == 0


def test_ls060_uncovered_indicator_is_a_warning(cli, here):
    text = PACK + SECOND + COVERAGE
    result = lint_text(cli, here, text)
    line, column = position(text, "- id: area-max", "area-max")
    assert only_problem(result) == (
        f"pack.yaml:{line}:{column}: LS060 indicators.1.id: warning: indicator 'area-max' is not listed by any "
        "coverage measure; add it to the 'indicators' of the measure it checks"
    )
    assert result.exit_code == 0  # a warning alone does not fail ...
    assert cli("lint", "pack.yaml", "--strict").exit_code == 1  # ... unless --strict
    assert "0 个错误，1 个警告" in result.stderr


def test_no_coverage_map_no_ls060(cli, here):
    result = lint_text(cli, here, PACK + SECOND)
    assert result.exit_code == 0
    assert result.stdout == ""


def test_ls061_department_outside_the_measure(cli, here):
    text = edit("departments: [市民政局]\n    entity", "departments: [市民政局, 市财政局]\n    entity") + COVERAGE
    result = lint_text(cli, here, text)
    line, column = position(text, "departments: [市民政局, 市财政局]", "市财政局")
    assert result.exit_code == 1
    assert only_problem(result) == (
        f"pack.yaml:{line}:{column}: LS061 indicators.0.departments.1: department '市财政局' of 'area-min' "
        "is not among the departments of the coverage measure(s) listing it: 市民政局"
    )


def test_ls061_points_at_the_override_that_adds_the_department(cli, here):
    (here / "base.yaml").write_text(PACK + COVERAGE, encoding="utf-8")
    local = """\
id: local
title: {zh: 本地, en: local}
document: 本地文件
extends: base.yaml
overrides:
  - id: area-min
    reference: 本地文件 第1条
    departments: [市民政局, 市住建局]
"""
    result = lint_text(cli, here, local, "local.yaml")
    line, column = position(local, "departments: [市民政局, 市住建局]", "市住建局")
    assert only_problem(result).startswith(f"local.yaml:{line}:{column}: LS061 overrides.0.departments.1: "), (
        result.stdout
    )


TESTS = """\
tests:
  - name: boundary
    entity: site
    records: [{id: A, area: 500}]
    expect:
      - {indicator: area-min, status: pass, value: 500, gap: 0}
"""


def test_ls070_and_ls071_in_the_pack(cli, here):
    text = PACK + edit(
        "      - {indicator: area-min, status: pass, value: 500, gap: 0}\n",
        "      - {indicator: area-mni, status: pass}\n      - {indicator: area-min, record: 3, status: pass}\n",
        TESTS,
    ).replace("entity: site\n    records", "entity: sight\n    records")
    result = lint_text(cli, here, text)
    assert result.exit_code == 1
    entity = position(text, "entity: sight", "sight")
    unknown = position(text, "area-mni", "area-mni")
    record = position(text, "record: 3", "3")
    assert result.stdout.splitlines() == [
        f"pack.yaml:{entity[0]}:{entity[1]}: LS071 tests.0.entity: test 'boundary' names unknown entity 'sight'; "
        "known: site",
        f"pack.yaml:{unknown[0]}:{unknown[1]}: LS070 tests.0.expect.0.indicator: test 'boundary' names unknown "
        "indicator 'area-mni'",
        f"pack.yaml:{record[0]}:{record[1]}: LS071 tests.0.expect.1.record: test 'boundary' has 1 record(s), not 3",
    ]


BESIDE = """\
- name: below
  records:
    - {编号: B, 面积: 480}
  expect:
    - {indicator: area-mni, status: fail}
- name: typo
  records: [{area: 1}]
  expect:
    - {indicator: area-min, statu: fail, status: fail}
"""


def test_tests_file_beside_the_pack_is_linted(cli, here, tiny_pack):
    (here / "pack.tests.yaml").write_text(BESIDE, encoding="utf-8")
    for target in ("pack.yaml", "pack.tests.yaml", "."):  # a tests file or the folder stand for the pack
        result = cli("lint", target)
        assert result.exit_code == 1, result.output
        unknown = position(BESIDE, "area-mni", "area-mni")
        typo = position(BESIDE, "statu:", "fail, status")  # the loader points at the unknown key's value
        assert result.stdout.splitlines() == [
            f"pack.tests.yaml:{unknown[0]}:{unknown[1]}: LS070 0.expect.0.indicator: test 'below' names "
            "unknown indicator 'area-mni'",
            f"pack.tests.yaml:{typo[0]}:{typo[1]}: LS002 1.expect.0.statu: unknown key 'statu'; "
            "allowed keys: indicator, record, group, status, value, gap",
        ], target


def test_tests_file_yaml_error_and_shape(cli, here, tiny_pack):
    (here / "pack.tests.yaml").write_text("- name: [\n", encoding="utf-8")
    result = cli("lint", "pack.yaml")
    assert result.exit_code == 1
    assert only_problem(result).startswith("pack.tests.yaml:2:1: LS001 invalid YAML"), result.stdout
    (here / "pack.tests.yaml").write_text("name: not a list\n", encoding="utf-8")
    result = cli("lint", "pack.yaml")
    assert only_problem(result) == "pack.tests.yaml:1:1: LS004 a tests file is a YAML list of test cases"


def test_a_tests_file_without_its_pack(cli, here):
    (here / "lonely.tests.yaml").write_text(BESIDE, encoding="utf-8")
    result = cli("lint", "lonely.tests.yaml")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "lifeservices: error: lonely.tests.yaml: no pack beside this test file (expected lonely.yaml)"
    )


# --------------------------------------------------------------------------- output


def test_json_output(cli, here):
    text = PACK + SECOND + COVERAGE
    (here / "pack.yaml").write_text(
        edit(
            "kind: standard\n    metric: area\n    rule: 不低于",
            "kind: standerd\n    metric: area\n    rule: 不低于",
            text,
        ),
        encoding="utf-8",
    )
    result = cli("lint", "pack.yaml", "--format", "json")
    assert result.exit_code == 1
    rows = json.loads(result.stdout)
    assert [(r["code"], r["severity"]) for r in rows] == [("LS004", "error")]
    assert set(rows[0]) == {"path", "line", "column", "code", "severity", "message"}
    assert (rows[0]["path"], rows[0]["line"], rows[0]["column"]) == ("pack.yaml", 17, 11)


def test_json_output_warning(cli, here):
    (here / "pack.yaml").write_text(PACK + SECOND + COVERAGE, encoding="utf-8")
    rows = json.loads(cli("lint", "pack.yaml", "-f", "json").stdout)
    assert [(r["code"], r["severity"], r["line"], r["column"]) for r in rows] == [("LS060", "warning", 21, 9)]


def test_problems_are_sorted_by_file_and_line(cli, here):
    text = edit("metric: area", "metric: aera") + SECOND + COVERAGE  # LS020, then LS060, then LS011
    result = lint_text(cli, here, text)
    found = [(int(line.split(":")[1]), line.split()[1]) for line in result.stdout.splitlines()]
    assert found == [(18, "LS020"), (21, "LS060"), (len(text.splitlines()), "LS011")], result.stdout


def test_unknown_format(cli, here, tiny_pack):
    result = cli("lint", "pack.yaml", "--format", "xml")
    assert result.exit_code == 2
    assert result.stderr.strip() == "lifeservices: error: unknown format 'xml'; use one of: text, json"


def test_every_code_is_documented_in_the_reference():
    reference = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    section = reference[reference.index("### Lint codes") :]
    for code, meaning in CODES.items():
        assert f"| `{code}` |" in section, code
        assert meaning
    assert severity("LS060") == "warning" and severity("LS061") == "error"


def test_every_code_the_source_emits_is_registered_and_an_unknown_one_is_a_bug():
    import re

    from lifeservices_cli.packs.compiler import Located
    from lifeservices_cli.packs.packset import Problem

    source = ROOT / "src" / "lifeservices_cli"
    emitted = {c for f in source.rglob("*.py") for c in re.findall(r'"(LS\d{3})"', f.read_text(encoding="utf-8"))}
    assert emitted and emitted <= set(CODES), sorted(emitted - set(CODES))
    with pytest.raises(KeyError, match="LS099 is not a registered problem code"):
        Problem("pack.yaml", 1, 1, "LS099", "made up")
    with pytest.raises(KeyError, match="LS098"):
        Located(["indicators"], "made up", "LS098")


def test_lint_function_directly(here):
    (here / "pack.yaml").write_text(PACK + SECOND + COVERAGE, encoding="utf-8")
    result = lint(["pack.yaml"])
    assert result.files == ["pack.yaml"]
    assert [p.code for p in result.warnings] == ["LS060"] and result.errors == []
    assert (result.exit_code(), result.exit_code(strict=True)) == (0, 1)
