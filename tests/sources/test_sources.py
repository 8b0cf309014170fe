"""Reading records from CSV, YAML and JSON files (``sources.py``).

Encodings, header matching, entity detection, physical line numbers, and what happens to rows
and files that are not quite right.
"""

from __future__ import annotations

import codecs
from fractions import Fraction
from pathlib import Path

import pytest

from lifeservices_cli import pipeline as checker
from lifeservices_cli import sources
from lifeservices_cli.errors import UsageError
from lifeservices_cli.packs.loader import load_packs
from lifeservices_cli.semantics.values import Unknown

F = Fraction
PACKSET = load_packs()

COMMUNITY = "社区编码,社区名称,县（市、区）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）"
COMMUNITY_ROW = "TB-001,日升社区,洮北区,是,是,2000,600"
FACILITY = "项目编号,项目名称,县（市、区）,建筑面积（平方米）,总投资（万元）"
COMPOUND = "小区编码,小区名称,县（市、区）,是否新建,养老服务设施,托育服务设施"
EXPECTED_COLUMNS = (
    "community: 社区编码, 社区名称, 县（市、区）, 街道（乡镇）, 是否新建, 是否城市社区, 户数, 综合服务设施面积; "
    "compound: 小区编码, 小区名称, 县（市、区）, 是否新建, 养老服务设施, 托育服务设施, 配套幼儿园; "
    "facility: 项目编号, 设施名称, 县（市、区）, 建筑面积, 总投资; "
    "district: 县（市、区）, 年度, 落实基本公共卫生服务类别数, 托育机构备案完成数, 托育机构年度备案任务数, "
    "企业开办网上办, 企业开办最长用时, 企业开办收费, 新增小微企业法人首贷户数, 2021年新增小微企业法人首贷户数, "
    "当年新发放贷款企业户数, 其中首贷户数, 上年新发放贷款企业户数, 上年其中首贷户数, 获得银行贷款的企业户数, "
    "上年获得银行贷款的企业户数, 中高职贯通培养招生人数, 上年中高职贯通培养招生人数; "
    "venue: 场馆编号, 场馆名称, 县（市、区）, 免费或低收费开放; "
    "person: 编号, 姓名, 县（市、区）, 出生日期, 慢性病患者, 残疾人, 脱贫人口, 高校毕业生, 离校日期, 招用日期, "
    "创业日期, 被小微企业招用, 自主创业或灵活就业"
)


