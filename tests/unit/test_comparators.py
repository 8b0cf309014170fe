"""Comparator words and symbols (``comparators.py``), and every word at its boundary end to end.

Boundaries follow 民法典 第1259条: 以上/以下/以内 include the number itself, 不满/超过 do not.
The other words keep their ordinary meaning: 不低于/不少于 ≥, 不超过/不高于 ≤, 高于 >, 低于/不足 <.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from lifeservices_cli import pipeline as checker
from lifeservices_cli.engine.records import Engine
from lifeservices_cli.engine.results import Result
from lifeservices_cli.packs import loader as packs
from lifeservices_cli.semantics import comparators
from lifeservices_cli.sources import Record

F = Fraction
BELOW, AT, ABOVE = F("499.99"), F(500), F("500.01")

# word -> status just below, at and just above the threshold. Written out by hand from the
# law and ordinary usage, not derived from comparators.WORDS, so a wrong mapping is caught.
BOUNDARIES: dict[str, tuple[str, str, str]] = {
    # ≥
    "不低于": ("fail", "pass", "pass"),
    "不少于": ("fail", "pass", "pass"),
    "不小于": ("fail", "pass", "pass"),
    "以上": ("fail", "pass", "pass"),  # 第1259条: 以上 includes the number
    "达到": ("fail", "pass", "pass"),
    # ≤
    "以下": ("pass", "pass", "fail"),  # 第1259条: 以下 includes the number
    "以内": ("pass", "pass", "fail"),  # 第1259条: 以内 includes the number
    "不超过": ("pass", "pass", "fail"),
    "不高于": ("pass", "pass", "fail"),
    "不大于": ("pass", "pass", "fail"),
    "不多于": ("pass", "pass", "fail"),
    # >
    "超过": ("fail", "fail", "pass"),  # 第1259条: 超过 excludes the number
    "高于": ("fail", "fail", "pass"),
    "大于": ("fail", "fail", "pass"),
    "多于": ("fail", "fail", "pass"),
    # <
    "不满": ("pass", "fail", "fail"),  # 第1259条: 不满 excludes the number
    "低于": ("pass", "fail", "fail"),
    "不足": ("pass", "fail", "fail"),
    "小于": ("pass", "fail", "fail"),
    "少于": ("pass", "fail", "fail"),
    # = and ≠
    "等于": ("fail", "pass", "fail"),
    "不等于": ("pass", "fail", "pass"),
    # words for dates: 不早于 "not earlier than" includes the day, 早于 "earlier than" does not
    "不早于": ("fail", "pass", "pass"),
    "不晚于": ("pass", "pass", "fail"),
    "晚于": ("fail", "fail", "pass"),
    "早于": ("pass", "fail", "fail"),
}

SYMBOL_BOUNDARIES: dict[str, tuple[str, str, str]] = {
    ">=": ("fail", "pass", "pass"),
    "≥": ("fail", "pass", "pass"),
    "＞＝": ("fail", "pass", "pass"),
    ">": ("fail", "fail", "pass"),
    "<=": ("pass", "pass", "fail"),
    "≤": ("pass", "pass", "fail"),
    "<": ("pass", "fail", "fail"),
    "==": ("fail", "pass", "fail"),
    "=": ("fail", "pass", "fail"),
    "!=": ("pass", "fail", "pass"),
    "≠": ("pass", "fail", "pass"),
}


def write_pack(tmp_path: Path, rule: str | dict, *, field_unit: str = "m²", unit: str | None = "m²",
               metric: str = "amount", kind: str = "standard") -> Path:
    """A one-indicator pack over an entity ``site`` with a number ``amount`` and a yes/no ``flag``."""
    rule_yaml = json.dumps(rule, ensure_ascii=False)  # JSON is valid YAML, and quotes '>=' safely
    unit_line = f"    unit: {json.dumps(unit, ensure_ascii=False)}\n" if unit else ""
    text = f"""\
