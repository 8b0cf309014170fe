"""``lifeservices indicators list`` and what every authoring command shares: help, --lang, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lifeservices_cli.authoring.listing import listing, rule_text
from lifeservices_cli.packs.loader import load_packs

ROOT = Path(__file__).resolve().parents[2]
FIRST_FIVE = [
    "new-community-facility-area",
    "facility-area-per-100-households",
    "new-compound-elderly-childcare",
    "new-compound-elderly-childcare-rate",
    "fire-acceptance-simplified",
]


def test_table_lists_every_indicator_with_clause_and_rule(cli):
    result = cli("indicators", "list")
    assert result.exit_code == 0, result.output
    out = result.stdout
    packset = load_packs()
    assert f"指标（{len(packset.indicators)}）" in out
    for ind in packset.indicators:
        assert ind.id in out  # ids are never folded
    row = next(line for line in out.splitlines() if "new-community-facility-area" in line)
    for cell in (
        "新建社区综合服务设施面积不低于500平方米",
        "community",
        "standard",
        "二(二)4",
        "新建社区：service_facility_area",
    ):
        assert cell in row, cell


def test_json_lists_the_bundled_ids_in_order(cli):
    result = cli("indicators", "list", "--format", "json", "--lang", "en")
    data = json.loads(result.stdout)
    assert [i["id"] for i in data["indicators"]][:5] == FIRST_FIVE
    first = data["indicators"][0]
    assert first["rule"] == "new community: service_facility_area >= 500 m²"
    assert first["clause"]["ref"] == "二(二)4"
    assert first["checks"] == [
        {
            "metric": "service_facility_area",
            "title": "service facility area",
            "comparator": ">=",
            "word": "不低于",
            "threshold": 500,
            "threshold_formula": None,
            "unit": "m²",
            "rule": ">= 500 m²",
        }
    ]
    fire = data["indicators"][4]
    assert fire["rule"] == "floor_area <= 300 m² or total_investment <= 300000 元"
    rate = data["indicators"][3]
    assert rate["rule"] == "pass rate of new-compound-elderly-childcare by district >= 100 %"
    assert "not_checkable" not in data


def test_all_adds_the_measures_that_cannot_be_checked(cli):
    data = json.loads(cli("indicators", "list", "--all", "-f", "json").stdout)
    packset = load_packs()
    qualitative = [m for m, _ in packset.coverage if m.qualitative is not None]
    assert qualitative, "the bundled pack documents measures that data cannot check"
    assert [m["ref"] for m in data["not_checkable"]] == [m.ref for m in qualitative]
    assert all(m["reason"] for m in data["not_checkable"])
    table = cli("indicators", "list", "--all").stdout
    assert f"方案中有记载但无法用数据核验的措施（{len(qualitative)}）" in table
    assert qualitative[0].qualitative is not None
    assert qualitative[0].qualitative.zh[:12] in table.replace("\n", "")


PACK = """\
id: tiny
title: {zh: 小包, en: tiny pack}
document: 测试文件
entities:
  site:
    title: {zh: 场地, en: site}
    fields:
      area: {type: number, title: {zh: 面积, en: area}, unit: m²}
      ok: {type: boolean, title: {zh: 合格, en: ok}}
indicators:
  - id: both
    title: {zh: 两项, en: both}
    clause: {ref: 一, section: 一、总则, quote: 两项}
    departments: [市民政局]
    entity: site
    kind: standard
    applies_if: area > 0
    all_of:
      - {metric: area, rule: 不低于 500}
      - {metric: ok, rule: == 是}
"""


def test_a_pack_without_coverage(cli, tmp_path):
    (tmp_path / "p.yaml").write_text(PACK, encoding="utf-8")
    result = cli("indicators", "list", "--all", "-i", str(tmp_path / "p.yaml"), "--lang", "en")
    assert result.exit_code == 0
    assert "These packs have no coverage map." in result.stdout
    data = listing(load_packs([tmp_path / "p.yaml"]), "en", everything=True)
    assert data["not_checkable"] == [] and data["coverage_map"] is False
    assert data["indicators"][0]["rule"] == "area > 0: area >= 500 m² and ok == yes"
    ind = load_packs([tmp_path / "p.yaml"]).get("both")
    assert rule_text(ind, "zh") == "area > 0：area 不低于 500 m² 且 ok == 是"


def test_lang_from_the_environment(cli):
    result = cli("indicators", "list", "-f", "json", lang="en")
    assert json.loads(result.stdout)["indicators"][0]["title"] == "New community service facilities of at least 500 m²"


def test_bad_pack_path_is_one_line(cli):
    result = cli("indicators", "list", "-i", "no-such.yaml")
    assert result.exit_code == 2
    assert result.stderr == "lifeservices: error: no-such.yaml: no such pack file or folder\n"


def test_unknown_format_is_one_line(cli):
    result = cli("indicators", "list", "--format", "xml")
    assert result.exit_code == 2
    assert result.stderr == "lifeservices: error: unknown format 'xml'; use one of: table, json\n"


COMMANDS = [
    ["indicators"],
    ["indicators", "list"],
    ["explain"],
    ["lint"],
    ["test"],
    ["template"],
    ["schema"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_help(cli, command, flag):
    result = cli(*command, flag)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: ")
    if command != ["indicators"]:
        assert "--lang" in result.stdout


@pytest.mark.parametrize("command", [["indicators", "list"], ["explain"], ["template"], ["schema"]], ids=" ".join)
def test_commands_that_read_packs_take_indicators(cli, command):
    assert "--indicators" in cli(*command, "--help").stdout


def test_the_main_help_lists_the_commands(cli):
    out = cli("--help").stdout
    for name in ("check", "explain", "lint", "test", "template", "schema", "indicators"):
        assert f"  {name} " in out, name


def test_a_broken_pack_is_one_line_for_every_command(cli, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(PACK.replace("kind: standard", "kind: standerd"), encoding="utf-8")
    for args in (
        ["indicators", "list"],
        ["explain", "both"],
        ["template", "site"],
        ["schema", "site"],
    ):
        result = cli(*args, "-i", str(broken))
        assert result.exit_code == 2, args
        assert result.stderr.startswith(f"lifeservices: error: {broken}:16: indicators.0.kind:"), result.stderr
        assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.output