def write(tmp_path: Path, data: str | bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def csv_text(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def read(path: Path, **kwargs) -> tuple[sources.InputInfo, list[sources.Record]]:
    info, records = sources.open_input(str(path), PACKSET, **kwargs)
    return info, list(records)  # warnings about the whole file come once the records are read


def usage_error(path: Path, **kwargs) -> UsageError:
    with pytest.raises(UsageError) as caught:
        read(path, **kwargs)
    return caught.value


def check(path: Path, **kwargs):
    return checker.check_files([path], packset=PACKSET, **kwargs)


def invalid_reasons(value, lang: str = "zh") -> tuple[str, ...]:
    """An invalid value's reasons (codes with parameters) worded in ``lang``."""
    assert isinstance(value, Unknown), value
    return tuple(r.word(lang) for r in value.invalid)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("encode", "encoding"),
    [
        (lambda text: text.encode("utf-8"), "utf-8"),
        (lambda text: ("\ufeff" + text).encode("utf-8"), "utf-8-sig"),
        (lambda text: text.encode("gb18030"), "gb18030"),
        (lambda text: text.encode("utf-16"), "utf-16"),  # with BOM, native byte order
        (lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"), "utf-16"),
        (lambda text: codecs.BOM_UTF16_LE + text.replace("\n", "\r\n").encode("utf-16-le"), "utf-16"),
    ],
    ids=["utf-8", "utf-8-bom", "gb18030", "utf-16", "utf-16-be", "utf-16-le-crlf"],
)
def test_encoding_is_detected(tmp_path, encode, encoding):
    path = write(tmp_path, encode(csv_text(COMMUNITY, COMMUNITY_ROW, "TB-002,新华社区,洮北区,否,否,１，５００,—")))
    assert sources.detect_encoding(path) == encoding
    info, records = read(path)
    assert (info.encoding, info.entity, info.records) == (encoding, "community", 2)
    assert list(info.columns) == COMMUNITY.split(",")  # no BOM glued to the first header
    first, second = records
    assert (first.line, first.values["id"], first.values["name"]) == (2, "TB-001", "日升社区")
    assert first.values["district"] == "洮北区"
    assert (first.values["households"], first.values["service_facility_area"]) == (F(2000), F(600))
    assert (second.line, second.values["is_new"], second.values["households"]) == (3, False, F(1500))
    assert second.values["service_facility_area"] == Unknown(missing=frozenset({"service_facility_area"}))


def test_detect_encoding_of_pure_ascii_and_of_an_empty_file(tmp_path):
    assert sources.detect_encoding(write(tmp_path, b"a,b\n1,2\n")) == "utf-8"
    assert sources.detect_encoding(write(tmp_path, b"", "empty.csv")) == "utf-8"


def test_encoding_override_reads_a_file_detection_cannot(tmp_path):
    # UTF-16 without a BOM is not detected (it falls back to GB18030), but --encoding reads it.
    path = write(tmp_path, csv_text(COMMUNITY, COMMUNITY_ROW).encode("utf-16-le"))
    assert "the columns fit no entity" in str(usage_error(path))
    info, (record,) = read(path, encoding="utf-16-le")
    assert info.encoding == "utf-16-le"
    assert (record.values["id"], record.values["households"]) == ("TB-001", F(2000))


def test_encoding_override_is_used_as_given(tmp_path):
    path = write(tmp_path, csv_text(COMMUNITY, COMMUNITY_ROW).encode("gb18030"))
    info, (record,) = read(path, encoding="GB18030")
    assert info.encoding == "GB18030"
    assert record.values["name"] == "日升社区"


def test_wrong_encoding_override_garbles_headers_into_an_error(tmp_path):
    path = write(tmp_path, csv_text(COMMUNITY, COMMUNITY_ROW).encode("gb18030"))
    err = usage_error(path, encoding="utf-8")
    assert str(err).startswith(f"{path}: no header row found: the columns fit no entity in the first 2 rows")
    assert "\ufffd" in str(err) and not any("\udc80" <= ch <= "\udcff" for ch in str(err))  # bytes shown as �


def test_unknown_encoding(tmp_path):
    path = write(tmp_path, csv_text(COMMUNITY, COMMUNITY_ROW))
    assert str(usage_error(path, encoding="klingon")) == f"{path}: unknown encoding 'klingon'"


def test_invalid_bytes_spoil_only_their_cell(tmp_path):
    head = csv_text(COMMUNITY).encode("gb18030")
    row = "TB-001,日升社区,洮北区,是,是,".encode("gb18030") + b"2\xff00,600\n"
    path = write(tmp_path, head + row)
    info, (record,) = read(path)
    assert info.encoding == "gb18030"
    assert invalid_reasons(record.values["households"]) == ("第2行「户数（户）」：含有不符合文件编码 gb18030 的字节",)
    assert (record.values["name"], record.values["service_facility_area"]) == ("日升社区", F(600))
    results = {r.indicator: r for r in check(path).results}
    assert results["new-community-facility-area"].status == "pass"  # does not need 户数
    per100 = results["facility-area-per-100-households"]
    assert per100.status == "invalid_data"
    assert "第2行「户数（户）」" in per100.message


# --------------------------------------------------------------------------- line numbers


def test_record_line_is_the_physical_line(tmp_path):
    path = write(tmp_path, csv_text(
        "",  # 1: blank lines before the header are skipped but counted
        "",  # 2
        COMMUNITY,  # 3
        COMMUNITY_ROW,  # 4
        'TB-002,"新华\n社区",洮北区,是,是,100,500',  # 5-6: a quoted cell holding a newline
        "TB-003,海明社区,洮北区,是,是,100,500",  # 7
        "",  # 8
        " , ,  ,,,,",  # 9: a row of blank cells is skipped too
        "TB-004,长庆社区,洮北区,是,是,100,500",  # 10
    ))
    info, records = read(path)
    assert [(r.line, r.values["id"]) for r in records] == [(4, "TB-001"), (5, "TB-002"), (7, "TB-003"), (10, "TB-004")]
    assert records[1].values["name"] == "新华\n社区"
    assert info.records == 4


def test_line_numbers_with_crlf(tmp_path):
    path = write(tmp_path, f"{COMMUNITY}\r\n{COMMUNITY_ROW}\r\n\r\n{COMMUNITY_ROW.replace('001', '002')}\r\n")
    _, records = read(path)
    assert [r.line for r in records] == [2, 4]


def test_cell_messages_carry_the_line(tmp_path):
    path = write(tmp_path, csv_text(COMMUNITY, "", 'TB-001,"a\nb",洮北区,是,是,100,500',
                                    "TB-002,x,洮北区,是,是,100,12a"))
    _, (_, record) = read(path)
    assert record.line == 5
    assert invalid_reasons(record.values["service_facility_area"]) == (
        "第5行「综合服务设施面积（平方米）」：“12a”不是数字",
    )


# --------------------------------------------------------------------------- headers


def test_headers_map_to_fields_with_their_units(tmp_path):
    path = write(tmp_path, csv_text(FACILITY + ",备注", "SS-01,站,洮北区,280,45,说明",
                                    "SS-02,点,洮北区,0.03万平方米,600000元,"))
    info, (first, second) = read(path)
    assert info.entity == "facility"
    assert info.columns == {
        "项目编号": "id", "项目名称": "name", "县（市、区）": "district",
        "建筑面积（平方米）": "floor_area", "总投资（万元）": "total_investment", "备注": None,
    }
    assert (first.values["floor_area"], first.values["total_investment"]) == (F(280), F(450_000))
    assert (second.values["floor_area"], second.values["total_investment"]) == (F(300), F(600_000))
    assert info.warnings == [f"{path}：以下列不属于facility字段，未参与检查：备注"]


@pytest.mark.parametrize(
    ("header", "field", "cell", "value"),
    [
        ("户数（户）", "households", "1200", F(1200)),
        ("户数(hh)", "households", "1200", F(1200)),
        ("总户数", "households", "1,200", F(1200)),
        ("综合服务设施面积(m2)", "service_facility_area", "560", F(560)),
        ("服务设施面积（㎡）", "service_facility_area", "560", F(560)),
        ("服务设施面积（万平方米）", "service_facility_area", "0.056", F(560)),
        ("Facility Area (sq m)", "service_facility_area", "560", F(560)),
    ],
)
def test_header_spellings(tmp_path, header, field, cell, value):
    path = write(tmp_path, csv_text(f"社区编码,{header}", f"C1,\"{cell}\""))
    info, (record,) = read(path)
    assert info.columns[header] == field
    assert record.values[field] == value


def test_district_header_with_brackets_is_a_whole_alias(tmp_path):
    path = write(tmp_path, csv_text("社区编码,所属县（市、区）,街道（乡镇）", "C1,洮北区,新华街道"))
    _, (record,) = read(path, entity="community")
    assert (record.values["district"], record.values["street"]) == ("洮北区", "新华街道")


def test_duplicate_columns(tmp_path):
    path = write(tmp_path, csv_text("社区编码,户数,户数 ,综合服务设施面积", "C1,1,2,3"))
    assert str(usage_error(path)) == f"{path}:1: duplicate column '户数 ' (also '户数')"


def test_duplicate_columns_after_normalisation(tmp_path):
    path = write(tmp_path, csv_text("社区编码,户数（户）,户数(户)", "C1,1,2"))
    assert str(usage_error(path)) == f"{path}:1: duplicate column '户数(户)' (also '户数（户）')"


def test_header_errors_name_the_header_line(tmp_path):
    # The header is on line 3 after two blank lines; an error about it must say line 3.
    path = write(tmp_path, csv_text("", "", "社区编码,户数,户数", "C1,1,2"))
    err = usage_error(path)
    assert "duplicate column '户数'" in str(err)
    assert err.line == 3


def test_two_headers_for_the_same_field(tmp_path):
    path = write(tmp_path, csv_text("社区编码,户数,居民户数", "C1,1,2"))
    assert str(usage_error(path)) == f"{path}:1: columns '户数' and '居民户数' both give field 'households'"


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("户数（栋）", "column '户数（栋）': unknown unit '栋'"),
        ("综合服务设施面积（万元）", "column '综合服务设施面积（万元）': unit '万元' does not convert to m²"),
        ("户数（人）", "column '户数（人）': unit '人' does not convert to 户"),
    ],
)
def test_bad_unit_in_a_header(tmp_path, header, message):
    path = write(tmp_path, csv_text(f"社区编码,{header}", "C1,1"))
    assert str(usage_error(path)) == f"{path}:1: {message}"


