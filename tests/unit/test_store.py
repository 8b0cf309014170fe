"""The result spool, and the JSON report written in place from it (one write of the results)."""

from __future__ import annotations

import gc
import io
import json
import random
from datetime import date
from pathlib import Path

import pytest
from tests.unit.test_columnar import CASES

from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render import json as json_report

DAY = date(2025, 1, 1)


def _data(folder: Path, case: str = "community") -> Path:
    path = folder / "data.csv"
    path.write_text(CASES[case](random.Random(case)), encoding="utf-8")
    return path


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_the_report_written_in_place_is_the_streamed_report_give_or_take_white_space(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    report = check_files([_data(tmp_path)], as_of=DAY, engine="columns", spool_folder=out)
    assert _hidden(out), "the spool should be a hidden file beside the report"
    streamed = io.StringIO()
    json_report.write(report, streamed)
    target = out / "report.json"
    assert json_report.write_in_place(report, target)
    text = target.read_text(encoding="utf-8")
    assert json.loads(text) == json.loads(streamed.getvalue())
    head, _, rest = text.partition('"results": [')
    assert streamed.getvalue().startswith(head)  # only the padding differs
    assert rest.lstrip(" ").startswith("\n    {")
    assert _hidden(out) == []  # the spool became the report
    plain = out / "plain.json"
    plain.write_text("{}")
    assert target.stat().st_mode == plain.stat().st_mode  # not the spool's private mode
    # the store still reads its results, and a second JSON copy is the same report
    assert len(report.results) == report.store.total
    again = io.StringIO()
    json_report.write(report, again)
    assert again.getvalue() == streamed.getvalue()


def test_no_in_place_write_into_another_folder_or_without_a_spool(tmp_path: Path):
    spool, other = tmp_path / "spool", tmp_path / "other"
    spool.mkdir()
    other.mkdir()
    report = check_files([_data(tmp_path)], as_of=DAY, engine="columns", spool_folder=spool)
    assert not json_report.write_in_place(report, other / "r.json")
    assert not (other / "r.json").exists()
    small = check_files([_data(tmp_path)], as_of=DAY, engine="records", spool_folder=spool)
    assert not small.store.spooled
    assert not json_report.write_in_place(small, spool / "r.json")


def test_an_unused_spool_is_removed(tmp_path: Path):
    report = check_files([_data(tmp_path)], as_of=DAY, engine="columns", spool_folder=tmp_path)
    assert _hidden(tmp_path)
    del report
    gc.collect()
    assert _hidden(tmp_path) == []


def test_a_rolled_back_spool_is_removed(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    path = tmp_path / "ragged.csv"
    rows = "\n".join(f"F{n},站,洮北区,100,10" for n in range(50))
    path.write_text(
        f"项目编号,项目名称,县（市、区）,建筑面积（平方米）,总投资（万元）\n{rows}\nF,站,洮北区,1,1,extra\n"
    )
    report = check_files([path], as_of=DAY, engine="columns", spool_folder=out)
    assert not report.store.spooled  # the record engine took the file
    assert _hidden(out) == []


def test_a_head_too_big_for_its_room_falls_back(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    report = check_files([_data(tmp_path)], as_of=DAY, engine="columns", spool_folder=out)
    report.inputs[0].warnings.extend(["警告" * 1000] * 40)  # e.g. a long list of duplicate ids
    assert not json_report.write_in_place(report, out / "r.json")
    assert not (out / "r.json").exists()


def test_the_cli_writes_a_large_json_report_in_place_and_leaves_no_spool(cli, tmp_path: Path, monkeypatch):
    from lifeservices_cli import pipeline as checker

    monkeypatch.setattr(checker, "COLUMNAR_MIN_BYTES", 0)  # this small file takes the large-file path
    data, out = _data(tmp_path), tmp_path / "out"
    out.mkdir()
    args = ["check", str(data), "--as-of", "2025-01-01", "--fail-on", "never", "-f", "json"]
    result = cli(*args, "-o", str(out / "r.json"), "--report", f"csv={out / 'r.csv'}")
    assert result.exit_code == 0, result.output
    assert _hidden(out) == []
    streamed = cli(*args)  # to standard output: copied from the spool
    in_place = json.loads((out / "r.json").read_text(encoding="utf-8"))
    assert in_place == json.loads(streamed.stdout)
    assert in_place["summary"]["checks"] == len(in_place["results"]) > 1000
    assert (out / "r.csv").read_bytes().count(b"\n") == in_place["summary"]["records"] + 1


@pytest.mark.parametrize("by", ["indicator", "district", "department"])
@pytest.mark.parametrize("scan_bytes", [1500, 1 << 20])
def test_tables_from_the_spool_are_the_tables_from_results(tmp_path: Path, monkeypatch, by: str, scan_bytes: int):
    from lifeservices_cli.render import table
    from lifeservices_cli.render.common import View
    from lifeservices_cli.render.problems import results_with, worst_per_indicator
    from lifeservices_cli.report import store

    monkeypatch.setattr(store, "SCAN_BYTES", scan_bytes)  # blocks cut between any two entries
    for case in ("community", "facility", "compound"):
        path = _data(tmp_path, case)
        columns = check_files([path], as_of=DAY, engine="columns")
        records = check_files([path], as_of=DAY, engine="records")
        assert columns.store.spooled and not records.store.spooled
        assert table.render(columns, by=View(by)) == table.render(records, by=View(by))
        assert [r.line for r in results_with(columns, ["fail"])] == [
            r.line for r in records.results if r.status == "fail"
        ]
        worst = worst_per_indicator(columns, 7)
        assert {i: [r.line for r in w.items()] for i, w in worst.items()} == {
            i: [r.line for r in w.items()] for i, w in worst_per_indicator(records, 7).items()
        }


def test_annotations_and_sarif_from_the_spool_are_those_from_results(tmp_path: Path):
    from lifeservices_cli.render import github, sarif

    path = _data(tmp_path, "community")
    columns = check_files([path], as_of=DAY, engine="columns")
    records = check_files([path], as_of=DAY, engine="records")
    assert columns.store.spooled
    assert github.render(columns) == github.render(records)
    assert sarif.render(columns) == sarif.render(records)
