"""CI outputs within their consumers' limits: GitHub annotations (10 errors + 10 warnings per step,
the most important first), SARIF (GitHub code scanning: 25,000 results, 10 MB gzipped), JUnit
(the junit-10.xsd schema of Jenkins' xUnit plugin and Ant, counts that agree with the test cases).
"""

from __future__ import annotations

import gzip
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_render_sarif import validate as validate_sarif

from helpers import COMMUNITY_HEADER, COMPOUND_HEADER
from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render import Format, Options, github, junit, sarif

ROOT = Path(__file__).resolve().parents[2]


def _big(tmp_path: Path, rows: int = 600, name: str = "big.csv") -> Path:
    """Communities: every third fails, every fifth lacks its area, one bad cell; and compounds whose rate fails."""
    lines = [COMMUNITY_HEADER]
    for n in range(rows):
        area = "" if n % 5 == 0 else ("480" if n % 3 == 0 else "900")
        if n == 7:
            area = "12a"
        lines.append(f"C{n:05d},社区{n},{'洮北区' if n % 2 else '洮南市'},是,是,1800,{area}")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _compounds(tmp_path: Path) -> Path:
    path = tmp_path / "compounds.csv"
    path.write_text(f"{COMPOUND_HEADER}\nX1,甲,洮北区,是,是,否\nX2,乙,洮北区,是,是,是\n", encoding="utf-8")
    return path


@pytest.fixture(params=["records", "columns"])
def big_report(request, tmp_path):
    return check_files([_big(tmp_path), _compounds(tmp_path)], engine=request.param, lang="en")


# --------------------------------------------------------------------------- GitHub annotations


def test_annotations_are_capped_most_important_first(big_report):
    lines = github.render(big_report, full_report="out/report.json").splitlines()
    errors = [x for x in lines if x.startswith("::error")]
    warnings = [x for x in lines if x.startswith("::warning")]
    notices = [x for x in lines if x.startswith("::notice")]
    assert len(errors) == 10 and len(warnings) == 10 and len(notices) == 1
    assert "compounds.csv" in errors[0] and "洮北区" in errors[0]  # the district's failed rate first
    assert all("status" not in x for x in errors)
    assert "invalid" not in " ".join(errors[1:])  # fails before invalid data: there are plenty of fails
    summary = big_report.summary()
    more_errors = summary["fail"] + summary["invalid_data"] + 1 - 10
    more_warnings = summary["missing_data"] - 10
    assert f"{more_errors} more errors and {more_warnings} more warnings" in notices[0]
    assert "out/report.json" in notices[0]
    assert lines[-1].startswith("lifeservices: 602 records")


def test_a_cr_in_a_property_is_escaped():
    assert github.command("error", "a\rb", file="x\r.csv", title="t\r") == "::error file=x%0D.csv,title=t%0D::a%0Db"


def test_the_job_summary_gets_the_full_table(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary), "LIFESERVICES_LANG": "en"}
    result = cli("check", "examples/communities.csv", env=env)
    assert result.exit_code == 1 and result.stdout.startswith("::error")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n") and "| " in text  # appended, as GitHub shares it between steps
    # a --report that writes there already is not doubled
    summary.write_text("", encoding="utf-8")
    cli("check", "examples/communities.csv", "--report", f"markdown={summary}", env=env)
    once = summary.read_text(encoding="utf-8")
    assert once and once == Format.markdown.render(check_files(["examples/communities.csv"], lang="en"))


# --------------------------------------------------------------------------- SARIF


def test_sarif_lists_aggregates_first_and_says_what_it_left_out(big_report, monkeypatch):
    monkeypatch.setattr(sarif, "MAX_RESULTS", 25)
    doc = json.loads(sarif.render(big_report, full_report="out/report.json"))
    validate_sarif(doc)
    run = doc["runs"][0]
    results = run["results"]
    assert len(results) == 25
    assert results[0]["ruleId"] == "new-compound-elderly-childcare-rate"
    statuses = [r["properties"]["status"] for r in results[1:]]
    assert statuses == sorted(statuses, key=sarif.RANK.__getitem__) and set(statuses) == {"fail"}
    assert all("region" in r["locations"][0]["physicalLocation"] for r in results)
    note = run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]
    total = run["properties"]["problems"]
    assert f"{total - 25} more are not" in note and "out/report.json" in note
    assert run["tool"]["driver"]["informationUri"].startswith("https://")
    assert doc["$schema"] == sarif.SCHEMA


def test_sarif_stays_under_the_gzipped_size(big_report, monkeypatch):
    monkeypatch.setattr(sarif, "MAX_GZIP", 12_000)
    text = sarif.render(big_report)
    assert len(gzip.compress(text.encode(), 6)) <= 12_000
    doc = json.loads(text)
    validate_sarif(doc)
    assert 0 < doc["runs"][0]["properties"]["problemsListed"] < doc["runs"][0]["properties"]["problems"]


def test_sarif_fingerprints_differ_for_one_id_in_two_files(tmp_path):
    a = tmp_path / "a"
    b = tmp_path / "b"
    a.mkdir(), b.mkdir()
    for folder in (a, b):
        (folder / "d.csv").write_text(f"{COMMUNITY_HEADER}\nA1,甲,洮北区,是,是,1800,480\n", encoding="utf-8")
    doc = json.loads(sarif.render(check_files([a / "d.csv", b / "d.csv"], lang="en")))
    validate_sarif(doc)
    results = [r for r in doc["runs"][0]["results"] if r["ruleId"] == "new-community-facility-area"]
    prints = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    assert len(prints) == 2 and len(set(prints)) == 2