def test_bracketed_note_on_a_yes_no_header_is_not_a_unit(tmp_path):
    path = write(tmp_path, csv_text("社区编码,是否新建（是/否）,户数", "C1,是,100"))
    info, (record,) = read(path)
    assert info.columns["是否新建（是/否）"] == "is_new"
    assert record.values["is_new"] is True


@pytest.mark.parametrize(("delimiter", "suffix"), [("\t", ".tsv"), (";", ".csv"), ("\t", ".txt")])
def test_other_delimiters(tmp_path, delimiter, suffix):
    path = write(tmp_path, csv_text(COMMUNITY.replace(",", delimiter), COMMUNITY_ROW.replace(",", delimiter)),
                 "data" + suffix)
    _, (record,) = read(path)
    assert (record.values["id"], record.values["service_facility_area"]) == ("TB-001", F(600))


def test_delimiter_is_taken_from_the_header_not_a_blank_first_line(tmp_path):
    path = write(tmp_path, "\n" + csv_text(COMMUNITY.replace(",", "\t"), COMMUNITY_ROW.replace(",", "\t")), "data.tsv")
    info, (record,) = read(path)
    assert info.entity == "community"
    assert (record.line, record.values["id"], record.values["households"]) == (3, "TB-001", F(2000))


# --------------------------------------------------------------------------- entities


