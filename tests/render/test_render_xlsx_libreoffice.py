"""The Excel report opened by a real spreadsheet program: LibreOffice converts every sheet to CSV,
and what it reads is what the report meant (the CSV report's cells, numbers as numbers, formula-like
text as text, sheets in their order, the continuation sheets beside the first)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
from pathlib import Path

import pytest
from tests.helpers import write
from tests.tables import libreoffice

from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render import Format
from lifeservices_cli.render import xlsx as xlsx_report

ROOT = Path(__file__).resolve().parents[2]
# every sheet, UTF-8, comma-separated, quoted text, cells as shown
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def _sheets(workbook: Path, folder: Path) -> dict[str, list[list[str]]]:
    """Every sheet of ``workbook`` as LibreOffice reads it, by name, in the workbook's order."""
    out = folder / "lo-out"
    profile = (folder / "lo-profile").resolve()
    done = subprocess.run(
        [
            libreoffice(),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            CSV_FILTER,
            "--outdir",
            str(out),
            str(workbook),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "HOME": str(folder)},
    )
    names = [
        line.split("Writing sheet ", 1)[1].split(" -> ", 1)[0]
        for line in done.stdout.splitlines()
        if "Writing sheet " in line
    ]
    sheets = {}
    for name in names:
        text = (out / f"{workbook.stem}-{name}.csv").read_text("utf-8")
        sheets[name] = list(csv.reader(io.StringIO(text)))
    return sheets


def _same(ours: str, theirs: str) -> bool:
    if ours == theirs:
        return True
    try:
        return abs(float(ours) - float(theirs)) <= 1e-9 * max(1.0, abs(float(ours)))
    except ValueError:
        return False


def test_libreoffice_reads_the_results_sheet_as_the_csv_report(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    report = check_files(["examples/communities.csv", "examples/districts.csv"])
    workbook = tmp_path / "report.xlsx"
    xlsx_report.write_file(report, workbook)
    sheets = _sheets(workbook, tmp_path)
    assert list(sheets) == ["检查结果", "汇总", "按县（市、区）"]
    ours = list(csv.reader(io.StringIO(Format.csv.render(report).decode("utf-8-sig"))))
    theirs = sheets["检查结果"]
    assert len(theirs) == len(ours) == 1 + report.summary()["records"]
    for mine, read in zip(ours, theirs, strict=True):
        read = read + [""] * (len(mine) - len(read))  # LibreOffice stops at the last cell of the sheet
        bad = [(m, r) for m, r in zip(mine, read, strict=True) if not _same(m.replace(",", ""), r.replace(",", ""))]
        assert not bad, (mine[:2], bad)
    summary = {row[0]: row[1] for row in sheets["汇总"] if len(row) > 1}
    assert summary["检查项数"] == str(report.summary()["checks"])


def test_libreoffice_keeps_formula_like_text_as_text(tmp_path):
    data = write(tmp_path, "c.csv", "社区编码,社区名称,户数,综合服务设施面积\n=1+1,@SUM(A1),100,10\n")
    report = check_files([str(data)], entity="community")
    workbook = tmp_path / "r.xlsx"
    xlsx_report.write_file(report, workbook)
    row = _sheets(workbook, tmp_path)["检查结果"][1]
    assert row[:2] == ["=1+1", "@SUM(A1)"]  # shown as typed, never computed


def test_libreoffice_opens_the_continuation_sheets_in_their_place(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(xlsx_report, "EXCEL_ROWS", 5)  # a header and 4 records a sheet
    report = check_files(["examples/communities.csv"], lang="en")
    workbook = tmp_path / "r.xlsx"
    xlsx_report.write_file(report, workbook)
    sheets = _sheets(workbook, tmp_path)
    assert list(sheets)[:4] == ["Results", "Results (2)", "Results (3)", "Summary"]
    ids = [row[0] for name in ("Results", "Results (2)", "Results (3)") for row in sheets[name][1:]]
    assert len(ids) == 12 and ids[0] == "TB-001"
    assert all(sheets[name][0] == sheets["Results"][0] for name in ("Results (2)", "Results (3)"))


@pytest.mark.parametrize("by", ["department"])
def test_libreoffice_reads_every_problem_sheet(tmp_path, monkeypatch, by):
    from lifeservices_cli.render import View

    monkeypatch.chdir(ROOT)
    report = check_files(["examples/communities.csv", "examples/compounds.yaml"])
    workbook = tmp_path / "r.xlsx"
    xlsx_report.write_file(report, workbook, by=View(by))
    sheets = _sheets(workbook, tmp_path)
    problems = [name for name in sheets if name not in ("检查结果", "汇总", "按县（市、区）")]
    assert problems and all(len(sheets[name]) > 1 for name in problems)
    listed = sum(len(sheets[name]) - 1 for name in problems)
    assert listed >= sum(report.summary()[s] for s in ("fail", "missing_data", "invalid_data"))
