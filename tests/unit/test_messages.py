"""Message templates (``i18n``), reasons as codes (``values.Reason``) and the result entry (``results``)."""

from __future__ import annotations

import json
import re
from datetime import date
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest

from lifeservices_cli.engine.columnar.cells import _around_line, _resolve
from lifeservices_cli.engine.columnar.messages import concat, json_content
from lifeservices_cli.engine.results import (
    AGGREGATE_ENTRY,
    RESULT_ENTRY,
    AggregateResult,
    Result,
    entry_keys,
    entry_pieces,
    result_entry,
)
from lifeservices_cli.formula import compile_formula
from lifeservices_cli.i18n import MESSAGES, Slot, fill_parts, slots, t, template
from lifeservices_cli.pipeline import check_files
from lifeservices_cli.report.schema import report_schema
from lifeservices_cli.semantics import cells
from lifeservices_cli.semantics.values import Reason, Unknown, invalid, merge, missing, reason

LANGS = ("zh", "en")
_CODE = re.compile(r"""(?:invalid|reason|bad)\(\s*["']([a-z_]+\.[a-z_]+)["']""")
SRC = Path(__file__).resolve().parents[2] / "src" / "lifeservices_cli"


# --------------------------------------------------------------------------- the catalogue


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_both_languages_with_the_same_slots(key: str):
    assert set(MESSAGES[key]) == set(LANGS)
    assert sorted(slots(key, "zh")) == sorted(slots(key, "en")), key
    for lang in LANGS:
        for part in template(key, lang):
            assert isinstance(part, str) or part.name.isidentifier()


@pytest.mark.parametrize("key", sorted(MESSAGES))
@pytest.mark.parametrize("lang", LANGS)
def test_a_template_filled_part_by_part_is_the_message(key: str, lang: str):
    params = {name: f"<{name}>" for name in slots(key, lang)}  # type: ignore[arg-type]
    words = "".join(p if isinstance(p, str) else p.fill(params[p.name]) for p in template(key, lang))  # type: ignore[arg-type]
    assert words == t(key, lang, **params)  # type: ignore[arg-type]
    assert "".join(fill_parts(key, lang, **params)) == words  # type: ignore[arg-type,misc]


def test_fill_parts_leaves_the_slots_not_given_open():
    parts = fill_parts("cell.not_number", "zh", column="面积", raw="12a")
    assert parts == ["第", Slot("line"), "行「面积」：“12a”不是数字"]
    parts = fill_parts("msg.check", "en", title="Area", unit=" m²")
    assert parts == ["Area = ", Slot("value"), " m² (", Slot("rule"), ")"]


def test_literal_braces_are_text_not_slots():
    MESSAGES["test.braces"] = {"zh": "{{a}} {b}", "en": "{{a}} {b}"}
    try:
        assert template("test.braces", "zh") == ("{a} ", Slot("b"))
        assert slots("test.braces", "en") == ("b",)
    finally:
        del MESSAGES["test.braces"]
        template.cache_clear()


# --------------------------------------------------------------------------- templates filled with expressions


def _rows(expr: pl.Expr, frame: pl.DataFrame) -> list[str | None]:
    return frame.select(expr.alias("m")).get_column("m").to_list()


@pytest.mark.parametrize("lang", LANGS)
def test_concat_fills_a_template_with_columns_as_t_does_with_strings(lang: str):
    frame = pl.DataFrame({"value": ["120", "7.5"], "rule": ["≥ 30", "≥ 8"]})
    expr = concat("msg.check", lang, title="综合服务设施面积", value=pl.col("value"), unit=" m²", rule=pl.col("rule"))
    expected = [
        json_content(t("msg.check", lang, title="综合服务设施面积", value=v, unit=" m²", rule=r))  # type: ignore[arg-type]
        for v, r in zip(frame["value"], frame["rule"], strict=True)
    ]
    assert _rows(expr, frame) == expected


def test_concat_escapes_literal_text_and_string_slots_for_json_but_not_expressions():
    frame = pl.DataFrame({"v": ['a\\"b']})  # an expression's text is already escaped
    expr = concat("msg.check_yes_no", "en", title='say "hi"\n', value=pl.col("v"))
    (row,) = _rows(expr, frame)
    assert row == 'say \\"hi\\"\\n: a\\"b'
    assert json.loads(f'"{row}"') == 'say "hi"\n: a"b'


def test_concat_nests_and_needs_every_slot():
    rule = concat("msg.rule_formula", "zh", comparator="不低于", threshold="户数×0.3", value=pl.col("t"), unit=" m²")
    expr = concat("msg.check", "zh", title="面积", value=pl.col("v"), unit=" m²", rule=rule)
    (row,) = _rows(expr, pl.DataFrame({"v": ["10"], "t": ["30"]}))
    assert row == "面积 = 10 m²（不低于 户数×0.3 30 m²）"
    with pytest.raises(KeyError):
        concat("msg.check", "zh", title="面积", value=pl.col("v"), unit="")  # no rule
    assert _rows(concat("words.sep", "zh"), pl.DataFrame({"x": [1]})) == ["；"]