@pytest.mark.parametrize(
    ("header", "entity"),
    [
        (COMMUNITY, "community"),
        (FACILITY, "facility"),
        (COMPOUND, "compound"),
        ("编号,县（市、区）,户数", "community"),  # 编号 and 县（市、区） fit every entity; 户数 decides
        ("编号,总投资", "facility"),
        ("code,childcare", "compound"),
    ],
)
def test_entity_is_detected_from_the_headers(tmp_path, header, entity):
    info, _ = read(write(tmp_path, csv_text(header)))
    assert info.entity == entity


@pytest.mark.parametrize(
    ("header", "why"),
    [
        ("foo,bar", "no header row found: the columns fit no entity in the first 2 rows (first rows — 1: foo | bar; "
         "2: 1 | 2 | 3); use --header-rows or --entity"),
        # columns that several entities have, as many of each: a real tie
        ("编号,县（市、区）", "the columns fit several entities (community, compound, facility, person); use --entity"),
        ("户数,建筑面积", "the columns fit several entities (community, facility); use --entity"),
        ("户数,养老服务设施,总投资", "the columns fit several entities (community, compound, facility); use --entity"),
    ],
)
def test_entity_cannot_be_detected(tmp_path, header, why):
    path = write(tmp_path, csv_text(header, "1,2,3"))
    assert str(usage_error(path)) == f"{path}: {why}. Columns each entity expects — {EXPECTED_COLUMNS}"


def test_entity_given_explicitly(tmp_path):
    path = write(tmp_path, csv_text("编号,县（市、区）", "X1,洮北区"))
    info, (record,) = read(path, entity="facility")
    assert info.entity == "facility"
    assert (record.values["id"], record.values["district"]) == ("X1", "洮北区")
    err = usage_error(path, entity="school")
    assert str(err) == f"{path}: unknown entity 'school'; known: community, compound, facility, district, venue, person"


# --------------------------------------------------------------------------- rows and files


def test_row_with_more_cells_than_the_header_is_invalid_not_dropped(tmp_path):
    path = write(tmp_path, csv_text(COMMUNITY, COMMUNITY_ROW + ",多余", COMMUNITY_ROW.replace("001", "002") + ",,"))
    report = check(path)
    wide = [r for r in report.results if r.line == 2]
    assert [r.indicator for r in wide] == ["new-community-facility-area", "facility-area-per-100-households"]
    for result in wide:
        assert result.status == "invalid_data"
        assert result.message == "数据无效：第2行有 8 个单元格，但表头只有 7 列"
    # Extra cells that are empty do no harm.
    assert [r.status for r in report.results if r.line == 3] == ["pass", "pass"]


