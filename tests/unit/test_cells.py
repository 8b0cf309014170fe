"""Reading headers and cells (``cells.py``) and converting units (``units.py``)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from lifeservices_cli.packs.loader import load_packs
from lifeservices_cli.semantics import cells, units
from lifeservices_cli.semantics.values import Reason, Unknown

F = Fraction
LINE = 7


def number(raw: str, *, unit: str | None = "m²", header_unit: str | None = None, minimum: Fraction | None = None,
           column: str = "面积", lang: str = "zh"):
    convert = cells.make_converter("number", column=column, field="area", field_unit=unit, header_unit=header_unit,
                                   minimum=minimum, lang=lang)  # type: ignore[arg-type]
    return convert(raw, LINE)


def boolean(raw: str):
    return cells.make_converter("boolean", column="是否新建", field="is_new")(raw, LINE)


def text(raw: str, *, encoding: str = "utf-8"):
    return cells.make_converter("text", column="名称", field="name", encoding=encoding)(raw, LINE)


def reason(value, lang: str = "zh") -> str:
    """The single reason of an invalid cell, worded in ``lang`` (a reason is a code with parameters)."""
    assert isinstance(value, Unknown), value
    assert value.missing == frozenset()
    (only,) = value.invalid
    assert isinstance(only, Reason) and only.get("line") == LINE
    return only.word(lang)  # type: ignore[arg-type]


def is_missing(value, field: str = "area") -> bool:
    return isinstance(value, Unknown) and value.missing == frozenset({field}) and value.invalid == ()


# --------------------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("name", "symbol", "dimension"),
    [
        ("m²", "m²", "area"),
        ("㎡", "m²", "area"),
        ("m2", "m²", "area"),
        ("M2", "m²", "area"),
        ("ｍ２", "m²", "area"),
        ("平方米", "m²", "area"),
        ("sq m", "m²", "area"),
        ("万平方米", "万m²", "area"),
        ("公顷", "公顷", "area"),
        ("元", "元", "money"),
        ("万元", "万元", "money"),
        ("亿元", "亿元", "money"),
        ("户", "户", "households"),
        ("％", "%", "percent"),
    ],
)
def test_lookup_knows_every_spelling(name, symbol, dimension):
    unit = units.lookup(name)
    assert unit is not None
    assert (unit.symbol, unit.dimension) == (symbol, dimension)


@pytest.mark.parametrize("name", ["亩", "米", "", "m3", "栋"])
def test_lookup_unknown_unit(name):
    assert units.lookup(name) is None


@pytest.mark.parametrize(
    ("source", "target", "factor"),
    [
        ("万元", "元", F(10_000)),
        ("元", "万元", F(1, 10_000)),
        ("亿元", "万元", F(10_000)),
        ("千元", "元", F(1_000)),
        ("万平方米", "m²", F(10_000)),
        ("公顷", "㎡", F(10_000)),
        ("㎡", "m²", F(1)),
        ("户", "户", F(1)),
    ],
)
def test_conversion_factors(source, target, factor):
    assert units.conversion(source, target) == factor


@pytest.mark.parametrize(
    ("source", "target"),
    [("元", "m²"), ("户", "人"), ("个", "户"), ("亩", "m²"), ("m²", "栋"), ("%", "元")],
)
def test_conversion_between_dimensions_or_unknown_units_is_none(source, target):
    assert units.conversion(source, target) is None


def test_known_suffixes_are_longest_first():
    suffixes = units.known_suffixes()
    assert [len(s) for s in suffixes] == sorted((len(s) for s in suffixes), reverse=True)
    assert suffixes.index("万元") < suffixes.index("元")
    assert suffixes.index("万平方米") < suffixes.index("平方米")


# --------------------------------------------------------------------------- headers


@pytest.fixture(scope="module")
def aliases():
    packset = load_packs()
    return {name: entity.aliases for name, entity in packset.entities.items()}


def test_normalize_folds_width_space_and_case():
    assert cells.normalize("  ＣＯＤＥ　 Name\t ") == "code name"
    assert cells.normalize("县（市、区）") == "县(市、区)"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("户数(户)", ("户数", "户")),
        ("总投资 (万元)", ("总投资", "万元")),
        ("面积( m2 )", ("面积", "m2")),
        ("(户)", ("(户)", None)),
        ("户数", ("户数", None)),
        ("面积(m2)(备注)", ("面积(m2)", "备注")),
    ],
)
def test_split_unit(header, expected):
    assert cells.split_unit(header) == expected


@pytest.mark.parametrize(
    ("entity", "header", "expected"),
    [
        # An alias with brackets is matched whole, never split into "县" + unit "市、区".
        ("community", "县（市、区）", ("district", None)),
        ("community", "县(市、区)", ("district", None)),
        ("community", "所属县（市、区）", ("district", None)),
        ("community", "街道（乡镇）", ("street", None)),
        ("community", "户数（户）", ("households", "户")),
        ("community", "户数 (户)", ("households", "户")),
        ("community", "  户数  ", ("households", None)),
        ("community", "综合服务设施面积(m2)", ("service_facility_area", "m2")),
        ("community", "服务设施面积（㎡）", ("service_facility_area", "m2")),
        ("community", "Facility Area (sq m)", ("service_facility_area", "sq m")),
        ("community", "ＣＯＤＥ", ("id", None)),
        ("facility", "总投资（万元）", ("total_investment", "万元")),
        ("facility", "建筑面积 (m2)", ("floor_area", "m2")),
        ("facility", "户数（户）", (None, None)),
        ("community", "备注", (None, None)),
        ("community", "(户)", (None, None)),
    ],
)
def test_match_header(aliases, entity, header, expected):
    assert cells.match_header(header, aliases[entity]) == expected


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("600", F(600)),
        ("  600  ", F(600)),
        ("600.5", F(1201, 2)),
        ("+5", F(5)),
        ("5.", F(5)),
        (".5", F(1, 2)),
        ("0", F(0)),
        ("１２００", F(1200)),
        ("５６０．５", F(1121, 2)),
        ("1,234.5", F(2469, 2)),
        ("１，２３４", F(1234)),
        ("1,234,567", F(1234567)),
        ("1e5", F(100_000)),
        ("1E-2", F(1, 100)),
        ("1e100", F(10**100)),
        ("0.1", F(1, 10)),  # exact, not the binary float 0.1000000000000000055...
    ],
)
def test_numbers(raw, value):
    result = number(raw)
    assert isinstance(result, Fraction)
    assert result == value


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("600㎡", F(600)),
        ("600 m2", F(600)),
        ("600M²", F(600)),
        ("600平方米", F(600)),
        ("600 平米", F(600)),
        ("600sqm", F(600)),
        ("1.5万平方米", F(15_000)),
        ("1.5万㎡", F(15_000)),
        ("0.2公顷", F(2_000)),
        ("1,200㎡", F(1_200)),
        ("-0㎡", F(0)),
    ],
)
def test_cell_units_convert_into_the_field_unit(raw, value):
    assert number(raw) == value


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("30万元", F(300_000)),
        ("30 万元", F(300_000)),
        ("300000元", F(300_000)),
        ("45千元", F(45_000)),
        ("0.5亿元", F(50_000_000)),
        ("30.01万元", F(300_100)),
    ],
)
def test_money_cells_convert_into_yuan(raw, value):
    assert number(raw, unit="元") == value


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("30", F(300_000)),  # 总投资（万元）: a bare number is in the header's unit
        ("30.01", F(300_100)),
        ("0.0001", F(1)),
        ("300000元", F(300_000)),  # a unit in the cell itself wins over the header's
        ("0.5亿元", F(50_000_000)),
    ],
)
def test_header_unit_multiplies_bare_numbers(raw, value):
    assert number(raw, unit="元", header_unit="万元", column="总投资（万元）") == value


def test_header_unit_for_area():
    assert number("1.2", header_unit="万平方米") == F(12_000)
    assert number("560", header_unit="㎡") == F(560)


@pytest.mark.parametrize(
    ("raw", "unit", "expected"),
    [
        ("600元", "m²", "第7行「面积」：单位“元”不能换算为m²"),
        ("30万元", "m²", "第7行「面积」：单位“万元”不能换算为m²"),
        ("5 年", "m²", "第7行「面积」：单位“年”不能换算为m²"),
        ("600㎡", "元", "第7行「面积」：单位“m2”不能换算为元"),
        ("120人", "户", "第7行「面积」：单位“人”不能换算为户"),
    ],
)
def test_incompatible_cell_unit(raw, unit, expected):
    assert reason(number(raw, unit=unit)) == expected


def test_incompatible_cell_unit_in_english():
    assert reason(number("600元"), "en") == "line 7, column '面积': unit '元' cannot be converted to m²"


def test_unit_on_a_field_without_unit_is_reported_in_the_message_language():
    assert reason(number("5个", unit=None)) == "第7行「面积」：单位“个”不能换算为无单位的数值"
    assert reason(number("5个", unit=None), "en") == (
        "line 7, column '面积': unit '个' cannot be converted to a plain number"
    )


@pytest.mark.parametrize(
    "raw",
    ["12a", "五百", "1,23", "1.2.3", "0x10", "1_000", "600m", "1.5万", "e5", "+", "12 34", "600 ㎡ ㎡"],
)
def test_not_a_number(raw):
    assert reason(number(raw)) == f"第7行「面积」：“{raw}”不是数字"


@pytest.mark.parametrize("raw", ["600 sq m", "600 square metres"])
def test_unit_aliases_with_spaces_are_read_in_cells(raw):
    # "sq m" and "square metres" are declared spellings of m² (units.py), and they work in a
    # header ("面积 (sq m)"); a cell spelled the same way must read too.
    assert number(raw) == F(600)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("nan", "第7行「面积」：“nan”不是有限数值"),
        ("NaN", "第7行「面积」：“NaN”不是有限数值"),
        ("inf", "第7行「面积」：“inf”不是有限数值"),
        ("-inf", "第7行「面积」：“-inf”不是有限数值"),
        ("Infinity", "第7行「面积」：“Infinity”不是有限数值"),
        ("1e309", "第7行「面积」：“1e309”超出可处理的数值范围"),
        ("1e101", "第7行「面积」：“1e101”超出可处理的数值范围"),
        ("1e-101", "第7行「面积」：“1e-101”超出可处理的数值范围"),
        ("#DIV/0!", "第7行「面积」：电子表格错误值 #DIV/0!"),
        ("#VALUE!", "第7行「面积」：电子表格错误值 #VALUE!"),
        (" #REF! ", "第7行「面积」：电子表格错误值 #REF!"),
        ("#NAME?", "第7行「面积」：电子表格错误值 #NAME?"),
    ],
)
def test_unreadable_numbers(raw, expected):
    assert reason(number(raw)) == expected


def test_spreadsheet_error_in_english():
    assert reason(number("#DIV/0!"), "en") == "line 7, column '面积': spreadsheet error value #DIV/0!"


@pytest.mark.parametrize(
    ("raw", "minimum", "expected"),
    [
        ("-5", F(0), "第7行「面积」：-5 小于允许的最小值 0"),
        ("-0.01", F(0), "第7行「面积」：-0.01 小于允许的最小值 0"),
        ("-1万平方米", F(0), "第7行「面积」：-1万平方米 小于允许的最小值 0"),
        ("9.99", F(10), "第7行「面积」：9.99 小于允许的最小值 10"),
    ],
)
def test_below_minimum(raw, minimum, expected):
    assert reason(number(raw, minimum=minimum)) == expected


@pytest.mark.parametrize(
    ("raw", "minimum", "value"), [("0", F(0), F(0)), ("-0", F(0), F(0)), ("0.0", F(0), F(0)), ("10", F(10), F(10))]
)
def test_minimum_itself_is_allowed(raw, minimum, value):
    assert number(raw, minimum=minimum) == value


def test_minimum_is_compared_after_the_header_unit():
    assert number("0.001", header_unit="万平方米", minimum=F(10)) == F(10)
    too_small = number("0.0009", header_unit="万平方米", minimum=F(10))
    assert reason(too_small) == "第7行「面积」：0.0009 小于允许的最小值 10"


def test_negative_numbers_without_minimum():
    assert number("-5") == F(-5)


def test_too_long_cells():
    longest = "0" * (cells.MAX_NUMBER_CELL - 1) + "1"
    assert number(longest) == F(1)
    assert reason(number(longest + "0")) == "第7行「面积」：单元格过长（65个字符），不是有效值"
    assert reason(boolean("是" * 65)) == "第7行「是否新建」：单元格过长（65个字符），不是有效值"
    assert text("名" * 500) == "名" * 500  # text has no length limit


@pytest.mark.parametrize(
    "raw",
    ["", " ", "\t", "—", "——", "-", "--", "---", "–", "/", "\\", "N/A", "n/a", "NA", "#N/A", "null", "None",
     "…", "...", "无数据", "暂无", "空", "－", "／"],
)
def test_missing_marks(raw):
    assert is_missing(number(raw))
    assert is_missing(boolean(raw), "is_new")
    assert is_missing(text(raw), "name")


# --------------------------------------------------------------------------- booleans and text


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("是", True), ("否", False),
        ("有", True), ("无", False),
        ("true", True), ("false", False),
        ("TRUE", True), ("False", False),
        ("yes", True), ("no", False),
        ("Yes", True), ("NO", False),
        ("Y", True), ("N", False),
        ("y", True), ("n", False),
        ("Ｙ", True), ("Ｎ", False),
        ("√", True), ("×", False),
        ("✓", True), ("✗", False),
        ("1", True), ("0", False),
        (" 是 ", True), ("已配建", True), ("未配建", False),
    ],
)
def test_booleans(raw, value):
    assert boolean(raw) is value


@pytest.mark.parametrize("raw", ["maybe", "是的吧", "2", "ok"])
def test_not_a_boolean(raw):
    assert reason(boolean(raw)) == f"第7行「是否新建」：“{raw}”不是是/否值（可用 是/否、有/无、√/×、Y/N）"


def test_boolean_cell_with_spreadsheet_error():
    assert reason(boolean("#VALUE!")) == "第7行「是否新建」：电子表格错误值 #VALUE!"


def test_text_is_trimmed_but_otherwise_kept():
    assert text("  富文社区  ") == "富文社区"
    assert text("ＴＢ－００１") == "ＴＢ－００１"  # kept as written (only matching is normalised)


@pytest.mark.parametrize(
    ("convert", "column"),
    [
        (lambda raw: number(raw), "面积"),
        (lambda raw: boolean(raw), "是否新建"),
        (lambda raw: text(raw, encoding="gb18030"), "名称"),
    ],
)
def test_undecodable_bytes(convert, column):
    # Bytes that do not decode arrive as lone surrogates (errors="surrogateescape").
    message = reason(convert("1\udcff0"))
    assert message.startswith(f"第7行「{column}」：含有不符合文件编码 ")
    assert message.endswith("的字节")


def test_undecodable_bytes_names_the_encoding():
    assert reason(text("a\udc80", encoding="gb18030")) == "第7行「名称」：含有不符合文件编码 gb18030 的字节"


@pytest.mark.parametrize(
    ("value", "cell"),
    [(None, ""), (True, "true"), (False, "false"), (12, "12"), (33.3, "33.3"), ("是", "是"),
     ([1], None), ({"a": 1}, None)],
)
def test_python_value_to_cell(value, cell):
    assert cells.python_value_to_cell(value) == cell
