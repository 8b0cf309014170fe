"""``lifeservices explain``: clause, rule, formula, fields, departments, dates, origin and a worked
example that the real pipeline checked."""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from lifeservices_cli.authoring.example import worked_example
from lifeservices_cli.authoring.explain import explain
from lifeservices_cli.packs.loader import load_packs
from lifeservices_cli.pipeline import check_records

ROOT = Path(__file__).resolve().parents[2]
DAY = "2024-06-01"


def explained(cli, *args: str) -> dict:
    result = cli("explain", *args, "--format", "json", "--as-of", DAY)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def packset():
    return load_packs()


def test_json_for_a_ratio_indicator(cli):
    d = explained(cli, "facility-area-per-100-households")
    assert d["clause"]["ref"] == "二(二)4"
    assert "每百户城市社区居民拥有服务设施面积不低于30平方米" in d["clause"]["quote"]
    assert d["rule_words"] == "城市社区：service_facility_area / households * 100 不低于 30 m²/100户"
    assert d["rule_symbols"] == "城市社区：service_facility_area / households * 100 >= 30 m²/100户"
    assert d["applies_if"] == {"formula": "is_urban", "title": "城市社区"}
    assert [c["metric"] for c in d["checks"]] == ["service_facility_area / households * 100"]
    assert d["shortfall"]["formula"] == "threshold * households / 100 - service_facility_area"
    assert [f["field"] for f in d["fields"]] == ["is_urban", "households", "service_facility_area"]
    households = d["fields"][1]
    assert households["header"] == "户数（户）"
    assert {"户数", "households", "居民户数", "总户数"} <= set(households["aliases"])
    assert "市民政局" in d["departments"]
    assert d["as_of"] == DAY and d["in_force"] is True
    assert d["origin"] == {"pack": "baicheng-2022-323 ((bundled) baicheng-2022-323.yaml)"}  # no machine path


def test_the_worked_example_sits_on_the_boundary_and_just_past_it(cli):
    example = explained(cli, "facility-area-per-100-households")["example"]
    records = example["records"]
    assert [r["cells"] for r in records] == [
        {"id": "EX-1", "is_urban": "是", "households": "100", "service_facility_area": "30"},
        {"id": "EX-2", "is_urban": "是", "households": "100", "service_facility_area": "29"},
    ]
    assert [(r["results"]["status"], r["results"]["value"], r["results"]["gap"]) for r in records] == [
        ("pass", 30, 0),
        ("fail", 29, -1),
    ]
    assert records[1]["results"]["shortfall"] == 1


def test_worked_examples_of_every_bundled_indicator_show_both_outcomes(packset):
    """Each bundled indicator gets an example that passes (is eligible) and one that does not."""
    wanted = {"standard": ("pass", "fail"), "eligibility": ("eligible", "not_eligible"), "aggregate": ("pass", "fail")}
    for ind in packset.indicators:
        example = worked_example(packset, ind, date(2024, 6, 1), "en")
        statuses = [r.results.get("status") for r in example.records]
        if ind.spec.kind == "aggregate":
            statuses = [a["status"] for a in example.aggregates]
        assert set(wanted[ind.spec.kind]) <= set(statuses), (ind.id, statuses)


def test_example_records_are_what_check_would_say(packset):
    ind = packset.get("fire-acceptance-simplified")
    example = worked_example(packset, ind, date(2024, 6, 1), "zh")
    again = check_records([r.cells for r in example.records], entity="facility", packset=packset, lang="zh")
    assert [(r.status, r.value) for r in again.results] == [
        (r.results["status"], Fraction(r.results["value"])) for r in example.records
    ]
    # 以下 includes the number: 300 m² is eligible, 301 m² is not
    assert [r.cells["floor_area"] for r in example.records] == ["300", "301"]


def test_dates_are_found_day_by_day(packset):
    ind = packset.get("graduate-small-firm-social-insurance-subsidy")
    example = worked_example(packset, ind, date(2024, 6, 1), "en")
    got = [(r.cells["graduation_date"], r.results["status"]) for r in example.records]
    assert got == [("2022-06-01", "eligible"), ("2022-05-31", "not_eligible")]


def test_aggregate_example_has_two_groups(cli):
    d = explained(cli, "new-compound-elderly-childcare-rate", "--lang", "en")
    example = d["example"]
    assert example["by"] == "district"
    assert [r["cells"]["district"] for r in example["records"]] == ["District A", "District A", "District B"]
    assert [(a["group"], a["status"], a["value"], a["gap"]) for a in example["aggregates"]] == [
        ("District A", "fail", 50, -50),
        ("District B", "pass", 100, 0),
    ]


def test_table_output_in_english(cli):
    result = cli("explain", "fire-acceptance-simplified", "--lang", "en", "--as-of", DAY)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("fire-acceptance-simplified  Small community service facilities qualify")
    for text in (
        "“对建筑面积300平方米以下或总投资30万元以下的社区服务设施,进一步优化办理消防验收备案手续。”",
        "floor_area 以下 300 m² 或 total_investment 以下 300000 元",
        "floor_area <= 300 m² or total_investment <= 300000 元",
        "any one suffices (or)",
        "total investment (10k yuan)",
        "Worked example (as of 2024-06-01)",
        "floor area = 300 m²",
        "eligible",
        "not_eligible",
    ):
        assert text in out, text
    assert "\x1b[" not in out  # no colour when not on a terminal


def test_table_output_in_chinese_shows_formula_brackets_verbatim(cli):
    out = cli("explain", "graduate-small-firm-social-insurance-subsidy", "--as-of", DAY).stdout
    assert "[is_college_graduate and hired_by_small_micro_firm]" in out  # not eaten as rich markup
    assert "算例（2024-06-01）" in out
    assert "全部满足（且）" in out