def test_row_with_too_many_cells_in_english(tmp_path):
    path = write(tmp_path, csv_text(COMMUNITY, COMMUNITY_ROW + ",x"))
    _, (record,) = read(path, lang="en")
    assert record.problems == ("line 2: 8 cells but the header has 7 columns",)


def test_row_with_fewer_cells_is_missing_the_rest(tmp_path):
    path = write(tmp_path, csv_text(COMMUNITY, "TB-001,日升社区,洮北区,是"))
    _, (record,) = read(path)
    assert record.problems == ()
    assert record.values["is_new"] is True
    assert record.values["households"] == Unknown(missing=frozenset({"households"}))


def test_header_only_file(tmp_path):
    path = write(tmp_path, csv_text(COMMUNITY))
    info, records = read(path)
    assert (records, info.records) == ([], 0)
    assert info.warnings == [f"{path}：只有表头，没有数据记录"]
    report = check(path)
    assert report.results == []
    assert f"{path}：只有表头，没有数据记录" in report.inputs[0].warnings


@pytest.mark.parametrize("data", [b"", b"\n\n", b" , ,\n\n", "\ufeff".encode()])
def test_empty_file(tmp_path, data):
    path = write(tmp_path, data)
    assert str(usage_error(path)) == f"{path}: the file is empty: no header row"


@pytest.mark.parametrize(
    ("name", "message"),
    [("data.pdf", "unsupported file type '.pdf'; use .csv, .tsv, .xlsx, .xlsm, .xls, .ods, .yaml, .yml or .json"),
     ("data", "unsupported file type '(none)'; use .csv, .tsv, .xlsx, .xlsm, .xls, .ods, .yaml, .yml or .json")],
)
def test_unsupported_file_type(tmp_path, name, message):
    assert str(usage_error(write(tmp_path, b"x", name))) == f"{tmp_path / name}: {message}"


def test_missing_file_and_folder(tmp_path):
    assert str(usage_error(tmp_path / "nothere.csv")) == f"{tmp_path / 'nothere.csv'}: no such file"
    assert str(usage_error(tmp_path)) == f"{tmp_path}: is a folder, not a data file"


def test_absent_is_urban_column_defaults_to_true_with_a_warning(tmp_path):
    path = write(tmp_path, csv_text("社区编码,是否新建,户数,综合服务设施面积", "C1,否,1000,300"))
    info, (record,) = read(path)
    assert record.values["is_urban"] is True
    assert info.warnings == [  # an area with no unit is read as m² (a unit of several), and said so
        f"{path}：「综合服务设施面积」列未注明单位，按 m² 读取",
        f"{path}：没有「是否城市社区」列，全部记录按 是 处理",
    ]
    (per100,) = [r for r in check(path).results if r.indicator == "facility-area-per-100-households"]
    assert (per100.status, per100.value) == ("pass", F(30))


def test_absent_is_urban_warning_in_english(tmp_path):
    path = write(tmp_path, csv_text("社区编码,户数", "C1,1000"))
    info, _ = read(path, lang="en")
    assert info.warnings == [f"{path}: no 'is urban' column; every record is taken as yes"]


def test_present_but_blank_is_urban_is_missing_not_defaulted(tmp_path):
    path = write(tmp_path, csv_text(COMMUNITY, "TB-001,日升社区,洮北区,否,,100,30"))
    info, (record,) = read(path)
    assert record.values["is_urban"] == Unknown(missing=frozenset({"is_urban"}))
    assert info.warnings == []


def test_duplicate_ids_are_a_warning_naming_the_lines(tmp_path):
    other = "TB-002,新华社区,洮北区,是,是,100,500"
    path = write(tmp_path, csv_text(COMMUNITY, COMMUNITY_ROW, other, "", COMMUNITY_ROW))
    info, records = read(path)
    assert [r.line for r in records] == [2, 3, 5]
    assert info.warnings == [f"{path}：编号 TB-001 重复出现（第2, 5行）"]
    info_en, _ = read(path, lang="en")
    assert info_en.warnings == [f"{path}: record id TB-001 appears more than once (lines 2, 5)"]


