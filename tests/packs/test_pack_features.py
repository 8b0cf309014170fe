"""Adapting packs: extends/overrides with provenance, dated rules, effective dates, parameters,
--set, --only/--skip, and thresholds that are formulas."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from lifeservices_cli.errors import UsageError
from lifeservices_cli.packs.loader import load_packs
from lifeservices_cli.packs.packset import PackError
from lifeservices_cli.pipeline import check_records

PROVINCE = """\
id: province-2024
title: {zh: 省方案, en: provincial plan}
document: 某省发〔2024〕1号
extends: bundled:baicheng-2022-323
overrides:
  - id: new-community-facility-area
    reference: 某省发〔2024〕1号 第3条
    rule: 不低于 600
    title: {zh: 新建社区综合服务设施面积不低于600平方米, en: At least 600 m²}
"""

DATED = """\
id: dated
title: {zh: 分期标准, en: dated thresholds}
document: 测试
parameters:
  task:
    title: {zh: 任务数, en: task}
    values:
      "2023-01-01": {value: 10, reference: 2023年任务}
      "2024-01-01": {value: 12, reference: 2024年任务}
entities:
  site:
    title: {zh: 场地, en: site}
    fields:
      id: {type: text, title: {zh: 编号, en: code}}
      area: {type: number, title: {zh: 面积, en: area}, unit: m²}
      done: {type: number, title: {zh: 完成数, en: done}}
indicators:
  - id: area
    title: {zh: 面积, en: area}
    clause: {ref: 一, section: 一、测试, quote: 测试}
    departments: [市民政局]
    entity: site
    kind: standard
    metric: area
    values:
      "2022-01-01": {rule: 不低于 500, reference: 2022年文件}
      "2025-01-01": {rule: 不低于 600, reference: 2025年文件}
    effective_to: "2030-12-31"
  - id: task
    title: {zh: 任务, en: task}
    clause: {ref: 二, section: 二、测试, quote: 测试}
    departments: [市民政局]
    entity: site
    kind: standard
    metric: done
    rule: 达到 task
