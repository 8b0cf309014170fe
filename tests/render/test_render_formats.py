"""Every format: handled by the Format enum, rendered from one pass over the results,
deterministic, and agreeing with the JSON report on the counts."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render import Format, Options, View
from lifeservices_cli.render.problems import Worst
from lifeservices_cli.report.model import Report

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [
    "examples/communities.csv",
    "examples/communities-gbk.csv",
    "examples/compounds.yaml",
    "examples/facilities.csv",
]


@pytest.fixture(scope="module")
def report() -> Report:
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(ROOT)
        return check_files(EXAMPLES, lang="zh")


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # inputs are re-read by the spreadsheet formats, by their relative paths


@pytest.mark.parametrize("fmt", list(Format))
def test_every_format_has_a_renderer_and_its_options(fmt, report):
    assert callable(fmt.renderer())
    out = fmt.render(report, Options(by=View.department))
    assert isinstance(out, bytes if fmt.binary else (str, bytes)) and out


@pytest.mark.parametrize("fmt", list(Format))
def test_results_are_read_once(fmt, report, monkeypatch):
    calls = []
    real = Report.iter_results

    def once(self):
        calls.append(1)
        return iter(list(real(self)))

    monkeypatch.setattr(Report, "iter_results", once)
    fmt.render(report, Options(by=View.district))
    assert len(calls) <= 1


@pytest.mark.parametrize("fmt", list(Format))
@pytest.mark.parametrize("by", [None, View.indicator, View.district, View.department])
def test_same_input_same_bytes(fmt, by, report):
    assert fmt.render(report, Options(by=by)) == fmt.render(report, Options(by=by))


def test_no_absolute_paths_or_times_in_reports(report):
    for fmt in Format:
        out = fmt.render(report)
        text = out.decode("latin-1") if isinstance(out, bytes) else out
        assert str(ROOT) not in text, fmt


def test_unknown_option_values_are_rejected_by_the_enum():
    with pytest.raises(ValueError):
        Format("pdf")
    assert {f.value for f in Format} == {
        "table", "json", "ndjson", "csv", "parquet", "xlsx", "junit", "sarif", "github", "markdown", "html"
    }  # fmt: skip


def test_formats_agree_with_the_json_counts(report):
    data = json.loads(Format.json.render(report))
    problems = Counter(r["status"] for r in data["results"] if r["status"] in ("fail", "invalid_data", "missing_data"))
    github = Format.github.render(report)
    agg_problems = sum(1 for a in data["aggregates"] if a["status"] in ("fail", "invalid_data", "missing_data"))
    assert github.count("\n::") + github.startswith("::") == sum(problems.values()) + agg_problems
    sarif = json.loads(Format.sarif.render(report))
    assert len(sarif["runs"][0]["results"]) == sum(problems.values()) + agg_problems


def test_worst_keeps_input_order_until_it_must_cut():
    worst: Worst[int] = Worst(3)
    for n, status in enumerate(["pass", "fail", "pass"]):
        worst.add(status, n)
    assert worst.items() == [0, 1, 2] and worst.dropped == 0
    for n, status in enumerate(["missing_data", "pass", "fail", "invalid_data"], start=3):
        worst.add(status, n)
    assert worst.items() == [1, 5, 6]  # fail, fail, invalid: worst first, ties in input order
    assert worst.dropped == 4 and worst.total == 7
    assert worst.counts == Counter({"pass": 3, "fail": 2, "missing_data": 1, "invalid_data": 1})


def test_a_csv_report_file_is_written_in_blocks_with_one_bom(tmp_path):
    """Past a block of 10,000 rows the file goes on in the same encoding: one BOM, every row."""
    from lifeservices_cli.render.csv import write_file

    rows = "".join(f"C{n},社区{n},洮北区,是,是,{100 + n},{400 + n % 300}\n" for n in range(10_050))
    data = tmp_path / "c.csv"
    data.write_text("社区编码,社区名称,县（市、区）,是否新建,是否城市社区,户数,综合服务设施面积\n" + rows, "utf-8")
    report = check_files([str(data)])
    out = tmp_path / "r.csv"
    write_file(report, out)
    body = out.read_bytes()
    assert body.startswith(b"\xef\xbb\xbf") and body.count(b"\xef\xbb\xbf") == 1
    assert body == Format.csv.render(report)
    assert body.decode("utf-8-sig").count("\r\n") == 10_051
    assert not list(tmp_path.glob(".*"))


def test_a_csv_report_file_that_cannot_be_encoded_is_not_left_behind(tmp_path):
    from lifeservices_cli.errors import UsageError
    from lifeservices_cli.render.csv import write_file

    data = tmp_path / "c.csv"
    data.write_text("社区编码,社区名称,户数,综合服务设施面积\nA1,\U0001f600社区,100,10\n", "utf-8")
    report = check_files([str(data)], entity="community")
    out = tmp_path / "r.csv"
    with pytest.raises(UsageError, match="cannot encode"):
        write_file(report, out, csv_encoding="gbk")
    assert not out.exists() and not list(tmp_path.glob(".*"))