# --------------------------------------------------------------------------- YAML and JSON


NOT_RECORDS = "expected a list of records, or a mapping with 'entity' and 'records'"

YAML_LIST = """\
# 设施
- 项目编号: SS-01
  建筑面积: 280
  总投资（万元）: 45

- 项目编号: SS-02
  建筑面积: "1,000"
  总投资（万元）: ~
"""

YAML_MAPPING = """\
entity: facility
records:
  - 编号: SS-01
    面积: 299.99
  - {编号: SS-02, 面积: 300.01}
"""


def test_yaml_list_of_records(tmp_path):
    info, (first, second) = read(write(tmp_path, YAML_LIST, "facilities.yaml"))
    assert (info.entity, info.encoding, info.records) == ("facility", "utf-8", 2)
    assert (first.line, first.values["id"], first.values["floor_area"], first.values["total_investment"]) == (
        2, "SS-01", F(280), F(450_000))
    assert (second.line, second.values["floor_area"]) == (6, F(1000))
    assert second.values["total_investment"] == Unknown(missing=frozenset({"total_investment"}))


def test_yaml_mapping_with_entity_and_records(tmp_path):
    info, records = read(write(tmp_path, YAML_MAPPING, "facilities.yml"))
    assert info.entity == "facility"  # 编号 and 面积 alone would not decide it
    assert [(r.line, r.values["id"], r.values["floor_area"]) for r in records] == [
        (3, "SS-01", F("299.99")), (5, "SS-02", F("300.01"))]


def test_yaml_mapping_entity_is_checked(tmp_path):
    path = write(tmp_path, YAML_MAPPING.replace("entity: facility", "entity: school"), "x.yaml")
    known = "community, compound, facility, district, venue, person"
    assert str(usage_error(path)) == f"{path}: unknown entity 'school'; known: {known}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("entity: facility\nfoo: 1\nrecords: []\n", f":1: {NOT_RECORDS}"),
        ("entity: facility\n", f":1: {NOT_RECORDS}"),
        ("entity: [a]\nrecords: []\n", ":1: 'entity' must be a name"),
        ("42\n", ":1: expected a list of records"),
        ("- a: [1, 2\n- b: 3\n", ":2: invalid YAML: did not find expected ',' or ']'"),
        ("- &x {项目编号: A}\n- *x\n", ":2: YAML aliases (*name) are not allowed"),
    ],
)
def test_bad_structured_files(tmp_path, text, message):
    path = write(tmp_path, text, "data.yaml")
    assert str(usage_error(path)).startswith(f"{path}{message}")


def test_yaml_mapping_without_records_has_a_warning(tmp_path):
    path = write(tmp_path, "entity: facility\nrecords:\n", "data.yaml")
    info, records = read(path)
    assert (info.entity, records) == ("facility", [])
    assert info.warnings == [f"{path}：只有表头，没有数据记录"]


def test_json_input(tmp_path):
    text = """[
  {"项目编号": "SS-01", "建筑面积": 300, "总投资": 300000},
  {"项目编号": "SS-02",
   "建筑面积": 300.01, "总投资": null},
  {"项目编号": "SS-03", "建筑面积": "1.5万平方米", "总投资": "30万元"}
]"""
    path = write(tmp_path, text, "facilities.json")
    info, records = read(path)
    assert info.entity == "facility"
    assert [(r.line, r.values["id"], r.values["floor_area"], r.values["total_investment"]) for r in records] == [
        (2, "SS-01", F(300), F(300_000)),
        (3, "SS-02", F("300.01"), Unknown(missing=frozenset({"total_investment"}))),
        (5, "SS-03", F(15_000), F(300_000)),
    ]
    # SS-02: 300.01 m² is not 300以下, and with the investment unknown the facility is undecided.
    assert [r.status for r in check(path).results] == ["eligible", "missing_data", "eligible"]


