"""``lifeservices test``: pack test cases in the pack and beside it, exact comparisons, exit codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from lifeservices_cli.authoring.packtest import run as run_cases
from lifeservices_cli.packs import loader as packs

ROOT = Path(__file__).resolve().parents[2]

PACK = """\
id: tiny
title: {zh: 小包, en: tiny pack}
document: 测试文件
entities:
  site:
    title: {zh: 场地, en: site}
    fields:
      id: {type: text, title: {zh: 编号, en: code}}
      district: {type: text, title: {zh: 县（市、区）, en: district}}
      area: {type: number, title: {zh: 面积, en: area}, unit: m², minimum: 0}
      households: {type: number, title: {zh: 户数, en: households}, unit: 户, minimum: 0}
      ok: {type: boolean, title: {zh: 合格, en: ok}}
indicators:
  - id: area-min
    title: {zh: 面积不低于500平方米, en: area of at least 500 m²}
    clause: {ref: 一, section: 一、总则, quote: 面积不低于500平方米}
    departments: [市民政局]
    entity: site
    kind: standard
    metric: area
    values:
      "2020-01-01": {rule: 不低于 400, reference: 旧文件}
      "2023-01-01": {rule: 不低于 500, reference: 新文件}
    unit: m²
  - id: per-100
    title: {zh: 每百户面积, en: area per 100 households}
    clause: {ref: 一, section: 一、总则, quote: 每百户30平方米}
    departments: [市民政局]
    entity: site
    kind: standard
    metric: area / households * 100
    rule: 不低于 30
    unit: m²/100户
  - id: is-ok
    title: {zh: 合格, en: ok}
    clause: {ref: 一, section: 一、总则, quote: 合格}
    departments: [市民政局]
    entity: site
    kind: standard
    metric: ok
    rule: == 是
  - id: rate
    title: {zh: 达标率, en: pass rate}
    clause: {ref: 一, section: 一、总则, quote: 达标率100%}
    departments: [市民政局]
    entity: site
    kind: aggregate
    aggregate: {of: area-min, by: district}
    rule: 达到 100
    unit: "%"
tests:
  - name: in the pack
    as_of: "2024-01-01"
    records: [{id: A, area: 500}]
    expect:
      - {indicator: area-min, status: pass, value: 500, gap: 0}
"""

BESIDE = """\
- name: exact thirty
  as_of: "2024-01-01"
  records:
    - {编号: A, 面积: 33.3, 户数: 111}
  expect:
    - {indicator: per-100, status: pass, value: 30, gap: 0}
- name: dated rule
  as_of: "2022-06-01"
  records: [{area: 450}]
  expect:
    - {indicator: area-min, status: pass, value: 450, gap: 50}
- name: set a threshold
  as_of: "2024-01-01"
  set: {area-min.threshold: 600}
  records: [{area: 599}]
  expect:
    - {indicator: area-min, status: fail, value: 599, gap: -1}
- name: yes and no
  records: [{ok: 是}, {ok: 否}]
  expect:
    - {indicator: is-ok, record: 1, status: pass, value: true}
    - {indicator: is-ok, record: 2, status: fail, value: false}
- name: groups
  as_of: "2024-01-01"
  records:
    - {district: 甲, area: 500}
    - {district: 甲, area: 400}
    - {district: 乙, area: 900}
  expect:
    - {indicator: rate, group: 甲, status: fail, value: 50, gap: -50}
    - {indicator: rate, group: 乙, status: pass, value: 100}
"""


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pack.yaml").write_text(PACK, encoding="utf-8")
    return tmp_path


def test_cases_in_and_beside_the_pack_pass(cli, here):
    (here / "pack.tests.yaml").write_text(BESIDE, encoding="utf-8")
    result = cli("test", "pack.yaml")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "PASS in the pack",
        "PASS exact thirty",
        "PASS dated rule",
        "PASS set a threshold",
        "PASS yes and no",
        "PASS groups",
        "6 passed, 0 failed",
    ]


def test_the_tests_file_or_the_folder_stand_for_the_pack(cli, here):
    (here / "pack.tests.yaml").write_text(BESIDE, encoding="utf-8")
    for target in ("pack.tests.yaml", "."):
        result = cli("test", target)
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[-1] == "6 passed, 0 failed"


def test_a_failure_lists_every_mismatch(cli, here):
    wrong = """\
- name: wrong on purpose
  as_of: "2024-01-01"
  records: [{area: 500}, {area: 480}]
  expect:
    - {indicator: area-min, record: 1, status: pass, value: 500, gap: 0}
    - {indicator: area-min, record: 2, status: pass, value: 500, gap: 0}
- name: wrong yes/no and value types
  records: [{ok: 是}, {area: 33.3, households: 111}]
  expect:
    - {indicator: is-ok, record: 1, status: pass, value: 1}
    - {indicator: per-100, record: 2, status: pass, value: 30.000001}
- name: right
  records: [{ok: 否}]
  expect:
    - {indicator: is-ok, status: fail, value: false}
"""
    (here / "pack.tests.yaml").write_text(wrong, encoding="utf-8")
    result = cli("test", "pack.yaml")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "PASS in the pack",
        "FAIL wrong on purpose",
        "  pack.tests.yaml:1",
        "  record 2 / indicator area-min: expected status pass, got fail; value expected 500, got 480; "
        "gap expected 0, got -20",
        "FAIL wrong yes/no and value types",
        "  pack.tests.yaml:7",
        "  record 1 / indicator is-ok: value expected 1, got true",
        "  record 2 / indicator per-100: value expected 30.000001, got 30",
        "PASS right",
        "2 passed, 2 failed",
    ]


def test_values_compare_exactly_not_as_floats(cli, here):
    (here / "pack.tests.yaml").write_text(
        """\