def test_unknown_id_lists_close_matches(cli):
    result = cli("explain", "facility-area")
    assert result.exit_code == 2
    assert result.stderr == (
        "lifeservices: error: unknown indicator 'facility-area'; did you mean: "
        "new-community-facility-area, facility-area-per-100-households?\n"
    )
    assert result.stdout == ""


def test_bad_as_of_and_format(cli):
    result = cli("explain", "fire-acceptance-simplified", "--as-of", "next week")
    assert (result.exit_code, result.stderr) == (
        2,
        "lifeservices: error: --as-of 'next week' is not a date; use YYYY-MM-DD, e.g. 2024-06-30\n",
    )
    result = cli("explain", "fire-acceptance-simplified", "-f", "yaml")
    assert (result.exit_code, result.stderr) == (
        2,
        "lifeservices: error: unknown format 'yaml'; use one of: table, json\n",
    )


BASE = """\
id: base
title: {zh: 基础, en: base}
document: 基础文件
entities:
  site:
    title: {zh: 场地, en: site}
    fields:
      id: {type: text, title: {zh: 编号, en: code}}
      area: {type: number, title: {zh: 面积, en: area}, unit: m², minimum: 0}
      cost: {type: number, title: {zh: 投资, en: cost}, unit: 元, entry_unit: 万元}
indicators:
  - id: area-min
    title: {zh: 面积下限, en: minimum area}
    clause: {ref: 一, section: 一、总则, quote: 面积不低于500平方米}
    departments: [市民政局]
    entity: site
    kind: standard
    metric: area
    values:
      "2020-01-01": {rule: 不低于 400, reference: 基础文件 2020}
      "2023-01-01": {rule: 不低于 500, reference: 基础文件 2023}
    unit: m²
    effective_from: "2020-01-01"
    effective_to: "2030-12-31"
    notes: [面积按建筑面积计。]
  - id: cheap
    title: {zh: 投资上限, en: cost cap}
    clause: {ref: 二, section: 二、其他, quote: 投资不超过30万元}
    departments: [市财政局]
    entity: site
    kind: standard
    metric: cost
    rule: 不超过 30万元
"""

LOCAL = """\
id: local
title: {zh: 本地, en: local}
document: 本地文件
extends: base.yaml
overrides:
  - id: area-min
    reference: 本地文件 第3条
    rule: 不低于 600
    departments: [市民政局, 市住建局]
"""


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "local.yaml").write_text(LOCAL, encoding="utf-8")
    return tmp_path


def test_dated_versions_and_dates(cli, here):
    d = explained(cli, "area-min", "-i", "base.yaml")
    assert d["versions"] == [
        {
            "criterion": 1,
            "from": "2020-01-01",
            "rule": "不低于 400 m²",
            "symbols": ">= 400 m²",
            "reference": "基础文件 2020",
        },
        {
            "criterion": 1,
            "from": "2023-01-01",
            "rule": "不低于 500 m²",
            "symbols": ">= 500 m²",
            "reference": "基础文件 2023",
        },
    ]
    assert (d["effective_from"], d["effective_to"]) == ("2020-01-01", "2030-12-31")
    assert d["rule_words"] == "area 不低于 500 m²"  # the version in force on the day asked
    old = json.loads(cli("explain", "area-min", "-i", "base.yaml", "-f", "json", "--as-of", "2021-06-01").stdout)
    assert old["rule_words"] == "area 不低于 400 m²"
    assert [r["cells"]["area"] for r in old["example"]["records"]] == ["400", "399"]
    assert d["notes"] == ["面积按建筑面积计。"]
    out = cli("explain", "area-min", "-i", "base.yaml", "--as-of", DAY).stdout
    assert "2020-01-01: 不低于 400 m² (>= 400 m²)  — 基础文件 2020" in out
    assert "2020-01-01 起，至 2030-12-31" in out


def test_not_in_force_uses_a_day_it_is_in_force_for_the_example(cli, here):
    d = explained(cli, "area-min", "-i", "base.yaml")
    late = json.loads(cli("explain", "area-min", "-i", "base.yaml", "-f", "json", "--as-of", "2031-01-01").stdout)
    assert late["in_force"] is False and d["in_force"] is True
    assert late["example"]["as_of"] == "2023-01-01"
    assert late["example"]["records"][0]["results"]["status"] == "pass"
    out = cli("explain", "area-min", "-i", "base.yaml", "--as-of", "2031-01-01", "--lang", "en").stdout
    assert "(not in force on 2031-01-01)" in out


def test_an_override_says_where_the_change_came_from(cli, here):
    d = explained(cli, "area-min", "-i", "local.yaml")
    assert d["origin"]["rule"] == "local (local.yaml): 本地文件 第3条"
    assert d["origin"]["departments"] == "local (local.yaml): 本地文件 第3条"
    assert d["departments"] == ["市民政局", "市住建局"]
    assert d["rule_words"] == "area 不低于 600 m²"
    out = cli("explain", "area-min", "-i", "local.yaml", "--as-of", DAY).stdout
    assert "改动来源" in out and "rule: local (local.yaml): 本地文件 第3条" in out


def test_money_in_the_example_is_in_the_fields_unit(cli, here):
    d = explained(cli, "cheap", "-i", "base.yaml")
    assert [r["cells"]["cost"] for r in d["example"]["records"]] == ["300000", "300001"]
    assert d["fields"][0]["header"] == "投资（万元）"


def test_explain_function_directly(here):
    data = explain(load_packs(["base.yaml"]), "cheap", "en", date(2024, 6, 1))
    assert data["rule"] == "cost <= 300000 元"
    assert data["example"]["records"][1]["results"]["status"] == "fail"