"""


def write(tmp_path: Path, text: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def status(report, indicator: str, line: int = 1) -> str:
    (result,) = [r for r in report.results if r.indicator == indicator and r.line == line]
    return result.status


def test_extends_overrides_a_threshold_and_records_where_it_came_from(tmp_path):
    packset = load_packs([write(tmp_path, PROVINCE)])
    ind = packset.get("new-community-facility-area")
    assert ind.checks[0].threshold == 600
    assert ind.spec.title.zh == "新建社区综合服务设施面积不低于600平方米"
    assert ind.origin["rule"].endswith("某省发〔2024〕1号 第3条") and ind.origin["rule"].startswith("province-2024")
    assert ind.origin["pack"].startswith("baicheng-2022-323")
    assert len(packset.indicators) == len(load_packs().indicators)  # everything else is inherited
    report = check_records(
        [{"id": "A", "is_new": "是", "households": 100, "service_facility_area": 550}],
        entity="community",
        packset=packset,
        as_of=date(2024, 6, 1),
    )
    assert status(report, "new-community-facility-area") == "fail"


def test_extends_loop_and_missing_base(tmp_path):
    write(tmp_path, "id: a\ntitle: {zh: 甲, en: a}\ndocument: d\nextends: b.yaml\n", "a.yaml")
    write(tmp_path, "id: b\ntitle: {zh: 乙, en: b}\ndocument: d\nextends: a.yaml\n", "b.yaml")
    with pytest.raises(PackError, match="extends: 'a.yaml' makes a loop"):
        load_packs([tmp_path / "a.yaml"])
    lonely = write(tmp_path, "id: c\ntitle: {zh: 丙, en: c}\ndocument: d\nextends: nowhere.yaml\n", "c.yaml")
    with pytest.raises(PackError, match="no pack file 'nowhere.yaml'"):
        load_packs([lonely])


def test_override_of_an_unknown_indicator(tmp_path):
    text = PROVINCE.replace("- id: new-community-facility-area", "- id: no-such-thing")
    with pytest.raises(PackError, match="overrides.0.id: overrides: unknown indicator 'no-such-thing'"):
        load_packs([write(tmp_path, text)])


def test_override_with_a_bad_rule_points_at_the_override(tmp_path):
    text = PROVINCE.replace("rule: 不低于 600", "rule: 不低于 五百")
    with pytest.raises(PackError) as caught:
        load_packs([write(tmp_path, text)])
    assert ":6:" in str(caught.value) and "unknown field '五百'" in str(caught.value)


@pytest.mark.parametrize(
    ("as_of", "threshold", "area_status"),
    [(date(2024, 12, 31), 500, "pass"), (date(2025, 1, 1), 600, "fail")],
)
def test_dated_rules_pick_the_version_in_force(tmp_path, as_of, threshold, area_status):
    packset = load_packs([write(tmp_path, DATED)])
    report = check_records([{"id": "A", "area": 550, "done": 11}], entity="site", packset=packset, as_of=as_of)
    (area,) = [r for r in report.results if r.indicator == "area"]
    assert (area.threshold, area.status) == (threshold, area_status)


def test_before_the_first_dated_rule_and_after_effective_to_the_indicator_is_not_in_force(tmp_path):
    packset = load_packs([write(tmp_path, DATED)])
    early = check_records(
        [{"id": "A", "area": 550, "done": 11}], entity="site", packset=packset, as_of=date(2021, 6, 1)
    )
    assert early.not_in_force == ["area"]
    late = check_records([{"id": "A", "area": 550, "done": 11}], entity="site", packset=packset, as_of=date(2031, 1, 1))
    assert late.not_in_force == ["area"]


@pytest.mark.parametrize(("as_of", "task_status"), [(date(2023, 6, 1), "pass"), (date(2024, 6, 1), "fail")])
def test_dated_parameters_as_thresholds(tmp_path, as_of, task_status):
    packset = load_packs([write(tmp_path, DATED)])
    report = check_records([{"id": "A", "area": 550, "done": 11}], entity="site", packset=packset, as_of=as_of)
    assert status(report, "task") == task_status


def test_set_overrides_a_threshold_for_one_run_and_the_report_says_so(tmp_path):
    packset = load_packs()
    packset.apply_settings(
        ["new-community-facility-area.threshold=600平方米", "fire-acceptance-simplified.2.threshold=50万元"]
    )
    assert packset.get("new-community-facility-area").checks[0].threshold == 600
    assert packset.get("fire-acceptance-simplified").checks[1].threshold == 500_000
    report = check_records(
        [{"id": "A", "is_new": "是", "households": 100, "service_facility_area": 550}],
        entity="community",
        packset=packset,
        as_of=date(2024, 6, 1),
    )
    assert status(report, "new-community-facility-area") == "fail"
    assert report.to_dict()["settings"] == [
        {"target": "new-community-facility-area.threshold", "value": "600平方米", "was": "500"},
        {"target": "fire-acceptance-simplified.2.threshold", "value": "50万元", "was": "300000"},
    ]


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("nonsense", "expected ID.threshold=VALUE or PARAMETER=VALUE"),
        ("nope.threshold=5", "unknown indicator 'nope'"),
        ("fire-acceptance-simplified.threshold=5", "has 2 criteria; use fire-acceptance-simplified.N.threshold"),
        ("fire-acceptance-simplified.3.threshold=5", "has no criterion 3"),
        ("new-compound-elderly-childcare.1.threshold=5", "only a numeric threshold can be set"),
        ("new-community-facility-area.threshold=abc", "'abc' is not a number in m²"),
        ("new-community-facility-area.threshold=5万元", "'5万元' is not a number in m²"),
        ("colour=red", "no parameter 'colour'"),
    ],
)
def test_bad_settings(assignment, message):
    with pytest.raises(UsageError, match=message):
        load_packs().apply_settings([assignment])


def test_set_a_parameter(tmp_path):
    packset = load_packs([write(tmp_path, DATED)])
    packset.apply_settings(["task=20"])
    report = check_records(
        [{"id": "A", "area": 550, "done": 15}], entity="site", packset=packset, as_of=date(2023, 6, 1)
    )
    assert status(report, "task") == "fail"
    assert packset.settings == [{"target": "task", "value": "20", "was": "12"}]


def test_only_and_skip_select_indicators_and_keep_what_aggregates_need():
    packset = load_packs()
    packset.select(only=["new-compound-elderly-childcare-rate"])
    assert [i.id for i in packset.indicators] == [
        "new-compound-elderly-childcare",
        "new-compound-elderly-childcare-rate",
    ]
    packset = load_packs()
    packset.select(skip=["fire-acceptance-simplified"])
    assert "fire-acceptance-simplified" not in {i.id for i in packset.indicators}
    with pytest.raises(UsageError, match="unknown indicator 'nope'"):
        load_packs().select(only=["nope"])


def test_a_threshold_formula_is_evaluated_per_record(tmp_path):
    report = check_records(
        [
            {"district": "甲区", "year": 2022, "new_first_loan_smes": 10, "new_first_loan_smes_2021": 9},
            {"district": "乙区", "year": 2022, "new_first_loan_smes": 9, "new_first_loan_smes_2021": 9},
        ],
        entity="district",
        as_of=date(2023, 1, 1),
        lang="en",
    )
    first, second = (r for r in report.results if r.indicator == "first-loan-smes-above-2021")
    assert (first.status, first.threshold, first.gap) == ("pass", Fraction(9), Fraction(1))
    assert (second.status, second.gap) == ("fail", Fraction(0))
    assert "(> new first-loan small and micro enterprises in 2021 9 户)" in second.message


def test_collect_mode_finds_every_problem(tmp_path):
    text = DATED.replace("metric: area", "metric: aera").replace("rule: 达到 task", "rule: 达到 tsak")
    packset = load_packs([write(tmp_path, text)], collect=True)
    assert [(p.code, p.line) for p in packset.problems] == [("LS020", 24), ("LS020", 36)]
    assert str(packset.problems[0]).startswith(f"{tmp_path / 'pack.yaml'}:24:13: LS020 indicators.0.metric: ")
