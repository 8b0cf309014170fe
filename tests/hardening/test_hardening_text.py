"""Text from the data or a pack reaching a terminal, an XML report or a spreadsheet: escape
sequences, bidi overrides (U+202E), line separators (U+2028) and XML's non-characters are shown
escaped, and text a spreadsheet would run as a formula stays text in every spreadsheet output,
the ``template`` sheets included."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import openpyxl
import pytest

HEADER = "社区编码,社区名称,县（市、区）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）"
NAME = "名\u202e称\u2028二\x1b[31m红\x1b]0;title\x07\ufffe"


@pytest.fixture
def cli(cli):
    return cli.using(lang="en", width=200)


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "names.csv"
    path.write_text(f"{HEADER}\nC1,{NAME},洮北区,是,是,1000,100\n", encoding="utf-8")
    return path


def test_record_names_reach_the_terminal_table_escaped(cli, data):
    result = cli("check", data, "-f", "table")
    assert result.exit_code == 1, result.stderr
    out = result.stdout
    for raw in ("\u202e", "\u2028", "\x1b", "\x07", "\ufffe"):
        assert raw not in out
    assert "名\\u202e称\\u2028二\\x1b[31m红\\x1b]0;title\\x07\\ufffe" in out


def test_xml_reports_stay_well_formed_with_xml_invalid_characters(cli, data, tmp_path):
    junit = tmp_path / "r.xml"
    result = cli("check", data, "-f", "junit", "-o", junit)
    assert result.exit_code == 1, result.stderr
    text = junit.read_text(encoding="utf-8")
    ET.fromstring(text)
    assert "\ufffe" not in text and "\u202e" not in text and "\\u202e" in text


PACK = """\
id: sites
title: {zh: 场地, en: sites}
document: 测试文件
entities:
  site:
    title: {zh: "=站点", en: "=sites"}
    fields:
      id: {type: text, title: {zh: "=HYPERLINK(\\"http://x\\")", en: "=HYPERLINK(\\"http://x\\")"}}
      area: {type: number, title: {zh: "+面积", en: "+area"}, unit: 公顷}
      ok: {type: boolean, title: {zh: "@合格", en: "@ok"}}
"""


@pytest.mark.parametrize("style", ["plain", "table"])
def test_template_headers_from_a_pack_never_become_formulas(cli, tmp_path, style, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p.yaml").write_text(PACK, encoding="utf-8")
    result = cli("template", "site", "-i", "p.yaml", "--style", style, "--lang", "en")
    assert result.exit_code == 0, result.stderr
    assert "'=HYPERLINK" in result.stdout and "'+area" in result.stdout and "'@ok" in result.stdout
    assert ",=" not in result.stdout and not result.stdout.lstrip("\ufeff").startswith(("=", "+", "@"))
    result = cli("template", "site", "-i", "p.yaml", "--style", style, "--lang", "en", "-o", "t.xlsx")
    assert result.exit_code == 0, result.stderr
    ws = openpyxl.load_workbook(io.BytesIO((tmp_path / "t.xlsx").read_bytes())).active
    texts = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(c.value.startswith("=HYPERLINK") for c in texts)
    for cell in texts:
        assert cell.data_type == "s", cell.value  # never "f": a formula