def test_json_indented_with_tabs(tmp_path):
    # Valid JSON (many tools indent with tabs) must read even though YAML forbids tab indentation.
    text = '[\n\t{\n\t\t"项目编号": "SS-01",\n\t\t"建筑面积": 280\n\t}\n]\n'
    info, (record,) = read(write(tmp_path, text, "facilities.json"))
    assert (info.entity, record.line, record.values["id"], record.values["floor_area"]) == (
        "facility", 2, "SS-01", F(280))


def test_json_mapping_on_one_line(tmp_path):
    path = write(tmp_path, '{"entity": "facility", "records": [{"编号": "A", "面积": 299.99}]}', "x.json")
    info, (record,) = read(path)
    assert (info.entity, record.line, record.values["floor_area"]) == ("facility", 1, F("299.99"))


def test_yaml_booleans_and_chinese_marks(tmp_path):
    text = "- 社区编码: C1\n  是否新建: 是\n  是否城市社区: false\n  户数: 100\n"
    _, (record,) = read(write(tmp_path, text, "c.yaml"))
    assert (record.values["is_new"], record.values["is_urban"], record.values["households"]) == (True, False, F(100))


def test_yaml_numbers_are_read_as_written(tmp_path):
    # YAML 1.1 would read 0300 as octal (192) and 1:30 as base 60 (90); a planning figure
    # written 0300 means 300, and a code written 010 is the text "010".
    text = "- 项目编号: 010\n  建筑面积: 0300\n"
    _, (record,) = read(write(tmp_path, text, "f.yaml"))
    assert record.values["floor_area"] == F(300)
    assert record.values["id"] == "010"


def test_nested_value_in_yaml_makes_the_record_invalid(tmp_path):
    text = "- 项目编号: SS-01\n  建筑面积: [280, 300]\n  总投资: 45万元\n"
    path = write(tmp_path, text, "f.yaml")
    _, (record,) = read(path)
    assert record.problems == ("第1行「建筑面积」是列表或映射，不是单个值",)
    (result,) = check(path).results
    assert (result.line, result.status) == (1, "invalid_data")
    assert result.message == "数据无效：第1行「建筑面积」是列表或映射，不是单个值"


def test_nested_value_in_the_first_column_is_not_called_a_non_record(tmp_path):
    text = "- 建筑面积: {a: 1}\n  项目编号: SS-01\n"
    _, (record,) = read(write(tmp_path, text, "f.yaml"))
    assert record.problems == ("第1行「建筑面积」是列表或映射，不是单个值",)


def test_item_that_is_not_a_mapping_keeps_its_line(tmp_path):
    text = "- 项目编号: SS-01\n  建筑面积: 1\n- just text\n"
    _, (_, item) = read(write(tmp_path, text, "f.yaml"))
    assert item.line == 3


def test_item_that_is_not_a_mapping_has_one_problem(tmp_path):
    text = "- 项目编号: SS-01\n  建筑面积: 1\n- just text\n"
    _, (_, item) = read(write(tmp_path, text, "f.yaml"), lang="en")
    assert len(item.problems) == 1
    assert item.problems[0].endswith(": not a record (expected a mapping of field names to values)")


def test_yaml_in_gb18030_needs_the_encoding(tmp_path):
    path = write(tmp_path, YAML_LIST.encode("gb18030"), "f.yaml")
    err = usage_error(path)
    assert str(err).startswith(f"{path}: not valid UTF-8 text (byte ")
    info, records = read(path, encoding="gb18030")
    assert (info.encoding, [r.values["id"] for r in records]) == ("gb18030", ["SS-01", "SS-02"])


def test_yaml_with_bom(tmp_path):
    info, records = read(write(tmp_path, "\ufeff" + YAML_LIST, "f.yaml"))
    assert [r.line for r in records] == [2, 6]


# --------------------------------------------------------------------------- the examples


def test_bundled_examples_read(tmp_path):
    examples = Path(__file__).resolve().parents[2] / "examples"
    expected = {
        "communities.csv": ("community", "utf-8-sig", 12),
        "communities-gbk.csv": ("community", "gb18030", 4),
        "compounds.yaml": ("compound", "utf-8", 8),
        "facilities.csv": ("facility", "utf-8", 8),
    }
    for name, (entity, encoding, count) in expected.items():
        info, records = read(examples / name)
        assert (info.entity, info.encoding, info.records) == (entity, encoding, count), name