def test_no_part_of_the_catalogue_overrides_another():
    from lifeservices_cli import i18n

    parts = [i18n.CHECKS, i18n.REPORT, i18n.HISTORY, i18n.CLI, i18n.WORDS]
    assert sum(map(len, parts)) == len(MESSAGES)


# the literal keys the code asks for: t("key", ...), say("key", ...), w("key") in a view, word("key", ...)
_ASKED = {
    "t": (re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']\s*[,)]"""), ""),
    "say": (re.compile(r"""\bsay\(\s*["']([a-z_.]+)["']\s*[,)]"""), "cli."),
}


def test_every_key_the_code_asks_for_is_in_the_catalogue():
    asked: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for pattern, prefix in _ASKED.values():
            asked |= {prefix + key for key in pattern.findall(text)}
    for view, part in (("pack.py", "explain"), ("inspect.py", "inspect")):  # their w(key) is say(part.key)
        text = (SRC / "cli" / view).read_text(encoding="utf-8")
        asked |= {f"cli.{part}.{key}" for key in re.findall(r"""\bw\("([a-z_]+)"[,)]""", text)}
    expected = {"punct.colon", "punct.paren", "lang.sarif", "cli.lint.clean", "cli.explain.quote", "cli.inspect.merged"}
    assert expected <= asked
    assert asked <= set(MESSAGES), asked - set(MESSAGES)


@pytest.mark.parametrize("lang", LANGS)
def test_punctuation_is_full_width_in_chinese_and_ascii_in_english(lang: str):
    for key in ("punct.colon", "punct.comma", "punct.semicolon"):
        mark = MESSAGES[key][lang]
        assert (ord(mark[0]) > 0xFF00) == (lang == "zh"), (key, lang)
    assert t("punct.paren", lang, text="m²") == {"zh": "（m²）", "en": " (m²)"}[lang]
    assert t("punct.labelled", lang, label="a", text="b") == {"zh": "a：b", "en": "a: b"}[lang]


# --------------------------------------------------------------------------- reasons as codes


def _reason_codes() -> set[str]:
    """Every reason code the sources produce (``invalid("code", ...)``, ``reason(...)``, ``bad(...)``)."""
    found: set[str] = set()
    for path in SRC.rglob("*.py"):
        found |= set(_CODE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_reason_code_the_code_produces_is_in_the_catalogue():
    codes = _reason_codes()
    assert {"cell.not_number", "cell.bad_unit_plain", "formula.division_by_zero", "cell.above_maximum"} <= codes
    assert codes <= set(MESSAGES), codes - set(MESSAGES)
    for code in codes:  # a cell's reason names its line and column
        if code.startswith("cell."):
            assert {"line", "column"} <= set(slots(code, "zh")), code


def test_a_reason_is_a_code_with_parameters_worded_in_either_language():
    why = reason("cell.not_number", raw="12a", line=5, column="面积")
    assert why == Reason("cell.not_number", (("column", "面积"), ("line", 5), ("raw", "12a")))
    assert why.get("line") == 5 and why.get("nothing") is None
    assert why.word("zh") == "第5行「面积」：“12a”不是数字"
    assert why.word("en") == "line 5, column '面积': '12a' is not a number"
    assert hash(why) == hash(reason("cell.not_number", line=5, column="面积", raw="12a"))  # order-free


def test_merge_keeps_the_first_of_equal_reasons():
    a = invalid("cell.not_number", line=2, column="x", raw="?")
    b = invalid("formula.division_by_zero", expr="b")
    merged = merge(a, missing("p"), b, invalid("cell.not_number", line=2, column="x", raw="?"))
    assert merged == Unknown(frozenset({"p"}), (a.invalid[0], b.invalid[0]))


@pytest.mark.parametrize(
    ("raw", "unit", "code"),
    [
        ("12a", "m²", "cell.not_number"),
        ("600元", "m²", "cell.bad_unit"),
        ("5个", None, "cell.bad_unit_plain"),
        ("#DIV/0!", "m²", "cell.spreadsheet_error"),
        ("1e101", "m²", "cell.out_of_range"),
        ("inf", "m²", "cell.not_finite"),
    ],
)
def test_a_cell_gives_its_reason_as_a_code_in_no_language(raw: str, unit: str | None, code: str):
    zh = cells.make_converter("number", column="面积", field="area", field_unit=unit, lang="zh")(raw, 3)
    en = cells.make_converter("number", column="面积", field="area", field_unit=unit, lang="en")(raw, 3)
    assert isinstance(zh, Unknown) and zh == en  # the same value whatever the run's language
    (why,) = zh.invalid
    assert why.code == code and why.get("line") == 3


def test_a_formula_gives_division_by_zero_and_dates_out_of_range_as_codes():
    got = compile_formula("a / (b - c)", {"a": "number", "b": "number", "c": "number"})(
        {"a": Fraction(1), "b": Fraction(2), "c": Fraction(2)}
    )
    assert got == invalid("formula.division_by_zero", expr="(b - c)")
    got = compile_formula("add_years(d, 9000)", {"d": "date"})({"d": date(2022, 1, 1)})
    assert got == invalid("formula.date_out_of_range", expr="add_years(d, 9000)")
    assert got.invalid[0].word("zh") == "日期超出范围（add_years(d, 9000)）"  # type: ignore[union-attr]
    assert got.invalid[0].word("en") == "date out of range in 'add_years(d, 9000)'"  # type: ignore[union-attr]


@pytest.mark.parametrize("lang", LANGS)
def test_the_columnar_reader_splits_a_reason_at_its_line(lang: str):
    convert = cells.make_converter("number", column='面"积', field="area", field_unit="m²")
    got = _resolve(["12a", "5", "#N/A"], convert, lang)  # type: ignore[arg-type]
    assert got.invalid == [True, False, False] and got.hard == [False, False, False]
    head, tail = got.head[0], got.tail[0]
    assert head is not None and tail is not None
    words = reason("cell.not_number", line=41, column='面"积', raw="12a").word(lang)  # type: ignore[arg-type]
    assert json.loads(f'"{head}41{tail}"') == words
    assert _around_line(reason("formula.division_by_zero", expr="b"), lang) is None  # no line: not split  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the result entry


def test_the_entry_keys_are_those_of_the_published_schema_in_order():
    schema = report_schema()
    props = list(schema["$defs"]["result"]["properties"])
    assert [k.name for k in RESULT_ENTRY] == [p for p in props if p in {k.name for k in RESULT_ENTRY}]
    assert set(props) == {k.name for k in RESULT_ENTRY}
    assert {k.name for k in AGGREGATE_ENTRY} <= set(schema["$defs"]["aggregate"]["properties"])
    assert [k.name for k in entry_keys()] == [k.name for k in RESULT_ENTRY if k.when == "always"]
    assert "year" in [k.name for k in entry_keys(yearly=True)] and "check" in [k.name for k in entry_keys(several=True)]


def _result(**kw) -> Result:
    base = dict(source="a.csv", line=2, record_id="X1", record_name='名"称', district=None, indicator="i",
                status="fail", value=Fraction(3, 2), threshold=Fraction(2), comparator=">=", unit="m²",
                gap=Fraction(-1, 2), message="m\n", shortfall=None, check=1, year=2023)
    base.update(kw)
    return Result(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(("yearly", "several"), [(False, False), (True, False), (False, True), (True, True)])
def test_entry_pieces_of_constants_are_the_record_paths_json(yearly: bool, several: bool):
    r = _result()
    entry = result_entry(r, yearly, several)
    keys = entry_keys(yearly, several)
    values = {k: json.dumps(v, ensure_ascii=False) for k, v in entry.items()}
    (text,) = entry_pieces(keys, values)
    assert text == json.dumps(entry, ensure_ascii=False)
    cut = [k.name for k in keys].index("indicator")
    head = entry_pieces(keys[:cut], values, closes=False)
    tail = entry_pieces(keys[cut:], values, opens=False)
    assert head[0] + tail[0] == text  # the columnar plan's record part and result part


def test_entry_pieces_join_literal_text_around_other_pieces():
    keys = entry_keys()[:3]
    marker = object()
    pieces = entry_pieces(keys, {"source": '"a"', "line": marker, "record_id": ['"', marker, '"']})
    assert pieces == ['{"source": "a", "line": ', marker, ', "record_id": "', marker, '"}']
    with pytest.raises(KeyError):
        entry_pieces(keys, {"source": '"a"'})


def test_an_aggregate_entry_has_its_keys_in_order():
    from lifeservices_cli.engine.results import aggregate_entry

    a = AggregateResult("agg", "洮北区", "pass", Fraction(50), 1, 2, 0, Fraction(40), ">=", "%", Fraction(10), "ok")
    assert list(aggregate_entry(a)) == [k.name for k in AGGREGATE_ENTRY]
    assert aggregate_entry(a)["value"] == 50 and aggregate_entry(a)["gap"] == 10


@pytest.mark.parametrize("lang", LANGS)
def test_invalid_cells_are_worded_in_the_reports_language_by_both_engines(tmp_path: Path, lang: str):
    path = tmp_path / "c.csv"
    rows = ["社区编码,社区名称,县（市、区）,街道（乡镇）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）"]
    rows += [f"C{n},社区{n},洮北区,街道,是,是,{'12a' if n % 3 == 0 else 300},{'#DIV/0!' if n % 4 == 1 else 600}"
             for n in range(40)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    reports = [check_files([path], lang=lang, as_of=date(2025, 1, 1), engine=e) for e in ("records", "columns")]  # type: ignore[arg-type]
    assert reports[1].store.spooled, "the columnar path was not taken"
    messages = [[r.message for r in rep.iter_results() if r.status == "invalid_data"] for rep in reports]
    assert messages[0] == messages[1] and messages[0]
    expected = reason("cell.not_number", line=2, column="户数（户）", raw="12a").word(lang)  # type: ignore[arg-type]
    assert any(expected in m for m in messages[0])
