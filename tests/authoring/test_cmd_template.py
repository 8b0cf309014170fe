"""``lifeservices template``: headers with units, BOM, xlsx, and a filled template reads back."""

from __future__ import annotations

import json

import pytest

from lifeservices_cli.authoring.template import EN_UNITS, csv_bytes, field_header, header_field, headers
from lifeservices_cli.packs.loader import load_packs
from lifeservices_cli.semantics import units

ENTITIES = ["community", "compound", "facility", "district", "person"]


@pytest.fixture(scope="module")
def packset():
    return load_packs()


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_facility_headers_in_chinese_with_bom_on_stdout(cli):
    result = cli("template", "facility")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == ("\ufeff项目编号,设施名称,县（市、区）,建筑面积（m²）,总投资（万元）\r\n".encode())


def test_facility_headers_in_english(cli):
    result = cli("template", "facility", "--lang", "en")
    expected = "\ufeffproject code,facility name,district,floor area (m²),total investment (10k yuan)\r\n"
    assert result.stdout_bytes == expected.encode()


def test_community_headers_in_both_languages(cli):
    zh = cli("template", "community").stdout.lstrip("\ufeff").strip().split(",")
    en = cli("template", "community", "--lang", "en").stdout.lstrip("\ufeff").strip().split(",")
    assert zh == [
        "社区编码",
        "社区名称",
        "县（市、区）",
        "街道（乡镇）",
        "是否新建",
        "是否城市社区",
        "户数（户）",
        "综合服务设施面积（m²）",
    ]
    # "households (households)" would say nothing more than "households"
    assert en == [
        "community code",
        "community name",
        "district",
        "street",
        "is new",
        "is urban",
        "households",
        "service facility area (m²)",
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("entity", ENTITIES)
def test_every_header_reads_back_as_its_field_and_unit(entity, lang, packset):
    chosen = packset.entities[entity]
    for name, header in headers(chosen, lang):
        field, unit = header_field(chosen, header)
        assert field == name, header
        spec = chosen.spec.fields[name]
        if unit is not None:
            assert units.conversion(unit, spec.unit) == units.conversion(spec.entry_unit or spec.unit, spec.unit)


def test_english_unit_words_are_spellings_the_reader_knows():
    for symbol, word in EN_UNITS.items():
        assert units.lookup(word) == units.lookup(symbol), word


def test_a_filled_chinese_template_is_checked_as_its_entity(cli, here):
    assert cli("template", "facility", "-o", "设施.csv").exit_code == 0
    path = here / "设施.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open("a", encoding="utf-8", newline="") as fh:
        fh.write("SS-1,站,洮北区,280,45\r\nSS-2,点,洮北区,320,25\r\nSS-3,室,洮北区,320,31\r\n")
    result = cli("check", "设施.csv", "-f", "json", "--fail-on", "never")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["inputs"][0]["entity"] == "facility"
    assert report["inputs"][0]["warnings"] == []
    assert all(field is not None for field in report["inputs"][0]["columns"].values())
    got = [(r["record_id"], r["status"], r["value"]) for r in report["results"]]
    # 总投资（万元）: 25 万元 is 250000 元, within 30万元; 31 万元 is not
    assert got == [("SS-1", "eligible", 280), ("SS-2", "eligible", 250000), ("SS-3", "not_eligible", 320)]


def test_a_filled_english_template_is_checked_as_its_entity(cli, here):
    assert cli("template", "community", "--lang", "en", "--output", "c.csv").exit_code == 0
    with (here / "c.csv").open("a", encoding="utf-8", newline="") as fh:
        fh.write("C-1,Sun,North,Main,yes,yes,100,29\r\n")
    report = json.loads(cli("check", "c.csv", "-f", "json", "--fail-on", "never").stdout)
    assert report["inputs"][0]["entity"] == "community"
    statuses = {r["indicator"]: (r["status"], r["value"]) for r in report["results"]}
    assert statuses["facility-area-per-100-households"] == ("fail", 29)
    assert statuses["new-community-facility-area"] == ("fail", 29)


def test_xlsx_template(cli, here, packset):
    result = cli("template", "compound", "--output", "compound.xlsx")
    assert result.exit_code == 0, result.output
    assert "已写入 compound.xlsx（7 列）" in result.stderr
    from openpyxl import load_workbook

    wb = load_workbook(here / "compound.xlsx")
    ws = wb.active
    row = [c.value for c in ws[1]]
    assert row == ["小区编码", "小区名称", "县（市、区）", "是否新建", "养老服务设施", "托育服务设施", "配套幼儿园"]
    assert ws.freeze_panes == "A2"
    lists = sorted((dv.formula1, str(dv.sqref)) for dv in ws.data_validations.dataValidation)
    assert lists == [('"是,否"', f"{c}2:{c}1048576") for c in "DEFG"]
    assert [header_field(packset.entities["compound"], h)[0] for h in row] == list(
        packset.entities["compound"].spec.fields
    )


def test_filled_xlsx_template_is_checked(cli, here):
    assert cli("template", "facility", "--lang", "en", "-o", "f.xlsx").exit_code == 0
    from openpyxl import load_workbook

    wb = load_workbook(here / "f.xlsx")
    wb.active.append(["SS-1", "site", "A", 300, 30])
    wb.save(here / "f.xlsx")
    report = json.loads(cli("check", "f.xlsx", "-f", "json", "--fail-on", "never").stdout)
    assert report["inputs"][0]["entity"] == "facility"
    assert [(r["status"], r["value"]) for r in report["results"]] == [("eligible", 300)]


def test_unknown_entity_suggests_close_names(cli):
    result = cli("template", "compoun")
    assert result.exit_code == 2
    assert result.stderr == "lifeservices: error: unknown entity 'compoun'; did you mean: compound, community?\n"


def test_unknown_output_type(cli, here):
    result = cli("template", "facility", "-o", "f.txt")
    assert result.exit_code == 2
    assert result.stderr == "lifeservices: error: f.txt: cannot write a template as '.txt'; use .csv or .xlsx\n"
    assert not (here / "f.txt").exists()


def test_output_folder_must_exist(cli, here):
    result = cli("template", "facility", "-o", "no/such/f.csv")
    assert result.exit_code == 2
    assert "the folder for the output does not exist" in result.stderr


SITE_PACK = """\
id: sites
title: {zh: 场地, en: sites}
document: 测试文件
entities:
  site:
    title: {zh: 场地, en: site}
    fields:
      id: {type: text, title: {zh: 编号, en: code}}
      area: {type: number, title: {zh: 面积, en: area}, unit: 公顷}
      cost: {type: number, title: {zh: 投资, en: cost}, unit: 元, entry_unit: 亿元}
      ok: {type: boolean, title: {zh: 合格, en: ok}}
"""


def test_entity_from_another_pack(cli, here):
    (here / "p.yaml").write_text(SITE_PACK, encoding="utf-8")
    result = cli("template", "site", "-i", "p.yaml", "--lang", "en")
    assert result.stdout_bytes == "\ufeffcode,area (ha),cost (亿元),ok\r\n".encode()  # 亿元 has no English word
    result = cli("template", "site", "-i", "p.yaml")
    assert result.stdout_bytes == "\ufeff编号,面积（公顷）,投资（亿元）,合格\r\n".encode()


def test_csv_bytes_directly(packset):
    data = csv_bytes(packset.entities["facility"], "en")
    assert data.decode("utf-8-sig").splitlines()[0].endswith("total investment (10k yuan)")
    spec = packset.entities["facility"].spec.fields["total_investment"]
    assert (field_header(spec, "zh"), field_header(spec, "en")) == ("总投资（万元）", "total investment (10k yuan)")
