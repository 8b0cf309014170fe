"""Hostile data in every format: markup, CDATA ends, control characters, spreadsheet formulas,
workflow-command syntax and newlines in ids, names and messages are all inert."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
import zipfile

import jsonschema
import openpyxl
import pytest
from junitparser import JUnitXml
from test_render_sarif import sarif_schema

from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render import Format, Options, View
from lifeservices_cli.render.github import escape_data, escape_property
from lifeservices_cli.render.rows import neutralise
from lifeservices_cli.report.model import Report

FORMULA = "=cmd|' /C calc'!A0"
SCRIPT = "<script>window.__pwned=1</script>"
NAME = f"{SCRIPT}]]>\x07\x1b[2J::error::pwned\nsecond line"
DISTRICT = "洮北区, ::x %0A 50%"
HEADER = [
    "社区编码",
    "社区名称",
    "县（市、区）",
    "街道（乡镇）",
    "是否新建",
    "是否城市社区",
    "户数（户）",
    "综合服务设施面积（平方米）",
]
ROWS = [
    [FORMULA, NAME, DISTRICT, "@SUM(1+1)", "是", "是", "1800", "480"],
    ["+1", "\tTAB", DISTRICT, "-2", "是", "是", "1800", "12a<b>]]>"],
    ["@me", "plain", "大安市", "\rCR", "是", "是", "-5", "600"],
]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Report:
    folder = tmp_path_factory.mktemp("hostile")
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([HEADER, *ROWS])
    path = folder / "hostile.csv"
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return check_files([path], lang="zh")


def test_the_data_reached_the_report(report):
    results = list(report.iter_results())
    assert results[0].record_id == FORMULA and results[0].record_name == NAME
    assert any("12a<b>]]>" in r.message for r in results)


def test_html_escapes_everything(report):
    page = Format.html.render(report, Options(by=View.department))
    assert "__pwned" in page and SCRIPT not in page and "<b>]]>" not in page
    assert page.count("<script>") == 1  # ours, allowed by hash in the Content-Security-Policy
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
    assert "\x07" not in page and "\x1b" not in page and "\\x07" in page
    assert "=cmd|&#x27; /C calc&#x27;!A0" in page


def test_junit_is_well_formed_and_reads_back(report, tmp_path):
    xml = Format.junit.render(report)
    root = ET.fromstring(xml.encode())
    names = [case.get("name") for case in root.iter("testcase")]
    assert f"{FORMULA} {SCRIPT}]]>\\x07\\x1b[2J::error::pwned\nsecond line" in names  # round-trips, made visible
    messages = [el.get("message") for el in root.iter() if el.tag in ("failure", "error")]
    assert any("12a<b>]]>" in m for m in messages)
    path = tmp_path / "junit.xml"
    path.write_text(xml, encoding="utf-8")
    suites = JUnitXml.fromfile(str(path))
    s = report.summary()
    assert (suites.tests, suites.failures, suites.errors) == (
        s["checks"],
        s["fail"],
        s["invalid_data"] + s["missing_data"],
    )


def test_sarif_is_valid_and_keeps_the_text(report):
    doc = json.loads(Format.sarif.render(report))
    jsonschema.Draft7Validator(sarif_schema()).validate(doc)
    ids = {r["properties"]["recordId"] for r in doc["runs"][0]["results"]}
    assert FORMULA in ids
    assert any("12a<b>]]>" in r["message"]["text"] for r in doc["runs"][0]["results"])


COMMAND = re.compile(r"^::(error|warning) file=([^,:]*)(?:,line=(\d+))?,title=([^,:]*)::([^\r\n]*)$")


def test_github_commands_cannot_be_broken_out_of(report):
    lines = Format.github.render(report).splitlines()
    assert lines[-1].startswith("lifeservices: ")
    for line in lines[:-1]:
        m = COMMAND.match(line)
        assert m, line
        assert "\n" not in m.group(5) and "\x1b" not in line
    assert "%0A" in Format.github.render(report)
    assert escape_property("a:b,c%\r\n") == "a%3Ab%2Cc%25%0D%0A"
    assert escape_data("a:b,c%\r\n\x1b") == "a:b,c%25%0D%0A\\x1b"


def test_github_escaping_follows_the_documented_rules():
    assert escape_data("50% done\nnext") == "50%25 done%0Anext"
    assert escape_property("file,name:1") == "file%2Cname%3A1"


def test_csv_neutralises_formulas_and_keeps_numbers(report):
    text = Format.csv.render(report).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == "'" + FORMULA and rows[1][1] == NAME  # the newline stays inside the quoted cell
    assert rows[1][3] == "'@SUM(1+1)"
    assert rows[2][0] == "+1" and rows[2][1] == "'\tTAB" and rows[2][3] == "-2"
    assert rows[3][0] == "'@me" and rows[3][3] == "'\rCR" and rows[3][6] == "-5"
    gap_columns = [i for i, h in enumerate(rows[0]) if h.endswith("差距（m²）")]
    assert rows[1][gap_columns[0]] == "-20"  # a negative number stays a number


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+2", "'=1+2"),
        ("+1", "+1"),
        ("-1.5e3", "-1.5e3"),
        ("-", "'-"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("a=b", "a=b"),
    ],
)
def test_neutralise(cell, shown):
    assert neutralise(cell) == shown


def test_xlsx_stores_text_as_text(report, tmp_path):
    data = Format.xlsx.render(report, Options(by=View.district))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any(b"<f>" in s for s in sheets)  # no formula anywhere
    path = tmp_path / "r.xlsx"
    path.write_bytes(data)
    ws = openpyxl.load_workbook(path).worksheets[0]
    cell = ws["A2"]
    assert cell.value == FORMULA and cell.data_type == "s" and cell.quotePrefix
    assert ws["B2"].value == f"{SCRIPT}]]>\\x07\\x1b[2J::error::pwned\nsecond line"
    assert ws["G4"].value == -5  # numbers stay numbers


def test_markdown_is_inert(report):
    text = Format.markdown.render(report, Options(by=View.department))
    assert SCRIPT not in text and "&lt;script&gt;" in text
    assert "@me" not in text and "&#64;me" in text
    assert not any(line.startswith(("::", "=", "<script")) for line in text.splitlines())
    assert "\x1b" not in text


def test_table_shows_control_characters(report):
    text = Format.table.render(report, Options(by=View.district, width=400))
    assert "\x1b" not in text and "\x07" not in text and "\\x1b" in text