# --------------------------------------------------------------------------- JUnit

#: What Jenkins' xUnit plugin's junit-10.xsd allows (the schema Ant's and Surefire's reports follow):
#: element → (required attributes, optional attributes, allowed children).
JUNIT_10 = {
    "testsuites": (set(), {"name", "time", "tests", "failures", "errors"}, {"testsuite"}),
    "testsuite": (
        {"name", "tests", "failures", "errors"},
        {"group", "time", "skipped", "timestamp", "hostname", "id", "package", "file", "log", "url"},
        {"testsuite", "properties", "testcase", "system-out", "system-err"},
    ),
    "properties": (set(), set(), {"property"}),
    "property": ({"name", "value"}, set(), set()),
    "testcase": (
        {"name"},
        {"time", "classname", "group"},
        {"skipped", "error", "failure", "system-out", "system-err"},
    ),
    "failure": (set(), {"type", "message"}, set()),
    "error": (set(), {"type", "message"}, set()),
    "skipped": (set(), {"type", "message"}, set()),
    "system-out": (set(), set(), set()),
    "system-err": (set(), set(), set()),
}


def validate_junit(text: str) -> ET.Element:
    """Check a JUnit document against junit-10.xsd's rules and its counts against its test cases."""
    root = ET.fromstring(text.encode())
    assert root.tag == "testsuites"
    for element in root.iter():
        assert element.tag in JUNIT_10, element.tag
        required, optional, children = JUNIT_10[element.tag]
        assert required <= set(element.attrib), (element.tag, element.attrib)
        assert set(element.attrib) <= required | optional, (element.tag, set(element.attrib) - required - optional)
        assert {child.tag for child in element} <= children, (element.tag, [c.tag for c in element])
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        counted = {
            "tests": len(cases),
            "failures": sum(1 for c in cases if c.find("failure") is not None),
            "errors": sum(1 for c in cases if c.find("error") is not None),
        }
        assert {k: int(suite.get(k)) for k in counted} == counted, suite.get("name")
        for k in totals:
            totals[k] += counted[k]
    assert {k: int(root.get(k)) for k in totals} == totals
    return root


def test_junit_of_the_examples_is_valid(monkeypatch):
    monkeypatch.chdir(ROOT)
    examples = [str(p.relative_to(ROOT)) for p in sorted((ROOT / "examples").iterdir()) if p.is_file()]
    root = validate_junit(Format.junit.render(check_files(examples)))
    assert len(root.findall(".//testcase")) == int(root.get("tests")) > 50


def test_junit_of_a_large_run_lists_problems_and_counts_the_rest(big_report, monkeypatch):
    monkeypatch.setattr(junit, "MAX_CASES", 100)
    monkeypatch.setattr(junit, "PER_SUITE", 20)
    text = junit.render(big_report, full_report="out/report.json")
    root = validate_junit(text)
    name = "big.csv: new-community-facility-area"
    suite = next(s for s in root.iter("testsuite") if s.get("name", "").endswith(name))
    cases = suite.findall("testcase")
    assert len(cases) == 22  # 20 problems, one failure for the problems not listed, one pass for the rest
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["results"] == "600" and int(props["fail"]) > 100
    assert "out/report.json" in suite.find("system-out").text
    assert cases[0].find("failure") is not None  # fails first


def test_options_reach_the_formats_that_cut():
    assert Format.sarif.options(Options(full_report="r.json")) == {"full_report": "r.json"}
    assert Format.github.options(Options(full_report="r.json")) == {"full_report": "r.json"}
    assert Format.junit.options(Options(full_report="r.json")) == {"full_report": "r.json"}


# --------------------------------------------------------------------------- xlsx


def test_xlsx_goes_on_over_sheets_past_excels_rows(monkeypatch):
    from io import BytesIO

    from openpyxl import load_workbook

    from lifeservices_cli.render import xlsx

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(xlsx, "EXCEL_ROWS", 5)  # a header and 4 records a sheet
    report = check_files(["examples/communities.csv"], lang="en")
    book = load_workbook(BytesIO(Format.xlsx.render(report, Options(by=None))), read_only=True)
    parts = ["Results", "Results (2)", "Results (3)"]
    assert book.sheetnames[:3] == parts  # side by side, before the summary
    rows = [list(book[name].iter_rows(values_only=True)) for name in parts]
    assert all(sheet[0] == rows[0][0] for sheet in rows)  # the same header on each
    ids = [row[0] for sheet in rows for row in sheet[1:]]
    assert ids == [f"{p}-{n:03d}" for p, n in [("TB", 1), ("TB", 2), ("TB", 3), ("TB", 4), ("TB", 5)]] + ids[5:]
    assert len(ids) == report.summary()["records"] == 12  # no row left out
    summary = [row for row in book["Summary"].iter_rows(values_only=True)]
    assert any("goes on in: Results (2), Results (3)" in str(row[0]) for row in summary)
    assert xlsx.sheets_needed(12) == 3 and xlsx.sheets_needed(4) == 1


def test_the_cli_says_when_xlsx_goes_on_over_sheets(cli, tmp_path, monkeypatch):
    from lifeservices_cli.render import xlsx

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(xlsx, "EXCEL_ROWS", 5)
    out = tmp_path / "r.xlsx"
    result = cli("check", "examples/communities.csv", "--report", f"xlsx={out}", "--lang", "en", "-f", "json")
    assert result.exit_code == 1 and out.is_file()
    assert "goes on over 3 sheets" in result.stderr
