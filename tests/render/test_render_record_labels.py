"""Records without id or name (district rows, one per district and year) are labelled by what
identifies them — ``洮北区 2023`` — in every format that names records, and their SARIF
fingerprints do not depend on the row's position."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date

from tests.helpers import write

from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render import Format
from lifeservices_cli.report.schema import report_schema

HEADER = "县（市、区）,年度,落实基本公共卫生服务类别数（类）,托育机构备案完成数（个）,托育机构年度备案任务数（个）"
ROWS = ["洮北区,2023,11,3,4", "洮南市,2023,12,5,5", "大安市,2024,10,1,2"]


def _report(tmp_path, rows, name="districts.csv"):
    path = write(tmp_path, name, "\n".join([HEADER, *rows]) + "\n")
    return check_files([str(path)], as_of=date(2024, 12, 31))


def test_json_results_of_district_rows_carry_their_year(tmp_path):
    report = _report(tmp_path, ROWS)
    doc = json.loads(Format.json.render(report))
    first = doc["results"][0]
    assert first["record_id"] is None and first["record_name"] is None
    assert (first["district"], first["year"]) == ("洮北区", 2023)
    assert list(first)[:6] == ["source", "line", "record_id", "record_name", "district", "year"]
    from jsonschema import Draft202012Validator

    assert not list(Draft202012Validator(report_schema()).iter_errors(doc))
    # read back from the spool as from memory: the year survives
    assert [r.year for r in report.iter_results()][0] == 2023


def test_every_format_names_a_district_row_by_district_and_year(tmp_path):
    report = _report(tmp_path, ROWS)
    label = "洮北区 2023"
    assert label in Format.table.render(report)
    assert f"**{label}**" in Format.markdown.render(report)
    assert f"<b>{label}</b>" in Format.html.render(report) and f"<td>{label}</td>" in Format.html.render(report)
    assert f"title={label} — " in Format.github.render(report)
    cases = [c.get("name") for c in ET.fromstring(Format.junit.render(report)).iter("testcase")]
    assert label in cases and "大安市 2024" in cases
    assert not any("行" in (c or "") for c in cases)  # no line number needed: the year tells rows apart


def _prints(report) -> dict[tuple[str, str], str]:
    doc = json.loads(Format.sarif.render(report))
    out = {}
    for r in doc["runs"][0]["results"]:
        if "numerator" in r["properties"]:
            continue
        key = (r["ruleId"], f"{r['properties']['district']} {r['locations'][0]['physicalLocation']['region']}")
        out[(r["ruleId"], r["properties"]["district"])] = r["partialFingerprints"]["primaryLocationLineHash"]
        assert key
    return out


def test_sarif_fingerprints_of_district_rows_do_not_depend_on_their_line(tmp_path):
    before = _prints(_report(tmp_path, ROWS))
    moved = _prints(_report(tmp_path, ["通榆县,2023,12,2,2", *reversed(ROWS)]))  # a row above, the others reordered
    assert before and all(moved[key] == digest for key, digest in before.items())
    other_year = _prints(_report(tmp_path, ["洮北区,2024,11,3,4"]))
    failing = next(k for k in before if k[1] == "洮北区")
    assert other_year.get(failing) not in (None, before[failing])  # another year is another record


def test_a_row_without_id_name_or_year_is_still_told_apart_by_its_line(tmp_path):
    path = write(tmp_path, "c.csv", "社区名称,户数,综合服务设施面积\n,100,10\n,100,10\n")
    report = check_files([str(path)], entity="community")
    for suite in ET.fromstring(Format.junit.render(report)).iter("testsuite"):
        cases = [c.get("name") for c in suite.iter("testcase")]
        assert cases == ["— (第 2 行)", "— (第 3 行)"]