id: comparator-test
title: {{zh: 比较词测试, en: comparator test}}
document: 测试文件
entities:
  site:
    title: {{zh: 场地, en: site}}
    fields:
      id: {{type: text, title: {{zh: 编号, en: code}}}}
      amount: {{type: number, title: {{zh: 数量, en: amount}}, unit: {json.dumps(field_unit, ensure_ascii=False)}}}
      flag: {{type: boolean, title: {{zh: 合格, en: flag}}}}
indicators:
  - id: rule-under-test
    title: {{zh: 比较, en: comparison}}
    clause: {{ref: 一, section: 一、测试, quote: 测试条款}}
    departments: [市民政局]
    entity: site
    kind: {kind}
    metric: {metric}
    rule: {rule_yaml}
{unit_line}"""
    path = tmp_path / "pack.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, rule: str | dict, **kwargs) -> packs.PackSet:
    return packs.load_packs([write_pack(tmp_path, rule, **kwargs)])


def evaluate(packset: packs.PackSet, lang: str = "zh", **values) -> Result:
    record = Record("memory.csv", 2, {"id": "A", **values})
    return Engine(packset, lang).evaluate(packset.get("rule-under-test"), record)  # type: ignore[arg-type]


def check_csv(tmp_path: Path, packset: packs.PackSet, text: str, lang: str = "zh"):
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    return checker.check_files([path], packset=packset, lang=lang)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- parsing


def test_every_word_has_a_boundary_case():
    assert set(BOUNDARIES) == set(comparators.WORDS)


@pytest.mark.parametrize(
    ("word", "symbol"),
    [(">=", ">="), ("≥", ">="), ("≤", "<="), ("≠", "!="), ("=", "=="), (" 以下 ", "<="), ("不满", "<"),
     ("超过", ">"), ("达到", ">=")],
)
def test_symbol_for(word, symbol):
    assert comparators.symbol_for(word) == symbol


def test_symbol_for_unknown_word():
    with pytest.raises(comparators.RuleError, match="unknown comparator '约等于'; use one of >=, >"):
        comparators.symbol_for("约等于")


@pytest.mark.parametrize(
    ("text", "comparator", "word", "threshold", "unit"),
    [
        ("不低于 500", ">=", "不低于", F(500), None),
        ("不低于500", ">=", "不低于", F(500), None),
        ("以下 300", "<=", "以下", F(300), None),
        ("300以下", "<=", "以下", F(300), None),
        ("300 以下", "<=", "以下", F(300), None),
        ("300平方米以下", "<=", "以下", F(300), "平方米"),
        ("以下 30万元", "<=", "以下", F(30), "万元"),
        ("30万元以下", "<=", "以下", F(30), "万元"),
        ("达到 100%", ">=", "达到", F(100), "%"),
        ("  不满 18 ", "<", "不满", F(18), None),
        ("不低于 -5", ">=", "不低于", F(-5), None),
        ("以上 .5", ">=", "以上", F(1, 2), None),
        ("不低于 0.1", ">=", "不低于", F(1, 10), None),
        (">= 30", ">=", None, F(30), None),
        ("≥30", ">=", None, F(30), None),
        ("＞＝ 30", ">=", None, F(30), None),
        ("= 5", "==", None, F(5), None),
        ("== 是", "==", None, True, None),
        ("!= 否", "!=", None, False, None),
        ("== yes", "==", None, True, None),
        ("等于 false", "==", "等于", False, None),
        ("不等于 是", "!=", "不等于", True, None),
    ],
)
def test_parse_rule(text, comparator, word, threshold, unit):
    parsed = comparators.parse_rule(text)
    assert (parsed.comparator, parsed.word, parsed.threshold, parsed.unit) == (comparator, word, threshold, unit)
    assert type(parsed.threshold) is type(threshold)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "cannot read rule ''"),
        ("500", "cannot read rule '500'"),
        ("大约 500", "cannot read rule '大约 500': expected a comparator and a threshold"),
        ("不低于 5.0.0", "cannot read the threshold '5.0.0' in rule '不低于 5.0.0'"),
        ("不低于 500 米", "unknown unit '米' in rule '不低于 500 米'"),
        (">= 是", "rule '>= 是': a yes/no threshold needs '==' or '!='"),
        ("以上 是", "rule '以上 是': a yes/no threshold needs '==' or '!='"),
    ],
)
def test_parse_rule_errors(text, message):
    with pytest.raises(comparators.RuleError) as caught:
        comparators.parse_rule(text)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "comparator", "formula"),
    [("高于 loans_2021", ">", "loans_2021"), ("不低于 五百", ">=", "五百"), ("达到 task * 2", ">=", "task * 2")],
)
def test_a_threshold_that_is_not_a_number_is_a_formula(text, comparator, formula):
    parsed = comparators.parse_rule(text)
    assert (parsed.comparator, parsed.threshold, parsed.formula) == (comparator, None, formula)


@pytest.mark.parametrize(
    ("symbol", "value", "threshold", "expected"),
    [(">=", F(5), F(5), True), (">", F(5), F(5), False), ("<=", F(5), F(5), True), ("<", F(5), F(5), False),
     ("==", True, True, True), ("!=", True, False, True)],
)
def test_compare(symbol, value, threshold, expected):
    assert comparators.compare(symbol, value, threshold) is expected


# --------------------------------------------------------------------------- end to end


@pytest.mark.parametrize("order", ["word first", "number first"])
@pytest.mark.parametrize("word", sorted(BOUNDARIES))
def test_every_word_at_its_boundary(tmp_path, word, order):
    rule = f"{word} 500" if order == "word first" else f"500{word}"
    packset = load(tmp_path, rule)
    check = packset.get("rule-under-test").checks[0]
    assert (check.comparator, check.word, check.threshold) == (comparators.WORDS[word], word, F(500))
    for value, expected in zip((BELOW, AT, ABOVE), BOUNDARIES[word], strict=True):
        result = evaluate(packset, amount=value)
        assert result.status == expected, f"{rule!r} with {value}"
        assert result.value == value
        assert result.threshold == F(500)
        assert result.gap == value - 500


@pytest.mark.parametrize("symbol", sorted(SYMBOL_BOUNDARIES))
def test_every_symbol_at_its_boundary(tmp_path, symbol):
    packset = load(tmp_path, f"{symbol} 500")
    statuses = tuple(evaluate(packset, amount=value).status for value in (BELOW, AT, ABOVE))
    assert statuses == SYMBOL_BOUNDARIES[symbol]


@pytest.mark.parametrize(
    ("rule", "statuses"),
    [
        ("以下 300", ("pass", "pass", "fail")),
        ("300以下", ("pass", "pass", "fail")),
        ("以上 300", ("fail", "pass", "pass")),
        ("300以上", ("fail", "pass", "pass")),
        ("不满 300", ("pass", "fail", "fail")),
        ("300不满", ("pass", "fail", "fail")),
        ("超过 300", ("fail", "fail", "pass")),
        ("300超过", ("fail", "fail", "pass")),
        ("300平方米以下", ("pass", "pass", "fail")),
        ("以下 300㎡", ("pass", "pass", "fail")),
        ("以下 0.03公顷", ("pass", "pass", "fail")),
    ],
)
def test_both_word_orders_through_a_csv(tmp_path, rule, statuses):
    packset = load(tmp_path, rule)
    report = check_csv(tmp_path, packset, "编号,数量（平方米）\nA,299.99\nB,300\nC,300.01\n")
    assert [r.record_id for r in report.results] == ["A", "B", "C"]
    assert tuple(r.status for r in report.results) == statuses
    assert [r.threshold for r in report.results] == [F(300)] * 3


@pytest.mark.parametrize("rule", ["以下 30万元", "30万元以下", {"comparator": "以下", "threshold": 30, "unit": "万元"}])
def test_threshold_unit_converts_into_the_field_unit(tmp_path, rule):
    packset = load(tmp_path, rule, field_unit="元", unit="元")
    check = packset.get("rule-under-test").checks[0]
    assert (check.comparator, check.threshold, check.unit) == ("<=", F(300_000), "元")
    report = check_csv(tmp_path, packset, "编号,数量（万元）\nA,29.9999\nB,30\nC,30.0001\nD,300000元\n")
    assert [(r.value, r.status) for r in report.results] == [
        (F(299_999), "pass"),
        (F(300_000), "pass"),  # 以下 includes 30万元 itself
        (F(300_001), "fail"),
        (F(300_000), "pass"),
    ]
    assert report.results[1].message == "数量 = 300000 元（以下 300000 元）"


@pytest.mark.parametrize("rule", ["以下 30万元", "30万元以下"])
def test_threshold_unit_converts_when_the_pack_gives_no_unit(tmp_path, rule):
    # The metric is a field in 元; a threshold in 万元 converts to it even without a ``unit:`` key.
    packset = load(tmp_path, rule, field_unit="元", unit=None)
    check = packset.get("rule-under-test").checks[0]
    assert (check.threshold, check.unit) == (F(300_000), "元")
    assert [evaluate(packset, amount=v).status for v in (F(300_000), F(300_001))] == ["pass", "fail"]


def test_rule_text_shows_the_word_in_chinese_and_the_symbol_in_english(tmp_path):
    packset = load(tmp_path, "不满 500")
    check = packset.get("rule-under-test").checks[0]
    assert check.rule_text("zh") == "不满 500 m²"
    assert check.rule_text("en") == "< 500 m²"
    assert evaluate(packset, lang="en", amount=F(500)).message == "amount = 500 m² (< 500 m²)"


@pytest.mark.parametrize(
    ("rule", "flag", "status"),
    [
        ("== 是", True, "pass"),
        ("== 是", False, "fail"),
        ("等于 是", True, "pass"),
        ("不等于 是", True, "fail"),
        ("不等于 是", False, "pass"),
        ("!= 否", False, "fail"),
    ],
)
def test_yes_no_rules(tmp_path, rule, flag, status):
    packset = load(tmp_path, rule, metric="flag", unit=None)
    result = evaluate(packset, flag=flag)
    assert (result.status, result.value, result.threshold) == (status, flag, rule.endswith("是"))


def test_exact_fractions_at_the_boundary(tmp_path):
    # 1/3 × 3 is exactly 1: no floating-point rounding may push it under 不低于 1.
    packset = load(tmp_path, "不低于 1", unit=None, metric="amount / 3 * 3")
    assert evaluate(packset, amount=F(1)).status == "pass"
    packset = load(tmp_path, "不低于 0.3", unit=None, metric="amount + 0.2")
    assert evaluate(packset, amount=F("0.1")).status == "pass"


@pytest.mark.parametrize(
    ("area", "investment", "status"),
    [
        ("299.99", "", "eligible"),
        ("300", "", "eligible"),  # 建筑面积300平方米以下 includes 300
        ("300.01", "30.01", "not_eligible"),
        ("300.01", "30", "eligible"),  # 总投资30万元以下 includes 30万元
        ("300.01", "29.99", "eligible"),
        ("300.01", "", "missing_data"),
    ],
)
def test_bundled_fire_acceptance_boundaries(tmp_path, area, investment, status):
    path = tmp_path / "facilities.csv"
    path.write_text(f"项目编号,项目名称,县（市、区）,建筑面积（平方米）,总投资（万元）\nSS-1,站,洮北区,{area},{investment}\n",
                    encoding="utf-8")
    (result,) = checker.check_files([path]).results
    assert (result.indicator, result.status) == ("fire-acceptance-simplified", status)
