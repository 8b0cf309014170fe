"""``--results all|problems|none``: what every format lists; the counts stay those of all results."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from jsonschema import Draft202012Validator
from openpyxl import load_workbook

from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render import Format
from lifeservices_cli.report.schema import report_schema

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").iterdir() if p.is_file())
PROBLEMS = {"fail", "invalid_data", "missing_data"}


@pytest.fixture
def here(monkeypatch):
    monkeypatch.chdir(ROOT)


def _report(engine: str, listing: str):
    paths = EXAMPLES if engine == "records" else ["examples/communities.csv"]
    report = check_files(paths, engine=engine)
    assert report.store.spooled is (engine == "columns")
    report.listing = listing
    return report


def _everything(engine: str) -> dict:
    return json.loads(Format.json.render(_report(engine, "all")))


@pytest.mark.parametrize("engine", ["records", "columns"])
@pytest.mark.parametrize("listing", ["problems", "none"])
def test_json_and_ndjson_list_the_results_asked_for_and_count_all(here, engine, listing):
    full = _everything(engine)
    assert "results_filter" not in full
    wanted = [r for r in full["results"] if listing == "problems" and r["status"] in PROBLEMS]
    assert full["results"] and (listing == "none" or wanted)
    report = _report(engine, listing)
    doc = json.loads(Format.json.render(report))
    assert doc["results"] == wanted
    assert doc["results_filter"] == listing
    assert doc["summary"] == full["summary"] and doc["aggregates"] == full["aggregates"]
    assert doc["summary"]["checks"] == len(full["results"])
    assert not list(Draft202012Validator(report_schema()).iter_errors(doc))
    lines = Format.ndjson.render(report).splitlines()
    assert [json.loads(line) for line in lines] == wanted


@pytest.mark.parametrize("engine", ["records", "columns"])
def test_the_json_file_of_a_filtered_run_is_written_whole(here, tmp_path, engine):
    from lifeservices_cli.api import write_json

    report = _report(engine, "problems")
    out = tmp_path / "r.json"
    write_json(report, out)
    doc = json.loads(out.read_text("utf-8"))
    assert doc["results"] and {r["status"] for r in doc["results"]} <= PROBLEMS
    assert not list(tmp_path.glob(".*"))


@pytest.mark.parametrize("engine", ["records", "columns"])
@pytest.mark.parametrize("listing", ["problems", "none"])
def test_parquet_lists_the_results_asked_for(here, tmp_path, engine, listing):
    from lifeservices_cli.render.parquet import write_file

    full = _everything(engine)
    wanted = [r["status"] for r in full["results"] if listing == "problems" and r["status"] in PROBLEMS]
    out = tmp_path / "r.parquet"
    write_file(_report(engine, listing), out)
    frame = pl.read_parquet(out)
    assert frame.get_column("status").to_list() == wanted
    assert "message" in frame.columns


def _records_with_problems(full: dict) -> list[tuple[str, int]]:
    return list(dict.fromkeys((r["source"], r["line"]) for r in full["results"] if r["status"] in PROBLEMS))


@pytest.mark.parametrize("engine", ["records", "columns"])
def test_csv_keeps_the_records_with_a_problem_whole(here, engine):
    full = _everything(engine)
    every = list(csv.reader(io.StringIO(Format.csv.render(_report(engine, "all")).decode("utf-8-sig"))))
    some = list(csv.reader(io.StringIO(Format.csv.render(_report(engine, "problems")).decode("utf-8-sig"))))
    none = list(csv.reader(io.StringIO(Format.csv.render(_report(engine, "none")).decode("utf-8-sig"))))
    assert some[0] == every[0] and none == [every[0]]
    kept = _records_with_problems(full)
    assert [(row[-2], int(row[-1])) for row in some[1:]] == kept
    assert len(kept) < len(every) - 1  # some records had no problem
    by_place = {(row[-2], row[-1]): row for row in every[1:]}
    assert all(row == by_place[(row[-2], row[-1])] for row in some[1:])  # the other results stay in the row


def _sheet_rows(data: bytes, title: str) -> list[tuple]:
    wb = load_workbook(io.BytesIO(data), read_only=True)
    return [tuple(c for c in row) for row in wb[title].iter_rows(values_only=True)]


@pytest.mark.parametrize("engine", ["records", "columns"])
def test_xlsx_lists_the_records_asked_for_and_counts_all_by_district(here, engine):
    full = _everything(engine)
    every, some, none = (Format.xlsx.render(_report(engine, x)) for x in ("all", "problems", "none"))
    results, districts = "检查结果", "按县（市、区）"
    assert len(_sheet_rows(some, results)) == 1 + len(_records_with_problems(full))
    assert len(_sheet_rows(none, results)) == 1
    assert _sheet_rows(some, districts) == _sheet_rows(every, districts) == _sheet_rows(none, districts)
    assert _sheet_rows(some, "汇总") == _sheet_rows(every, "汇总")


def _junit_counts(xml: str) -> tuple[Counter[str], Counter[str]]:
    """The results counted in each record suite's properties, and the testsuites' totals."""
    root = ET.fromstring(xml)
    counted: Counter[str] = Counter()
    for suite in root.iter("testsuite"):
        props = {p.get("name"): p.get("value") for p in suite.iter("property")}
        cases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(cases)
        assert int(suite.get("failures")) == sum(1 for c in cases if c.find("failure") is not None)
        if "results" in props:
            counted.update({s: int(props[s]) for s in ("pass", "fail", "missing_data", "invalid_data") if s in props})
    return counted, Counter({k: int(root.get(k)) for k in ("tests", "failures", "errors")})


@pytest.mark.parametrize("engine", ["records", "columns"])
def test_junit_lists_the_problems_and_counts_the_rest(here, engine):
    full = _everything(engine)
    summary = full["summary"]
    some = Format.junit.render(_report(engine, "problems"))
    counted, _ = _junit_counts(some)
    assert counted == Counter({s: summary[s] for s in ("pass", "fail", "missing_data", "invalid_data") if summary[s]})
    root = ET.fromstring(some)
    failing = [c for c in root.iter("testcase") if c.find("failure") is not None or c.find("error") is not None]
    names = [c.get("name") for c in failing]
    problems = [r for r in full["results"] if r["status"] in PROBLEMS]
    assert len([n for n in names if not n.startswith("…")]) >= len(problems)  # every problem is a case
    none = Format.junit.render(_report(engine, "none"))
    counted_none, _ = _junit_counts(none)
    assert counted_none == counted
    for suite in ET.fromstring(none).iter("testsuite"):
        if any(p.get("name") == "results" for p in suite.iter("property")):  # a suite of records' results
            assert all(c.get("name").startswith("…") for c in suite.iter("testcase") if c.find("failure") is not None)


def test_sarif_and_github_list_no_record_under_none(here):
    some = json.loads(Format.sarif.render(_report("records", "problems")))
    every = json.loads(Format.sarif.render(_report("records", "all")))
    assert some["runs"][0]["results"] == every["runs"][0]["results"]  # problems only, either way
    none = json.loads(Format.sarif.render(_report("records", "none")))
    run = none["runs"][0]
    assert len(run["results"]) == sum(1 for a in every["runs"][0]["results"] if "numerator" in a["properties"])
    assert run["invocations"][0]["toolExecutionNotifications"]
    lines = Format.github.render(_report("records", "none")).splitlines()
    assert not [x for x in lines if ",line=" in x]  # no record's annotation
    assert lines[-1] == Format.github.render(_report("records", "all")).splitlines()[-1]  # the same counts


def test_people_formats_say_what_was_not_listed(here):
    full = _everything("records")
    problems = sum(full["summary"][s] for s in PROBLEMS)
    for fmt in (Format.markdown, Format.html, Format.table):
        text = fmt.render(_report("records", "none"))
        assert f"{len(full['results'])} 个记录结果未列出" in text, fmt
        assert "没有未达标" not in text, fmt
        text = fmt.render(_report("records", "problems"))
        assert f"{len(full['results']) - problems} 个记录结果未列出" in text, fmt
    html = Format.html.render(_report("records", "problems"))
    body = html.split('<table id="results-table">', 1)[1].split("</table>", 1)[0]
    assert "data-status=\"fail\"" in body and "data-status=\"pass\"" not in body


def test_results_option_on_the_command_line(cli, here, tmp_path):
    out = tmp_path / "r.csv"
    result = cli("check", *EXAMPLES, "--results", "problems", "-f", "json", "--report", f"csv={out}")
    assert result.exit_code == 1, result.output  # the exit code follows every result
    doc = json.loads(result.stdout)
    assert doc["results_filter"] == "problems" and {r["status"] for r in doc["results"]} <= PROBLEMS
    assert out.exists()
    bad = cli("check", *EXAMPLES, "--results", "passes")
    assert bad.exit_code == 2 and "--results" in bad.output