- name: one third
  records: [{area: 10, households: 3}]
  expect:
    - {indicator: per-100, status: pass, value: 333.333333333333}
""",
        encoding="utf-8",
    )
    result = cli("test", "pack.yaml")
    assert result.exit_code == 1
    assert "  record 1 / indicator per-100: value expected 333.333333333333, got 1000/3" in result.stdout


def test_missing_results_are_explained(cli, here):
    (here / "pack.tests.yaml").write_text(
        """\
- name: too early and out of range
  as_of: "2019-01-01"
  records: [{area: 500}]
  expect:
    - {indicator: area-min, status: pass}
    - {indicator: per-100, record: 4, status: pass}
    - {indicator: rate, group: 丙, status: pass}
    - {indicator: nope, status: pass}
""",
        encoding="utf-8",
    )
    result = cli("test", "pack.yaml")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert "  record 1 / indicator area-min: no result (not in force on 2019-01-01)" in lines
    assert "  record 4 / indicator per-100: no result (the case has 1 record(s))" in lines
    assert "  group 丙 / indicator rate: no result for this group (results for: none)" in lines
    assert "  indicator nope: unknown indicator" in lines


def test_a_case_that_cannot_run_fails_with_the_reason(cli, here):
    (here / "pack.tests.yaml").write_text(
        """\
- name: bad setting
  set: {area-min.threshold: lots}
  records: [{area: 1}]
  expect:
    - {indicator: area-min, status: fail}
- name: bad entity
  entity: sight
  records: [{area: 1}]
  expect:
    - {indicator: area-min, status: fail}
""",
        encoding="utf-8",
    )
    result = cli("test", "pack.yaml")
    assert result.exit_code == 1
    assert "  error: --set 'area-min.threshold=lots': 'lots' is not a number in m²" in result.stdout
    assert "  error: <records>: unknown entity 'sight'; known: site" in result.stdout
    assert result.stdout.splitlines()[-1] == "1 passed, 2 failed"


def test_no_cases_is_a_usage_error(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pack.yaml").write_text(PACK[: PACK.index("tests:")], encoding="utf-8")
    result = cli("test", "pack.yaml")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "lifeservices: error: no test cases in pack.yaml: add 'tests:' to the pack or a <pack>.tests.yaml beside it"
    )


def test_a_broken_tests_file_is_a_usage_error(cli, here):
    (here / "pack.tests.yaml").write_text("- name: x\n  records: [{area: 1}]\n  expect: [{indicator: area-min}]\n")
    result = cli("test", "pack.yaml")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "lifeservices: error: pack.tests.yaml:3: LS003 0.expect.0.status: this key is required"
    )


def test_a_broken_pack_is_a_usage_error(cli, here):
    (here / "pack.yaml").write_text(PACK.replace("kind: standard", "kind: standerd", 1), encoding="utf-8")
    result = cli("test", "pack.yaml")
    assert result.exit_code == 2
    assert result.stderr.startswith("lifeservices: error: pack.yaml:19: indicators.0.kind:")
    assert "Traceback" not in result.output


def test_without_a_path_the_bundled_pack_is_tested(cli, tmp_path, monkeypatch):
    """The default is the bundled pack and the tests file beside it (here: a stand-in for both)."""
    folder = tmp_path / "bundled"
    folder.mkdir()
    (folder / "stand-in.yaml").write_text(PACK, encoding="utf-8")
    (folder / "stand-in.tests.yaml").write_text(BESIDE.replace("status: pass, value: 30", "status: fail"))
    monkeypatch.setattr(packs, "bundled_path", lambda: folder / "stand-in.yaml")
    result = cli("test")
    assert result.exit_code == 1
    assert "FAIL exact thirty\n  (bundled) stand-in.tests.yaml:1\n" in result.stdout
    assert str(tmp_path) not in result.output  # no machine path
    assert result.stdout.splitlines()[-1] == "5 passed, 1 failed"


def test_the_bundled_cases_pass(cli):
    result = cli("test")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    summary = re.fullmatch(r"(\d+) passed, 0 failed", lines[-1])
    assert summary and int(summary.group(1)) == len(lines) - 1 > 0
    assert all(line.startswith("PASS ") for line in lines[:-1])


def test_the_pack_authoring_example_case_runs(tmp_path):
    guide = (ROOT / "docs" / "pack-authoring.md").read_text(encoding="utf-8")
    section = guide[guide.index("## Tests") :]
    block = section[section.index("```yaml\n") + 8 : section.index("```", section.index("```yaml\n") + 8)]
    (tmp_path / "readme.tests.yaml").write_text(block, encoding="utf-8")
    (tmp_path / "readme.yaml").write_text(
        "id: readme\ntitle: {zh: 示例, en: example}\ndocument: 示例\nextends: bundled:baicheng-2022-323\n",
        encoding="utf-8",
    )
    cases = yaml.safe_load(block)
    results = run_cases([tmp_path / "readme.yaml"], "en")
    assert [r.case.test.name for r in results] == [c["name"] for c in cases]
    assert all(r.passed for r in results), [r.mismatches for r in results]
